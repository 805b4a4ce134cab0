import type { DispatchMode, QueueKind } from './options.js';
import { queueFactories, startOrders, type Order, type QueueEntry, type TaskQueue } from './queues/index.js';
import { PriorityQueue } from './queues/priority.js';
import type { Task } from './task.js';
import type { WorkerSlot } from './worker.js';

/**
 * How waiting tasks reach workers: one queue all workers pull from, or a
 * queue per worker with work stealing. The core pushes tasks and asks for
 * the next one when a worker is free.
 */
export interface Dispatcher<Job> {
  /** Tasks waiting, in every queue. */
  readonly size: number;
  push(task: Task<Job>): void;
  /**
   * Adds a task that waited behind its key, now free: it takes its place
   * among the waiting tasks by the queue's order, as if it had waited in the
   * queue all along, rather than joining the end.
   */
  requeue(task: Task<Job>): void;
  /** The task `worker` should run next. */
  next(worker: WorkerSlot<Job>): Task<Job> | undefined;
  /** The task `next(worker)` would return, left in place. */
  peek(worker: WorkerSlot<Job>): Task<Job> | undefined;
  /** Forgets a task that stopped waiting. */
  delete(task: Task<Job>): void;
  /** Every waiting task, as a copy, in no particular order. */
  values(): Task<Job>[];
  /** Removes every waiting task. */
  clear(): Task<Job>[];
  workerStarted(worker: WorkerSlot<Job>): void;
  workerStopped(worker: WorkerSlot<Job>): void;
}

/**
 * Of two queues, the one whose head starts first by `before`: `a` is missing
 * or has a head; `b` is taken only if it has one.
 */
function firstHead<E extends QueueEntry>(
  before: Order,
  a: TaskQueue<E> | undefined,
  b: TaskQueue<E>,
): TaskQueue<E> | undefined {
  if (b.size === 0) return a;
  return a === undefined || before(b.peek()!, a.peek()!) ? b : a;
}

/**
 * One queue for all workers. A FIFO or LIFO queue only appends, so the tasks
 * that waited behind their key wait beside it, in a heap in the same order,
 * and `next` takes whichever of the two heads comes first.
 */
class SharedDispatcher<Job> implements Dispatcher<Job> {
  readonly #queue: TaskQueue<Task<Job>>;
  readonly #order: Order | undefined;
  readonly #requeued: PriorityQueue<Task<Job>> | undefined;
  /** Live tasks in `#requeued`: a field, read on every step, where the heap's size is a getter. */
  #requeuedSize = 0;

