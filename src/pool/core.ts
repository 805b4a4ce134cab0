import { CancelledError, PoolClosedError, TimeoutError } from '../errors.js';
import type { Future } from '../futures/future.js';
import { now, Timer } from './clock.js';
import { dispatchers, type Dispatcher } from './dispatch.js';
import type { PoolEvent } from './events.js';
import { KeyLanes } from './keys.js';
import { Arrivals } from './queues/arrivals.js';
import { Deque } from './queues/deque.js';
import { Waiters } from './waiters.js';
import { SignalWatch } from './signals.js';
import { PoolObservers } from './observers.js';
import { checkBounds, checkCount, checkSubmitOptions, type ResolvedOptions } from './options.js';
import { discardedError, fullPolicies, type FullPolicy, type FullPolicyHost } from './policies/on-full.js';
import { scaleUpPolicies, type ScaleUpPolicy } from './policies/scale-up.js';
import type { Returned, Runtime, RuntimeWorker } from './runtime.js';
import { RateGate } from './rate.js';
import type { PoolStats } from './stats.js';
import { cancelledError, Context, signalError, Task, type TaskContext, type TaskOwner } from './task.js';
import type { WorkerSlot } from './worker.js';
import { WorkerSet, type WorkersHost } from './workers.js';

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'function') &&
  typeof (value as { then?: unknown }).then === 'function';

const nativeThen = Promise.prototype.then;

/**
 * Calls a task's function on `runtime` and returns its outcome as a promise
 * that settles once, as the function's value does. A promise whose `then` is
 * the engine's own is taken as it is. Any other thenable, a promise subclass
 * with a `then` of its own included, may call back twice or late: it is
 * adopted by a new promise, whose resolve function reads `then` once and
 * ignores every call after the first. A plain value, or what the call (or
 * reading `then`) throws, settles it a microtask later, as an async
 * function's would: a synchronous task holds its slot until then, as any
 * task does, so a burst of them fills the slots as a burst of async ones
 * does, and every task ends after its submission has returned.
 */
function runTask<Job>(runtime: RuntimeWorker<Job>, job: Job, ctx: TaskContext): Promise<unknown> {
  try {
    const value = runtime.run(job, ctx);
    if (value instanceof Promise && value.then === nativeThen) return value;
    return isThenable(value) ? adopt(value) : Promise.resolve(value);
  } catch (error) {
    return Promise.reject(error);
  }
}

// Apart from `runTask`, whose every call would otherwise allocate the
// context this closure captures `value` in, also for a native promise.
const adopt = (value: PromiseLike<unknown>): Promise<unknown> => new Promise((resolve) => resolve(value));

const onTaskTimeout = <Job>(task: Task<Job>): void => task.timedOut();

/**
 * The pool's state machine, shared by every runtime. Tasks go
 * blocked → queued → running → settled; workers go started → idle ⇄ busy →
 * stopped. `#pump` is the one loop that starts waiting tasks while a worker
 * is free; everything that frees a slot or adds a task calls it.
 */
export class PoolCore<Job> implements TaskOwner<Job>, WorkersHost<Job>, FullPolicyHost<Task<Job>> {
  readonly observers: PoolObservers;
  readonly #runtime: Runtime<Job>;
  readonly #options: ResolvedOptions;
  readonly #dispatch: Dispatcher<Job>;
  readonly #onFull: FullPolicy;
  readonly #scaleUp: ScaleUpPolicy;
  readonly #lanes = new KeyLanes<Task<Job>>();
  readonly #signals = new SignalWatch<Task<Job>>((change) => this.batch(change));
  readonly #blocked = new Deque<Task<Job>>(); // submissions waiting for room under 'block'
  /** How many blocked submissions each key has (see `#keyBlocked`). */
  readonly #blockedKeys = new Map<string, number>();
  /** Under 'discard-oldest': every task accepted, in order, to find the oldest still waiting. */
  readonly #arrivals: Arrivals<Task<Job>> | undefined;
  /**
   * Under 'discard-oldest': tasks placed in an evicted task's stead whose
   * `task:queued` waits for the eviction to be told (innermost last); null
   * once told early, as the next victim or just before being settled.
   */
  readonly #unpublished: (Task<Job> | null)[] = [];
  readonly #workers: WorkerSet<Job>;
  /**
   * Busy workers are offered their next task (see `RuntimeWorker.offer`):
   * the runtime's workers take offers, each has a queue of its own, whose
   * head is its next task already, and it stays next whatever arrives
   * later (a FIFO queue, without a rate limit or evictions, which could
   * pick another). From one shared queue, a worker that took its next task
   * early could start it before an older one that another worker, coming
   * free first, would have started: so the shared queue makes no offers.
   */
  readonly #offering: boolean;
  /** Tasks offered to workers and not yet started: queued, out of the queue. */
  #offers = 0;
  #busy = 0;
  /** Tasks running on the caller, each with the runtime worker started for it. */
  readonly #onCaller = new Map<Task<Job>, RuntimeWorker<Job>>();
  #nextTaskId = 1;
  #pumping = false;
  /** Under `rateLimit`: the starts of its window, and a timer for when it next has room. */
  readonly #rate: RateGate | undefined;

  #submitted = 0;
  /**
   * Tasks between two places, counted where they came from so that the stats
   * add up at every event: one about to run on the caller, one taking an
   * evicted task's place, and those `terminate` has taken out of the queues
   * but not yet cancelled.
   */
  #queuedInTransit = 0;
  #blockedInTransit = 0;
  /** `terminate()` is cancelling what it took out of the queues: a waiting task is in transit, in none. */
  #emptying = false;
  #running = 0;
  #succeeded = 0;
  #failed = 0;
  #cancelled = 0;
  #rejected = 0;

  #paused = false;
  #closed = false;
  #finished = false;
  #hadWork = false;
  readonly #waiters: Waiters;
  readonly #onPoolAbort: () => void;

