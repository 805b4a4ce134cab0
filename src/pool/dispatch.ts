import type { DispatchMode, QueueKind } from './options.js';
import { queueFactories, type TaskQueue } from './queues/index.js';
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
  /** The task `worker` should run next. */
  next(worker: WorkerSlot<Job>): Task<Job> | undefined;
  /** Forgets a task that stopped waiting. */
  delete(task: Task<Job>): void;
  /** Removes the oldest waiting task (to make room); the caller cancels it. */
  shiftOldest(): Task<Job> | undefined;
  /** Removes every waiting task. */
  clear(): Task<Job>[];
  workerStarted(worker: WorkerSlot<Job>): void;
  workerStopped(worker: WorkerSlot<Job>): void;
}

/** One queue for all workers. */
class SharedDispatcher<Job> implements Dispatcher<Job> {
  readonly #queue: TaskQueue<Task<Job>>;

  constructor(kind: QueueKind) {
    this.#queue = queueFactories[kind]();
  }
  get size(): number {
    return this.#queue.size;
  }
  push(task: Task<Job>): void {
    this.#queue.push(task);
  }
  next(): Task<Job> | undefined {
    return this.#queue.shift();
  }
  delete(task: Task<Job>): void {
    this.#queue.delete(task);
  }
  shiftOldest(): Task<Job> | undefined {
    return this.#queue.shiftOldest();
  }
  clear(): Task<Job>[] {
    return this.#queue.clear();
  }
  workerStarted(): void {}
  workerStopped(): void {}
}

/**
 * A queue per worker. A submission goes to the least-loaded worker's queue
 * (fewest waiting, an idle worker first); a worker runs from its own queue,
 * then from the backlog (tasks that arrived when no worker existed), then
 * steals from the tail of the longest queue. A stopping worker's queue moves
 * to the backlog.
 */
class DedicatedDispatcher<Job> implements Dispatcher<Job> {
  readonly #kind: QueueKind;
  readonly #backlog: TaskQueue<Task<Job>>;
  readonly #workers: WorkerSlot<Job>[] = [];
  /** Where the next submission's scan for the least-loaded worker starts. */
  #cursor = 0;
  #size = 0;

  constructor(kind: QueueKind) {
    this.#kind = kind;
    this.#backlog = queueFactories[kind]();
  }
  get size(): number {
    return this.#size;
  }
  push(task: Task<Job>): void {
    // The scan starts where the last one chose, so that ties go round the
    // workers, and it ends early at a worker with nothing to do.
    const workers = this.#workers;
    const count = workers.length;
    let target = this.#backlog;
    let load = Infinity;
    let index = this.#cursor < count ? this.#cursor : 0;
    for (let scanned = 0; scanned < count && load > 0; scanned++) {
      const worker = workers[index]!;
      if (++index === count) index = 0;
      const queue = worker.queue!;
      const workerLoad = queue.size + (worker.task === null ? 0 : 1);
      if (workerLoad < load) {
        load = workerLoad;
        target = queue;
        this.#cursor = index;
      }
    }
    task.home = target;
    target.push(task);
    this.#size++;
  }
  next(worker: WorkerSlot<Job>): Task<Job> | undefined {
    const own = worker.queue!;
    const task =
      (own.size > 0 ? own.shift() : undefined) ??
      (this.#backlog.size > 0 ? this.#backlog.shift() : this.#longest()?.steal());
    if (task !== undefined) this.#taken(task);
    return task;
  }
  delete(task: Task<Job>): void {
    task.home!.delete(task);
    this.#taken(task);
  }
  shiftOldest(): Task<Job> | undefined {
    const task = (this.#backlog.size > 0 ? this.#backlog : this.#longest())?.shiftOldest();
    if (task !== undefined) this.#taken(task);
    return task;
  }
  clear(): Task<Job>[] {
    const tasks = this.#backlog.clear();
    for (const worker of this.#workers) tasks.push(...worker.queue!.clear());
    tasks.sort((a, b) => a.id - b.id);
    for (const task of tasks) task.home = undefined;
    this.#size = 0;
    return tasks;
  }
  workerStarted(worker: WorkerSlot<Job>): void {
    worker.queue = queueFactories[this.#kind]();
    this.#workers.push(worker);
  }
  workerStopped(worker: WorkerSlot<Job>): void {
    this.#workers.splice(this.#workers.indexOf(worker), 1);
    for (const task of worker.queue!.clear()) {
      task.home = this.#backlog;
      this.#backlog.push(task);
    }
  }

  #taken(task: Task<Job>): void {
    task.home = undefined;
    this.#size--;
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