  constructor(kind: QueueKind) {
    this.#queue = queueFactories[kind]();
    // A priority queue is a heap already: a requeued task sinks to its place in it.
    this.#order = kind === 'priority' ? undefined : startOrders[kind];
    this.#requeued = this.#order === undefined ? undefined : new PriorityQueue(kind);
  }
  get size(): number {
    return this.#queue.size + this.#requeuedSize;
  }
  push(task: Task<Job>): void {
    this.#queue.push(task);
  }
  requeue(task: Task<Job>): void {
    const requeued = this.#requeued;
    if (requeued === undefined) this.#queue.push(task);
    else {
      task.home = requeued;
      requeued.push(task);
      this.#requeuedSize++;
    }
  }
  peek(): Task<Job> | undefined {
    if (this.#requeuedSize === 0) return this.#queue.peek();
    return firstHead(this.#order!, this.#requeued!, this.#queue)!.peek();
  }
  next(): Task<Job> | undefined {
    if (this.#requeuedSize === 0) return this.#queue.shift();
    const queue = this.#queue;
    const requeued = this.#requeued!;
    if (firstHead(this.#order!, requeued, queue) === queue) return queue.shift();
    const task = requeued.shift()!;
    task.home = undefined;
    this.#requeuedSize--;
    return task;
  }
  delete(task: Task<Job>): void {
    if (task.home === undefined) this.#queue.delete(task);
    else {
      task.home.delete(task);
      task.home = undefined;
      this.#requeuedSize--;
    }
  }
  values(): Task<Job>[] {
    const tasks = this.#queue.values();
    if (this.#requeuedSize > 0) tasks.push(...this.#requeued!.values());
    return tasks;
  }
  clear(): Task<Job>[] {
    const tasks = this.#queue.clear();
    if (this.#requeuedSize > 0) {
      this.#requeuedSize = 0;
      for (const task of this.#requeued!.clear()) {
        task.home = undefined;
        tasks.push(task);
      }
      tasks.sort((a, b) => a.id - b.id);
    }
    return tasks;
  }
  workerStarted(): void {}
  workerStopped(): void {}
}

/**
 * How many tasks a worker's own queue holds. A few keep a worker fed and give
 * an idle one something to steal; more would only spread a burst over many
 * queues, each to be grown, scanned and collected, for no gain in one thread.
 */
export const OWN_QUEUE_CAPACITY = 32;

/**
 * A queue per worker, as in Go's scheduler: each worker's own queue holds up
 * to {@link OWN_QUEUE_CAPACITY} tasks, and what arrives beyond that, or while
 * earlier overflow still waits, goes to one shared overflow queue. A
 * submission goes to the least-loaded worker's queue (fewest waiting, an idle
 * worker first). Tasks that arrive when no worker exists go to the overflow;
 * a task that waited behind its key, and a stopping worker's queue, wait in a
 * heap beside it, in the queue's order. A free worker starts whichever
 * comes first by that order: the head of its own queue, of the overflow or of
 * the freed tasks; with all three empty, it steals the head of the longest
 * queue, the task its owner would start next (as a thief in Go's scheduler
 * takes from the head of another's run queue), so that even stolen tasks
 * start in the queue's order.
 */
class DedicatedDispatcher<Job> implements Dispatcher<Job> {
  readonly #kind: QueueKind;
  readonly #before: Order;
  readonly #overflow: TaskQueue<Task<Job>>;
  readonly #requeued: PriorityQueue<Task<Job>>;
  readonly #workers: WorkerSlot<Job>[] = [];
  /** Where the next submission's scan for the least-loaded worker starts. */
  #cursor = 0;
  /** Tasks in the workers' own queues. */
  #own = 0;
  /** Live tasks in `#requeued`, as in the shared dispatcher. */
  #requeuedSize = 0;

  constructor(kind: QueueKind) {
    this.#kind = kind;
    this.#before = startOrders[kind];
    this.#overflow = queueFactories[kind]();
    this.#requeued = new PriorityQueue(kind);
  }
  get size(): number {
    return this.#own + this.#overflow.size + this.#requeuedSize;
  }
  requeue(task: Task<Job>): void {
    task.home = this.#requeued;
    this.#requeued.push(task);
    this.#requeuedSize++;
  }
  push(task: Task<Job>): void {
    const target =
      this.#overflow.size === 0 && this.#own < this.#workers.length * OWN_QUEUE_CAPACITY
        ? this.#leastLoaded()
        : this.#overflow;
    if (target !== this.#overflow) this.#own++;
    task.home = target;
    target.push(task);
  }
  next(worker: WorkerSlot<Job>): Task<Job> | undefined {
    // `#source`, written out: through the call, a task of scenario 7 took about 650 more
    // instructions (valgrind, 24,210 against 23,553 per task).
    const own = worker.queue!;
    let from = firstHead(this.#before, own.size > 0 ? own : undefined, this.#overflow);
    if (this.#requeuedSize > 0) from = firstHead(this.#before, from, this.#requeued);
    const task = (from ?? this.#longest())?.shift();
    if (task !== undefined) this.#taken(task);
    return task;
  }
  peek(worker: WorkerSlot<Job>): Task<Job> | undefined {
    return this.#source(worker)?.peek();
  }
  /** The queue `worker` takes its next task from. */
  #source(worker: WorkerSlot<Job>): TaskQueue<Task<Job>> | undefined {
    const own = worker.queue!;
    let from = firstHead(this.#before, own.size > 0 ? own : undefined, this.#overflow);
    if (this.#requeuedSize > 0) from = firstHead(this.#before, from, this.#requeued);
    return from ?? this.#longest();
  }
  delete(task: Task<Job>): void {
    task.home!.delete(task);
    this.#taken(task);
  }
  values(): Task<Job>[] {
    const tasks = [...this.#overflow.values(), ...this.#requeued.values()];
    for (const worker of this.#workers) tasks.push(...worker.queue!.values());
    return tasks;
  }
  clear(): Task<Job>[] {
    const tasks = [...this.#overflow.clear(), ...this.#requeued.clear()];
    for (const worker of this.#workers) tasks.push(...worker.queue!.clear());
    tasks.sort((a, b) => a.id - b.id);
    for (const task of tasks) task.home = undefined;
    this.#own = this.#requeuedSize = 0;
    return tasks;
  }
  workerStarted(worker: WorkerSlot<Job>): void {
    worker.queue = queueFactories[this.#kind]();
    this.#workers.push(worker);
  }
  workerStopped(worker: WorkerSlot<Job>): void {
    this.#workers.splice(this.#workers.indexOf(worker), 1);
    // Into the heap, not onto the overflow's end: they keep their place in the queue's order.
    for (const task of worker.queue!.clear()) {
      this.#own--;
      this.requeue(task);
    }
  }

  /**
   * The queue of the worker with the least to do that has room. The scan
   * starts where the last one chose, so that ties go round the workers, and
   * ends early at a worker with nothing to do.
   */
  #leastLoaded(): TaskQueue<Task<Job>> {
    const workers = this.#workers;
    const count = workers.length;
    let target = this.#overflow;
    let load = Infinity;
    let index = this.#cursor < count ? this.#cursor : 0;
    for (let scanned = 0; scanned < count && load > 0; scanned++) {
      const worker = workers[index]!;
      if (++index === count) index = 0;
      const queue = worker.queue!;
      const size = queue.size;
      const workerLoad = size + (worker.task === null ? 0 : 1);
      if (workerLoad < load && size < OWN_QUEUE_CAPACITY) {
        load = workerLoad;
        target = queue;
        this.#cursor = index;
      }
    }
    return target;
  }

  #taken(task: Task<Job>): void {
    const home = task.home;
    if (home === this.#requeued) this.#requeuedSize--;
    else if (home !== this.#overflow) this.#own--;
    task.home = undefined;
  }

  #longest(): TaskQueue<Task<Job>> | undefined {
    let longest: TaskQueue<Task<Job>> | undefined;
    for (const worker of this.#workers) {
      if (worker.queue!.size > (longest?.size ?? 0)) longest = worker.queue;
    }
    return longest;
  }
}

/** The dispatchers, by the name `options.dispatch` gives. */
export const dispatchers: Readonly<Record<DispatchMode, <Job>(kind: QueueKind) => Dispatcher<Job>>> = {
  shared: (kind) => new SharedDispatcher(kind),
  dedicated: (kind) => new DedicatedDispatcher(kind),
};