  constructor(runtime: Runtime<Job>, options: ResolvedOptions) {
    this.#runtime = runtime;
    this.#options = options;
    this.#dispatch = dispatchers[options.dispatch](options.queue);
    this.#onFull = fullPolicies[options.onFull];
    this.#arrivals = options.onFull === 'discard-oldest' ? new Arrivals() : undefined;
    this.#scaleUp = scaleUpPolicies[options.scaleUp]();
    const rate = options.rateLimit;
    this.#rate = rate === undefined ? undefined : new RateGate(rate.limit, rate.interval, () => this.#pump());
    this.observers = new PoolObservers(
      () => this.stats(),
      () => this.#depth(),
    );
    this.#workers = new WorkerSet(runtime, this.#dispatch, this.observers, options, this);
    this.#offering =
      runtime.offers === true &&
      options.dispatch === 'dedicated' &&
      options.queue === 'fifo' &&
      options.rateLimit === undefined &&
      options.onFull !== 'discard-oldest';
    this.#waiters = new Waiters({
      isIdle: () => this.#isIdle(),
      room: (key) => this.#room(key),
      publish: () => {
        if (this.observers.stateObserved) this.observers.emitState(this.stats());
      },
      checked: () => {
        // A producer released or gone may have been the last to wait for the rate window.
        if (this.#rate !== undefined) this.#releaseRate();
      },
    });
    this.#onPoolAbort = () => void this.terminate(options.signal!.reason);
    this.#workers.warmUp();
    if (options.signal?.aborted) void this.terminate(options.signal.reason);
    else options.signal?.addEventListener('abort', this.#onPoolAbort, { once: true });
  }

  get queueCapacity(): number {
    return this.#options.queueCapacity;
  }

  // ─── Submission ────────────────────────────────────────────────────────────

  /**
   * `watch`: told of the task as soon as it exists, before anything can
   * settle it. `waitWhenFull`: a full queue blocks the submission, as under
   * `onFull: 'block'`, whatever the pool's policy.
   */
  submit(
    job: Job,
    options: unknown,
    watch?: (future: Future<unknown>) => void,
    waitWhenFull = false,
  ): Task<Job> {
    const checked = checkSubmitOptions(options);
    const { key, signal } = checked;
    const at = now();
    const task = new Task<Job>(this, this.#nextTaskId++, job, checked, at);
    if (watch !== undefined) watch(task);
    this.#submitted++;
    this.#waiters.submitted(key);
    if (this.#closed) {
      this.refuse(task, new PoolClosedError({ taskId: task.id }), 'failed', at);
    } else if (signal?.aborted) {
      this.#settle(task, 'cancelled', signalError(task.id, signal), undefined);
      this.changed();
    } else {
      if (this.#blocked.size === 0 && this.#roomToWait()) this.enqueue(task, at);
      else if (this.#blocked.size === 0 && this.#canStartNow(key)) this.enqueue(task, at);
      else if (waitWhenFull || this.#keyBlocked(key)) this.block(task);
      else this.#onFull.admit(this, task, at);
    }
    return task;
  }

  /**
   * Accepts a task into the queue (or behind its key) and starts what can
   * start. `at` is now, when the caller has read the clock already: one read
   * serves a whole synchronous step (see `taskReturned`).
   */
  enqueue(task: Task<Job>, at?: number): void {
    this.#place(task);
    this.#queued(task, at);
  }

  /**
   * Takes the task in and gives it its place: in the queue, or behind its
   * key. Nothing is published yet, so a task is placed before anything a
   * listener submits: under 'discard-oldest', places are taken in
   * submission order, and the first still waiting is the oldest.
   */
  #place(task: Task<Job>): void {
    if (!this.#accept(task)) this.#dispatch.push(task);
    this.#arrivals?.push(task, this.#waiting());
  }

  /**
   * Publishes a task just placed (submitted at `at`, or now), and starts
   * what can start: at `at` too, unless listeners have run since (`current`
   * false, or the listeners of this task's own news), and `at` is past.
   */
  #queued(task: Task<Job>, at?: number, current = true): void {
    this.#hadWork = true; // a refusal is none: it drains nothing
    const told = this.observers.deliveries;
    if (this.#bothObserved()) this.observers.batch(() => this.#tellQueued(task, at));
    else this.#tellQueued(task, at);
    this.#pump(current && !this.observers.toldSince(told) ? at : undefined);
  }

  #tellQueued(task: Task<Job>, at: number | undefined): void {
    this.#emitTask('task:queued', task, at);
    this.#depthChanged();
  }

  /**
   * Events and the depth are both observed: an event and the depth it
   * changed then go out as one step (see `PoolObservers.batch`), so that a
   * listener's submission on hearing the event comes after that depth, which
   * no subscriber misses. (A closure per step, made only then.)
   */
  #bothObserved(): boolean {
    return this.observers.eventsObserved && this.observers.depthObserved;
  }

  refuse(task: Task<Job>, error: Error, state: 'failed' | 'cancelled', at: number): void {
    this.#rejected++;
    task.settle(state, error, at);
    if (this.observers.eventsObserved) {
      this.#emit({ type: 'task:rejected', time: at, taskId: task.id, error });
    }
    task.announce();
    this.changed();
  }

  /**
   * Queues `task` in place of the task queued first, in the queue or behind
   * its key, which is cancelled; false if nothing is queued. `task` takes its
   * place before any listener runs, so that what a listener does then
   * (submit, terminate) comes after the submission that made room, as it
   * would for any other. A victim not yet told queued (placed by a
   * submission still under way) is told first, and as its listeners may
   * change what waits, the choice is made again; if they made room, nothing
   * is evicted. `task` is told queued last, or first thing when what a
   * listener does settles it.
   */
  replaceOldest(task: Task<Job>, at: number): boolean {
    if (this.#arrivals!.oldest() === undefined) return false;
    this.#place(task);
    this.#unpublished.push(task);
    const told = this.observers.deliveries;
    let listened = false;
    // The pump holds still meanwhile: the new task starts only once it is told queued.
    this.#holdingPump(() => {
      while (this.#waiting() > this.#options.queueCapacity) {
        const victim = this.#arrivals!.oldest()!;
        if (this.#publishEarly(victim)) continue;
        this.#unqueue(victim);
        listened = this.#settle(victim, 'cancelled', discardedError(victim.id), undefined, at);
        return;
      }
    });
    // Once listeners have run, `at` is past for what starts now; the task was submitted at `at` still.
    const current = !listened && !this.observers.toldSince(told);
    if (this.#unpublished.pop() !== null && task.state === 'queued') this.#queued(task, at, current);
    else {
      this.#depthChanged();
      this.#pump(current ? at : undefined);
    }
    return true;
  }

  /**
   * A task placed in an evicted one's stead is about to be settled before it
   * was told queued: it is told now, first, while it is still in its place
   * and counted. Returns whether it was (its listeners may have acted).
   */
  #publishEarly(task: Task<Job>): boolean {
    if (this.#unpublished.length === 0) return false;
    const index = this.#unpublished.indexOf(task);
    if (index === -1) return false;
    this.#unpublished[index] = null;
    this.#hadWork = true;
    this.#emitTask('task:queued', task);
    return true;
  }

  /** Takes a queued task out of the queue, or from behind its key. */
  #unqueue(task: Task<Job>): void {
    if (task.inLane) this.#lanes.delete(task);
    else {
      this.#dispatch.delete(task);
      if (task.key !== undefined) this.#releaseKey(task.key);
    }
  }

  /**
   * Takes the task in, queued, with its signal watched. Returns true if it
   * waits behind its busy key (counted as queued); otherwise it holds its key
   * now, and the caller places it.
   */
  #accept(task: Task<Job>): boolean {
    task.enqueue();
    this.#watchSignal(task);
    const key = task.key;
    if (key === undefined) return false;
    if (!this.#lanes.busy(key)) {
      this.#lanes.acquire(key);
      return false;
    }
    this.#lanes.park(task);
    return true;
  }

  /**
   * Runs the task on the caller, outside the worker limit. Its key still
   * holds: a task whose key is busy waits behind it as any keyed task does,
   * and so may take the queue past its capacity.
   */
  runOnCaller(task: Task<Job>, at: number): void {
    if (this.#accept(task)) {
      this.#queued(task, at);
      return;
    }
    const key = task.key;
    const worker = this.#runtime.startWorker(-1, (error) => finish(error, false));
    this.#onCaller.set(task, worker);
    const finish = (outcome: unknown, ok: boolean): void => {
      // Its key first, as for a worker's task (see `taskReturned`); settled while still counted
      // here, so that a listener cannot find the pool idle in between.
      if (key !== undefined) this.#releaseKey(key);
      if (!task.settled) this.#settle(task, ok ? 'succeeded' : 'failed', outcome, -1);
      this.#onCaller.delete(task);
      worker.stop();
      this.#afterSlotFreed();
    };
    this.#hadWork = true;
    this.#queuedInTransit++;
    if (this.#bothObserved()) this.observers.batch(() => this.#tellQueued(task, at));
    else this.#tellQueued(task, at);
    // A listener may have cancelled it (which took it out of transit).
    if (task.settled) {
      finish(undefined, false);
      return;
    }
    this.#queuedInTransit--;
    this.#begin(task, -1, now(), worker);
    this.#depthChanged(); // as a task taken from the queue does (see `#started`)
    if (task.settled) {
      finish(undefined, true);
      return;
    }
    this.changed();
    runTask(worker, task.job!, new Context(task, -1)).then(
      (value) => finish(value, true),
      (error: unknown) => finish(error, false),
    );
  }

  block(task: Task<Job>): void {
    this.#hadWork = true;
    task.block();
    this.#watchSignal(task);
    this.#blocked.push(task);
    this.#countBlocked(task, 1);
    this.changed();
  }

  /**
   * The queue is full, but a task can start now, which makes room: a worker
   * is free (idle, or one may start) for the task at the head of the queue,
   * or for this one when nothing else can start (a capacity of 0, or every
   * place taken by tasks waiting for their key) and its key is free. The
   * task is then queued, one past the capacity, and the pump starts a worker
   * for the head whatever the scale-up policy says (see `#overfull`): a free
   * slot is never refused.
   */
  #canStartNow(key: string | undefined): boolean {
    return (
      !this.#paused &&
      (this.#dispatch.size > 0 || key === undefined || !this.#lanes.busy(key)) &&
      this.#workers.available &&
      this.#rateAllows() > 0
    );
  }

  /** More tasks wait than the queue holds: the pump starts a worker for one whatever the scale-up policy says. */
  #overfull(): boolean {
    return this.#waiting() > this.#options.queueCapacity;
  }

  /** A submission can wait in the queue without the full-queue policy (blocked ones aside). */
  #roomToWait(): boolean {
    const capacity = this.#options.queueCapacity;
    return capacity === Infinity || this.#waiting() < capacity;
  }

  #waiting(): number {
    return this.#dispatch.size + this.#lanes.size + this.#offers;
  }

  // ─── Dispatch ──────────────────────────────────────────────────────────────

  /**
   * A slot freed (`completion`) or a task arrived: start what waits while a
   * worker is free (at `at`, or now), and let blocked submissions in as room
   * frees, each started in this same pump: one pump per admitted submission,
   * nested, would grow the stack by a pump for every blocked task that a
   * chain of tasks settled as they start (cancelled by a listener) lets in.
   */
  #pump(at?: number, completion = false): void {
    if (this.#pumping) return;
    this.#pumping = true;
    this.#startWaiting(at, completion);
    // What is let in arrived, as a submission does: not a completion.
    while (this.#blocked.size > 0 && this.#admitBlocked()) this.#startWaiting(undefined, false);
    if (this.#offering) this.#offerNext();
    this.#pumping = false;
    this.#workers.stopLeftIdle();
    this.changed();
  }

  /** Starts waiting tasks while a worker is free (the first at `at`, or now). */
  #startWaiting(at: number | undefined, completion: boolean): void {
    const dispatch = this.#dispatch;
    // A worker is free: the tasks offered to busy ones wait in the queue again, so that it takes
    // (or steals) whichever comes first by the queue's order, as if none had been offered.
    if (this.#offers > 0 && this.#workers.available) this.#recallOffers();
    // The caller's reading of the clock serves the first start. Each later one
    // comes after a task's function ran, for as long as it took: it reads again.
    let reading = at;
    const rate = this.#rate;
    while (!this.#paused && dispatch.size > 0) {
      let startAt = reading;
      reading = undefined;
      if (rate !== undefined && this.#rateAllows((startAt ??= now())) === 0) break;
      // Taking a worker may stop others (above maxWorkers) or start one, and tell of it: the
      // listeners take their time, and the task then starts later than `startAt`.
      const told = this.observers.deliveries;
      let worker = this.#workers.takeIdle();
      // It may have stopped workers above maxWorkers, and told of it: a listener may have paused
      // the pool, or emptied it (terminate() among others), and nothing is to start then.
      if (this.#paused || dispatch.size === 0) {
        if (worker !== undefined) this.#workers.putBack(worker);
        break;
      }
      if (worker === undefined) {
        const { size, maxWorkers } = this.#workers;
        if (
          size >= maxWorkers ||
          !(this.#overfull() || this.#scaleUp.grow(size, dispatch.size, maxWorkers, completion))
        ) {
          break;
        }
        worker = this.#workers.start('demand', (startAt ??= now()));
        // Its start was published: a listener may have shut the pool down, paused or shrunk
        // it, or cancelled the task the worker was for. If so, it waits as any idle worker.
        if (this.#paused || dispatch.size === 0 || this.#workers.size > this.#workers.maxWorkers) {
          this.#workers.release(worker);
          if (!worker.stopped) this.#workers.markIdle(worker, false, startAt, true);
          continue;
        }
      }
      if (this.observers.toldSince(told)) startAt = undefined;
      const task = dispatch.next(worker);
      if (task === undefined) {
        this.#workers.putBack(worker);
        break;
      }
      this.#run(task, worker, startAt ?? now());
    }
  }

  /**
   * Room freed: admits the first blocked submission if it fits (strict
   * order); returns whether it did. The pump starts it, then asks again.
   */
  #admitBlocked(): boolean {
    const task = this.#blocked.peek()!;
    if (!this.#roomToWait() && !this.#canStartNow(task.key)) return false;
    this.#blocked.shift();
    this.#countBlocked(task, -1);
    this.enqueue(task);
    return true;
  }

  /** `offered`: the task was offered to `worker`, which has started it (see `#takeOffer`). */
  #run(task: Task<Job>, worker: WorkerSlot<Job>, at: number, offered = false): void {
    worker.task = task;
    task.worker = worker;
    this.#busy++;
    if (this.#bothObserved()) this.observers.batch(() => this.#started(task, worker, at));
    else this.#started(task, worker, at);
    // A listener of its start may have cancelled it, or terminated the pool: its function is not
    // called, unless it was offered, and runs already (its runtime worker was told of the abort).
    if (task.settled && !offered) {
      this.taskReturned(worker, undefined, true);
      return;
    }
    // The worker's callbacks, made once: safe because the outcome settles once, before the worker's next task.
    runTask(worker.runtime, task.job!, new Context(task, worker.id)).then(
      worker.onFulfilled,
      worker.onRejected,
    );
  }

  // ─── Offers ────────────────────────────────────────────────────────────────

  /**
   * Every worker is busy and none may start: each busy worker without an
   * offer is offered the task it would take next, which it starts as soon
   * as its task returns, without a message's round trip in between. The
   * task is queued until the pool hears that the task before it returned,
   * and its start is counted from then. So none is offered to a worker whose
   * task frees, as it returns, an older one waiting behind its key, nor one
   * with a timeout, which would not bound how long it really ran.
   */
  #offerNext(): void {
    const workers = this.#workers;
    const dispatch = this.#dispatch;
    if (this.#paused || dispatch.size === 0 || workers.idle > 0 || workers.size !== workers.maxWorkers)
      return;
    for (const worker of workers.values()) {
      const running = worker.task;
      if (running === null || worker.offer !== null || worker.crashed) continue;
      if (running.key !== undefined && this.#lanes.waitingBehind(running.key)) continue;
      const task = dispatch.peek(worker);
      if (task === undefined) return;
      const timeout = task.timeout ?? this.#options.taskTimeout;
      if (timeout !== undefined && timeout !== Infinity) continue;
      if (worker.runtime.offer?.(task.job!, task.id, worker.onReturned) !== true) continue;
      dispatch.next(worker);
      worker.offer = task;
      this.#offers++;
    }
  }

  /**
   * Takes back every offer not yet started (or `only` that task, if
   * offered) into the queue, in its place; one found started runs.
   */
  #recallOffers(only?: Task<Job>): void {
    for (const worker of this.#workers.values()) {
      const offer = worker.offer;
      if (offer !== null && !worker.offerStarted && (only === undefined || offer === only))
        this.#recall(worker);
    }
  }

  /**
   * Takes back `worker`'s offer into the queue. An offer that has started
   * runs: its worker's task returned, and the runtime worker tells the pool
   * so first (`taskReturned`, which runs it), with the pump held, as what
   * the caller does next decides what else starts. If the pool had heard
   * of that return already, it is still telling of it (see `#takeOffer`),
   * and the offer runs from now on.
   */
  #recall(worker: WorkerSlot<Job>): void {
    const task = worker.offer!;
    let recalled = false;
    this.#holdingPump(() => (recalled = worker.runtime.recall!()));
    if (recalled) {
      worker.offer = null;
      this.#offers--;
      this.#dispatch.requeue(task);
      return;
    }
    if (worker.offer !== task || worker.offerStarted) return;
    this.#offers--;
    worker.offerStarted = true;
    task.worker = worker;
    this.#begin(task, worker.id, now(), worker.runtime, worker);
    this.#depthChanged();
  }

  /**
   * `worker`'s task returned, and it holds an offer: it runs it now (the
   * runtime worker started it already), unless it died before starting it,
   * and then the offer waits in the queue again. Returns whether it runs.
   */
  #takeOffer(worker: WorkerSlot<Job>, at: number): boolean {
    const task = worker.offer!;
    if (!worker.offerStarted && (worker.crashed || worker.stopped)) {
      this.#recall(worker);
      if (worker.offer === null) return false;
    }
    worker.offer = null;
    if (!worker.offerStarted) {
      this.#offers--;
      this.#run(task, worker, at, true);
      return true;
    }
    // Started when it could not be recalled: it runs (or was settled) since.
    worker.offerStarted = false;
    worker.task = task;
    this.#busy++;
    runTask(worker.runtime, task.job!, new Context(task, worker.id)).then(
      worker.onFulfilled,
      worker.onRejected,
    );
    return true;
  }

  /** A task taken from the queue starts on `worker`: its start, and the depth it left. */
  #started(task: Task<Job>, worker: WorkerSlot<Job>, at: number): void {
    this.#begin(task, worker.id, at, worker.runtime, worker);
    this.#depthChanged();
  }

  /** `slot`: the pool's worker, unless the task runs on the caller. */
  #begin(
    task: Task<Job>,
    workerId: number,
    at: number,
    runtime: RuntimeWorker<Job>,
    slot?: WorkerSlot<Job>,
  ): void {
    this.#running++;
    task.start(at);
    // Armed before the start is published: a listener that cancels the task stops the timer with it.
    const timeout = task.timeout ?? this.#options.taskTimeout;
    let timer: Timer<Task<Job>> | undefined;
    if (timeout !== undefined && timeout !== Infinity) {
      timer = new Timer(onTaskTimeout, task, true);
      timer.start(timeout);
      task.timer = timer;
    }
    if (this.#rate !== undefined || timer !== undefined) this.#counted(task, at, timer, runtime, slot);
    if (this.observers.eventsObserved) {
      this.#emit({ type: 'task:started', time: at, taskId: task.id, workerId });
    }
  }

  /**
   * A start that a rate limit counts, or a timeout: on a worker still
   * starting, the function is called once it has, so the timeout is counted
   * again from then, and the start is pending in the window until then.
   * Apart from `#begin`, whose every call would otherwise allocate what
   * this closure captures.
   */
  #counted(
    task: Task<Job>,
    at: number,
    timer: Timer<Task<Job>> | undefined,
    runtime: RuntimeWorker<Job>,
    slot: WorkerSlot<Job> | undefined,
  ): void {
    const pending = runtime.onceReady?.(() => this.#startedLate(task, timer, slot)) === true;
    if (this.#rate === undefined) return;
    this.#rate.record(at, pending);
    if (pending) slot!.startPending = true;
  }

  /**
   * A worker still starting when its task was given to it can now run it:
   * the task's timeout is counted again from now, if it still runs, and
   * under a rate limit its start, pending until now, takes its time.
   */
  #startedLate(
    task: Task<Job>,
    timer: Timer<Task<Job>> | undefined,
    slot: WorkerSlot<Job> | undefined,
  ): void {
    if (timer !== undefined && task.timer === timer) timer.start(task.timeout ?? this.#options.taskTimeout!);
    if (slot?.startPending === true) {
      slot.startPending = false;
      this.#rate!.confirm(now());
      this.#pump();
    }
  }

  /**
   * A worker's task function returned (or threw, or its thread crashed). The
   * clock is read once for the whole step: this task's settling, the start of
   * the tasks that take its place (unless listeners ran in between), and the
   * worker's idle time.
   */
  taskReturned(worker: WorkerSlot<Job>, outcome: unknown, ok: boolean): void {
    const task = worker.task;
    if (task === null) return;
    const at = now();
    // Listeners told of the settling (and of a worker stopping) take their time: the task that
    // takes this one's place then reads the clock again.
    const told = this.observers.deliveries;
    // Its key is free before anyone hears of it: the task waiting behind it is back in the
    // queue, ahead of what a listener submits.
    if (task.key !== undefined) this.#releaseKey(task.key);
    const listened = !task.settled && this.#settle(task, ok ? 'succeeded' : 'failed', outcome, worker.id, at);
    worker.task = null;
    task.worker = null;
    this.#busy--;
    if (!worker.crashed) worker.completed++;
    // Returned before its worker said it could run it (stopped, or crashed): it started by now at the latest.
    if (worker.startPending) {
      worker.startPending = false;
      this.#rate!.confirm(at);
    }
    const fresh = listened || this.observers.toldSince(told) ? undefined : at;
    if (worker.offer !== null && this.#takeOffer(worker, fresh ?? now())) {
      this.#afterSlotFreed(fresh);
      return;
    }
    this.#workers.release(worker);
    this.#afterSlotFreed(fresh);
    if (worker.task === null && !worker.stopped) this.#workers.markIdle(worker, false, at, this.#pumping);
  }

  #afterSlotFreed(at?: number): void {
    if (this.#closed && this.#isIdle()) this.#finish();
    else this.#pump(at, true);
  }

  #releaseKey(key: string): void {
    const next = this.#lanes.release(key);
    if (next !== undefined) this.#dispatch.requeue(next);
  }

  // ─── Settling and cancelling ───────────────────────────────────────────────

  #settle(
    task: Task<Job>,
    state: 'succeeded' | 'failed' | 'cancelled',
    outcome: unknown,
    workerId?: number,
    at = now(),
  ): boolean {
    this.#record(task, state, outcome, at);
    return this.#tell(task, state, outcome, workerId, at);
  }

  /** Settles the task and counts it; nobody is told yet. */
  #record(task: Task<Job>, state: 'succeeded' | 'failed' | 'cancelled', outcome: unknown, at: number): void {
    if (task.state === 'running') this.#running--;
    if (task.timer !== undefined) {
      task.timer.stop();
      task.timer = undefined;
    }
    this.#unwatchSignal(task);
    if (state === 'succeeded') this.#succeeded++;
    else if (state === 'failed') this.#failed++;
    else this.#cancelled++;
    task.settle(state, outcome, at);
  }

  /** Tells of a settled task: its event, then its Future's listeners; returns whether it has any. */
  #tell(
    task: Task<Job>,
    state: 'succeeded' | 'failed' | 'cancelled',
    outcome: unknown,
    workerId: number | undefined,
    at: number,
  ): boolean {
    if (this.observers.eventsObserved) this.#emitSettled(task.id, state, outcome, workerId, at);
    // Last: a listener may act on the pool (a fail-fast group cancels the rest), after this event.
    return task.announce();
  }

  // Kept out of #settle, so that the hot path stays small enough to inline.
  #emitSettled(
    taskId: number,
    state: 'succeeded' | 'failed' | 'cancelled',
    outcome: unknown,
    workerId: number | undefined,
    time: number,
  ): void {
    this.#emit(
      state === 'succeeded'
        ? { type: 'task:succeeded', time, taskId, workerId: workerId! }
        : state === 'failed'
          ? { type: 'task:failed', time, taskId, workerId: workerId!, error: outcome }
          : workerId === undefined
            ? { type: 'task:cancelled', time, taskId, reason: outcome }
            : { type: 'task:cancelled', time, taskId, workerId, reason: outcome },
    );
  }

  #cancelQueued(task: Task<Job>, error: CancelledError): void {
    this.#settle(task, 'cancelled', error);
    this.#depthChanged();
  }

  cancelTask(task: Task<Job>, error: CancelledError): boolean {
    // Told queued first if it was not yet: a listener may settle it then.
    if (this.#publishEarly(task) && task.settled) return false;
    if (this.#offers > 0 && task.state === 'queued') this.#recallOffers(task);
    switch (task.state) {
      case 'blocked':
        if (this.#emptying) this.#blockedInTransit--;
        else {
          this.#blocked.delete(task);
          this.#countBlocked(task, -1);
        }
        this.#settle(task, 'cancelled', error);
        break;
      case 'queued':
        if (this.#emptying || this.#onCaller.has(task)) this.#queuedInTransit--;
        else this.#unqueue(task);
        if (this.#bothObserved()) this.observers.batch(() => this.#cancelQueued(task, error));
        else this.#cancelQueued(task, error);
        break;
      case 'running':
        this.#settleRunning(task, 'cancelled', error);
        break;
      default:
        return false;
    }
    if (this.#closed && this.#isIdle()) this.#finish();
    else this.#pump();
    return true;
  }

  /**
   * Runs `change` with the pump held, then starts what can start: a change
   * made of several steps (cancelling every task on a signal, or of a group)
   * is done whole before any task takes a place one of them freed.
   */
  batch(change: () => void): void {
    if (!this.#holdingPump(change)) this.#pump();
  }

  /** Runs `change` with the pump held; returns whether it was held already (by a pump under way). */
  #holdingPump(change: () => void): boolean {
    const pumping = this.#pumping;
    this.#pumping = true;
    try {
      change();
    } finally {
      this.#pumping = pumping;
    }
    return pumping;
  }

  /** Aborts a running task: its signal, and the runtime worker running it, with the first reason given. */
  #abort(task: Task<Job>, reason: unknown, terminating = false): void {
    task.abort(reason);
    (task.worker?.runtime ?? this.#onCaller.get(task))?.abort?.(task.abortReason, terminating, task.id);
  }

  timeoutTask(task: Task<Job>): void {
    if (task.state !== 'running') return;
    const timeout = task.timeout ?? this.#options.taskTimeout!;
    const error = new TimeoutError(timeout, { taskId: task.id });
    this.#settleRunning(task, 'failed', error);
    this.changed();
  }

  /**
   * Settles a running task before its function returns, and aborts it. Why
   * its signal aborts is decided first: a listener told of the settlement
   * may terminate the pool, whose abort then keeps this reason.
   */
  #settleRunning(task: Task<Job>, state: 'failed' | 'cancelled', error: Error): void {
    task.abortFor(error);
    this.#settle(task, state, error, task.worker?.id ?? -1);
    this.#abort(task, error);
  }

  #watchSignal(task: Task<Job>): void {
    if (task.signal !== undefined) this.#signals.add(task.signal, task);
  }

  #unwatchSignal(task: Task<Job>): void {
    if (task.signal !== undefined) this.#signals.delete(task.signal, task);
  }

  /**
   * Cancels every task still waiting (queued, behind its key, or blocked),
   * in submission order, as one change: none starts in a place another's
   * cancellation freed. Running tasks go on. Returns how many it cancelled.
   */
  clear(reason: unknown): number {
    if (this.#offers > 0) this.#recallOffers();
    const waiting = [...this.#dispatch.values(), ...this.#lanes.values(), ...this.#blocked.values()];
    // One about to run on the caller is still queued, in transit.
    for (const task of this.#onCaller.keys()) if (task.state === 'queued') waiting.push(task);
    waiting.sort((a, b) => a.id - b.id);
    let cleared = 0;
    this.batch(() => {
      for (const task of waiting) {
        // A listener told of one cancellation may have settled a task further on.
        if (!task.waiting) continue;
        if (this.cancelTask(task, cancelledError('The queue was cleared', task.id, reason))) cleared++;
      }
    });
    return cleared;
  }

  /** New bounds, validated as at construction. Busy workers above `maxWorkers` stop as their tasks return. */
  resize(minWorkers: number | undefined, maxWorkers: number | undefined): void {
    const workers = this.#workers;
    const min =
      minWorkers === undefined ? workers.minWorkers : checkCount('minWorkers', minWorkers, 0, false);
    const max = maxWorkers === undefined ? workers.maxWorkers : checkCount('maxWorkers', maxWorkers, 1, true);
    checkBounds(min, max);
    // A closed pool's bounds are final, as its stats are.
    if (this.#finished) return;
    const changed = min !== workers.minWorkers || max !== workers.maxWorkers;
    workers.minWorkers = min;
    workers.maxWorkers = max;
    // A worker may start for them, or the one they were offered to stop.
    if (this.#offers > 0) this.#recallOffers();
    // In force before anyone hears of them: a listener's own resize() is the last word.
    if (changed && this.observers.eventsObserved) {
      this.#emit({ type: 'pool:resized', time: now(), minWorkers: min, maxWorkers: max });
    }
    workers.applyBounds();
    this.#pump();
  }

  /**
   * A worker's thread died: what it returned first settles as it returned
   * (an offer it had not started waits in the queue again), then its task,
   * if any is left, fails, and the worker set replaces it.
   */
  workerCrashed(worker: WorkerSlot<Job>, error: unknown, returned: readonly Returned[] = []): void {
    if (worker.stopped) return;
    worker.crashed = true;
    worker.crashError = error;
    for (const { taskId, outcome, ok } of returned) {
      if (worker.task?.id !== taskId) continue;
      worker.completed++;
      this.taskReturned(worker, outcome, ok);
    }
    if (worker.task !== null) this.taskReturned(worker, error, false);
    else if (!worker.stopped) {
      this.#workers.crashed(worker);
      this.#pump();
    }
  }

  // ─── Pause, drain, close, terminate ────────────────────────────────────────

  pause(): void {
    if (this.#paused || this.#closed) return;
    this.#paused = true;
    if (this.#offers > 0) this.#recallOffers();
    if (this.observers.eventsObserved) this.#emit({ type: 'pool:paused', time: now() });
    this.changed();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.observers.eventsObserved) this.#emit({ type: 'pool:resumed', time: now() });
    this.#pump();
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** The busy count first: a field, and while tasks run it decides the answer alone. */
  #isIdle(): boolean {
    return (
      this.#busy === 0 &&
      this.#waiting() === 0 &&
      this.#blocked.size === 0 &&
      this.#onCaller.size === 0 &&
      this.#queuedInTransit === 0 &&
      this.#blockedInTransit === 0
    );
  }

  drain(signal: AbortSignal | undefined): Promise<void> {
    this.#rateRearmed();
    return this.#waiters.drain(signal);
  }

  /**
   * What waits for the rate window starts now if the window has room, else
   * waits on a timer of the clock in force: a timer left on a fake clock a
   * test has since removed never fires, and `close()` or `drain()` would
   * wait for it forever. (A submission does the same, through the pump.)
   */
  #rateRearmed(): void {
    if (this.#rate !== undefined && this.#dispatch.size > 0 && !this.#pumping) this.#pump();
  }

  ready(signal: AbortSignal | undefined, key: string | undefined): Promise<void> {
    return this.#waiters.ready(this.#unbounded(), signal, key);
  }

  hasRoom(key: string | undefined): boolean {
    return this.#waiters.hasRoom(this.#unbounded(), key);
  }

  /** No submission can find the queue full: it is unbounded, or the pool refuses everything anyway. */
  #unbounded(): boolean {
    return this.#closed || this.#options.queueCapacity === Infinity;
  }

  /**
   * How many submissions in a row would be accepted now without the
   * full-queue policy (at least: under `'lazy'` and `'balanced'` a worker may
   * start later for a task that waited, which only adds room). While the
   * queue is empty, arrivals go to idle workers first, then to workers
   * started for them, then wait; once the queue has no room left, each
   * arrival starts a worker (for the task at the head of the queue, or for
   * itself) while one may start.
   *
   * With `key`, for tasks of that key: they run one at a time, so only the
   * first of them may take a worker, and none if the key is busy; the
   * others wait behind it, in the queue.
   */
  #room(key?: string): number {
    if (this.#closed) return Infinity;
    const queueRoom = Math.max(0, this.#options.queueCapacity - this.#waiting() - this.#blocked.size);
    if (this.#paused || this.#blocked.size > 0) return queueRoom;
    const { size, idle, maxWorkers } = this.#workers;
    const waiting = this.#dispatch.size;
    if (waiting > 0) {
      // Once the queue is full, each arrival starts a worker for the task at its head. Tasks of
      // one key after the first wait behind it and leave the queue a head fewer each time.
      const starts = Math.min(
        Math.max(0, maxWorkers - size),
        this.#rateAllows(undefined, this.#waiters.waiting),
      );
      return queueRoom + (key === undefined ? starts : Math.min(starts, waiting));
    }
    if (key !== undefined && this.#lanes.busy(key)) return queueRoom;
    const starts = queueRoom === 0 ? maxWorkers - size : this.#scaleUp.startsOnArrival(size, maxWorkers);
    // Above `maxWorkers` after a shrink, none may start.
    const workerRoom = Math.min(
      idle + Math.max(0, starts),
      this.#rateAllows(undefined, this.#waiters.waiting),
    );
    return queueRoom + (key === undefined ? workerRoom : Math.min(1, workerRoom));
  }

  /**
   * How many more tasks the rate limit lets start now (`at`, or now);
   * `Infinity` without one. When none may, and `arm`, its timer is set for
   * the moment one may: then the pump starts what waits, and a producer
   * waiting in `ready()` for that room hears of it. The timer holds the
   * process open only while something waits (see {@link #releaseRate}).
   */
  #rateAllows(at?: number, arm = true): number {
    const rate = this.#rate;
    return rate === undefined ? Infinity : rate.allows(at ?? now(), arm && !this.#finished);
  }

  /** Nothing waits for the rate window any more (no task, no producer): its timer stops. */
  #releaseRate(): void {
    if (this.#waiting() === 0 && this.#blocked.size === 0 && !this.#waiters.waiting) this.#rate!.idle();
  }

  close(): Promise<void> {
    if (!this.#finished) {
      this.#closed = true;
      this.#workers.close();
      if (this.#paused) this.resume();
      if (this.#isIdle()) this.#finish();
      else {
        this.#rateRearmed();
        this.changed();
      }
    }
    return this.#ended();
  }

  terminate(reason?: unknown): Promise<void> {
    if (!this.#finished) {
      this.#closed = true;
      this.#workers.close();
      // The pause ends as it does on close() (said so, as resume() would), but nothing queued starts.
      if (this.#paused) {
        this.#paused = false;
        if (this.observers.eventsObserved) this.#emit({ type: 'pool:resumed', time: now() });
      }
      // Terminating is what the pool's signal asks for: it has nothing more to do.
      this.#options.signal?.removeEventListener('abort', this.#onPoolAbort);
      // A task placed in an evicted one's stead is told queued before it is cancelled.
      for (const task of [...this.#unpublished]) if (task !== null) this.#publishEarly(task);
      if (this.#offers > 0) this.#recallOffers();
      const blocked = this.#blocked.clear();
      this.#blockedKeys.clear();
      const queued = [...this.#dispatch.clear(), ...this.#lanes.clear()];
      this.#blockedInTransit += blocked.length;
      this.#queuedInTransit += queued.length;
      const pending: Task<Job>[] = [...blocked, ...queued];
      for (const worker of this.#workers.values()) {
        if (worker.task !== null) pending.push(worker.task);
        if (worker.offerStarted) pending.push(worker.offer!);
      }
      pending.push(...this.#onCaller.keys());
      // Every Future is cancelled before anyone hears of one (an event, or a Future's own listener:
      // a group, a stream), and before any running task's signal aborts: whoever acts on hearing
      // finds them all cancelled, with this reason.
      const at = now();
      const cancelled: { task: Task<Job>; cause: Error; workerId: number | undefined }[] = [];
      const aborting: { task: Task<Job>; cause: Error }[] = [];
      for (const task of pending) {
        const state = task.state;
        const cause = cancelledError('The pool was terminated', task.id, reason);
        if (task.settled) {
          // Cancelled before, its function still running: terminate() waits for it too. (Its
          // signal aborts with the first reason, decided before that cancellation was told.)
          if (task.worker !== null || this.#onCaller.has(task)) aborting.push({ task, cause });
          continue;
        }
        if (state === 'blocked') this.#blockedInTransit--;
        else if (state === 'queued') this.#queuedInTransit--;
        let workerId: number | undefined;
        if (state === 'running') {
          task.abortFor(cause);
          aborting.push({ task, cause });
          workerId = task.worker?.id ?? -1;
        }
        this.#record(task, 'cancelled', cause, at);
        cancelled.push({ task, cause, workerId });
      }
      const emptying = this.#emptying;
      this.#emptying = true;
      try {
        this.observers.batch(() => {
          for (const { task, cause, workerId } of cancelled)
            this.#tell(task, 'cancelled', cause, workerId, at);
        });
        for (const { task, cause } of aborting) this.#abort(task, cause, true);
      } finally {
        this.#emptying = emptying;
      }
      this.#depthChanged();
      if (this.#isIdle()) this.#finish();
      else this.changed();
    }
    return this.#ended();
  }

  /** Resolves once the pool has finished and its runtime's workers have ended. */
  #ended(): Promise<void> {
    const finished = this.#waiters.finished();
    const runtime = this.#runtime;
    return runtime.ended === undefined ? finished : finished.then(() => runtime.ended!());
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    // The last tasks ended on the way out: the pool drained before it closes.
    if (this.#hadWork) this.#drained();
    this.#workers.shutDown();
    this.#rate?.idle();
    this.#options.signal?.removeEventListener('abort', this.#onPoolAbort);
    this.observers.complete(now);
    this.#waiters.finish();
  }

  /** The pool is idle after having work: news for `drain()` and `events$`. */
  #drained(): void {
    this.#hadWork = false;
    this.#arrivals?.clear();
    this.#waiters.idle();
    if (this.observers.eventsObserved) this.#emit({ type: 'pool:drained', time: now() });
  }

  // ─── Observation ───────────────────────────────────────────────────────────

  stats(): PoolStats {
    const succeeded = this.#succeeded;
    const failed = this.#failed;
    const { size, minWorkers, maxWorkers } = this.#workers;
    // Occupied slots: a worker being started (its start still being told of) has none yet.
    const busy = this.#busy;
    return {
      workers: size,
      idleWorkers: size - busy,
      busyWorkers: busy,
      minWorkers,
      maxWorkers,
      queued: this.#depth(),
      blocked: this.#blocked.size + this.#blockedInTransit,
      running: this.#running,
      submitted: this.#submitted,
      succeeded,
      failed,
      cancelled: this.#cancelled,
      rejected: this.#rejected,
      completed: succeeded + failed,
      paused: this.#paused,
      closed: this.#closed,
    };
  }

  #emit(event: PoolEvent): void {
    this.observers.emit(event);
  }

  #emitTask(type: 'task:queued', task: Task<Job>, at?: number): void {
    if (this.observers.eventsObserved) this.#emit({ type, time: at ?? now(), taskId: task.id });
  }

  #depthChanged(): void {
    if (this.observers.depthObserved) this.observers.depthChanged(this.#depth());
  }

  /**
   * A submission of `key` waits blocked (one made to wait whatever the
   * policy, see `submit`): a later one of that key that finds the queue full
   * waits behind it, where `'caller-runs'` would run it at once and
   * `'discard-oldest'` place it in the queue ahead of it. (`'reject'` and
   * `'discard'` refuse it, which keeps the order as well.)
   */
  #keyBlocked(key: string | undefined): boolean {
    return key !== undefined && this.#blockedKeys.has(key) && this.#onFull.placesWhenFull;
  }

  #countBlocked(task: Task<Job>, change: 1 | -1): void {
    const key = task.key;
    if (key === undefined) return;
    const count = (this.#blockedKeys.get(key) ?? 0) + change;
    if (count === 0) this.#blockedKeys.delete(key);
    else this.#blockedKeys.set(key, count);
  }

  /** The queue's depth, as `stats.queued` counts it: tasks in transit too. */
  #depth(): number {
    return this.#waiting() + this.#queuedInTransit;
  }

  /**
   * Something changed. The one change signal behind `state$`, `drain()` and
   * `ready()`: it costs a few comparisons unless somebody waits or watches.
   */
  changed(): void {
    if (this.#hadWork && this.#isIdle()) this.#drained();
    if (this.#rate !== undefined) this.#releaseRate();
    if (this.#waiters.waiting || this.observers.stateObserved) this.#waiters.schedule();
  }
}
