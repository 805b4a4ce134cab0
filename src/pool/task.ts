import { Future } from '../futures/future.js';
import { CancelledError } from '../errors.js';
import type { Timer } from './clock.js';
import type { TaskOptions } from './options.js';
import type { QueueEntry, TaskQueue } from './queues/index.js';
import type { WorkerSlot } from './worker.js';

/**
 * What a task function receives. `signal` is a getter, made on first read
 * (most tasks never read it): pass `ctx` itself along, or read `ctx.signal`;
 * a spread copy (`{ ...ctx }`) has `taskId` and `workerId` only.
 *
 * @example
 * ```ts
 * pool.submit(async ({ signal, taskId, workerId }) => {
 *   const response = await fetch(url, { signal }); // aborts on cancel, timeout, terminate
 *   return response.json();
 * });
 * ```
 */
export interface TaskContext {
  /** Aborts when the task is cancelled, times out, or the pool terminates. */
  readonly signal: AbortSignal;
  /** The worker running the task (-1 when it runs on the caller). */
  readonly workerId: number;
  /** The task's id: equal to its Future's `id`. */
  readonly taskId: number;
}

/** The task's timeout timer, as the task keeps it: something to stop. */
type TimeoutTimer = Pick<Timer<unknown>, 'stop'>;

/**
 * What only some tasks need: a timeout timer, a signal (its controller once
 * read, and whether and why it aborted), and a place behind a busy key.
 */
interface Extras {
  timer: TimeoutTimer | undefined;
  controller: AbortController | undefined;
  aborted: boolean;
  reason: unknown;
  inLane: boolean;
}

/** A task's `CancelledError`, with `reason` as its `cause` when one is given. */
export function cancelledError(message: string, taskId: number, reason: unknown): CancelledError {
  return new CancelledError(message, { taskId, ...(reason === undefined ? {} : { cause: reason }) });
}

/**
 * The reason a task group aborts its signal with once it has stopped: a task
 * that signal cancels gets the error `cancel(reason)` gives the group's
 * others, with the group's `reason` as its cause (an `AbortController`
 * would turn no reason into an `AbortError`).
 */
export class GroupStop {
  constructor(readonly reason: unknown) {}
}

/** The `CancelledError` of a task its signal cancelled: the signal's reason is its cause. */
export function signalError(taskId: number, signal: AbortSignal): CancelledError {
  const reason: unknown = signal.reason;
  return reason instanceof GroupStop
    ? cancelledError('The task was cancelled', taskId, reason.reason)
    : new CancelledError('The task was cancelled by its signal', { taskId, cause: reason });
}

/** What a task asks of the pool that owns it. */
export interface TaskOwner<Job> {
  cancelTask(task: Task<Job>, error: CancelledError): boolean;
  timeoutTask(task: Task<Job>): void;
}

/**
 * A submitted task: the Future its submitter holds, and the pool's record of
 * the task in one object, so that a queued task costs one allocation. Only
 * the pool core sees this class; users see `Future`.
 */
export class Task<Job> extends Future<unknown> implements QueueEntry {
  /** What it runs; let go once it settles (a kept Future holds no closure of the user's). */
  job: Job | undefined;
  readonly #options: TaskOptions;
  /** Its pool; let go once it settles (a kept Future of a closed pool holds no pool). */
  #owner: TaskOwner<Job> | undefined;
  /** The worker whose slot it holds while its function runs. */
  worker: WorkerSlot<Job> | null = null;
  /** The queue holding it when that is not the pool's one queue: a worker's own, or the requeued tasks'. */
  home: TaskQueue<Task<Job>> | undefined = undefined;
  // Made only when the task has a timeout, reads ctx.signal, is aborted or waits
  // behind its key: most tasks never do.
  #extras: Extras | undefined = undefined;

  constructor(owner: TaskOwner<Job>, id: number, job: Job, options: TaskOptions, submittedAt: number) {
    super(id, 'queued', submittedAt);
    this.#owner = owner;
    this.job = job;
    this.#options = options;
  }

  /** Read from its options, not kept in a field of its own: a queued task is 8 bytes smaller. */
  get priority(): number {
    return this.#options.priority;
  }

  get key(): string | undefined {
    return this.#options.key;
  }

  get timeout(): number | undefined {
    return this.#options.timeout;
  }

  /** The signal given to `submit`, if any (not the task's own `abortSignal`). */
  get signal(): AbortSignal | undefined {
    return this.#options.signal;
  }

  /** Still waiting to start (queued or blocked), so a queue keeps it. */
  get waiting(): boolean {
    const state = this.state;
    return state === 'queued' || state === 'blocked';
  }

  /** The signal handed to the task function, created on first read. */
  get abortSignal(): AbortSignal {
    const state = this.ownExtras();
    if (state.controller === undefined) {
      state.controller = new AbortController();
      if (state.aborted) state.controller.abort(state.reason);
    }
    return state.controller.signal;
  }

  /**
   * Its extras, made on first need. TypeScript-private, not `#`: a class
   * with `#` methods stores a brand in every instance, 8 bytes per queued task.
   */
  private ownExtras(): Extras {
    return (this.#extras ??= {
      timer: undefined,
      controller: undefined,
      aborted: false,
      reason: undefined,
      inLane: false,
    });
  }

  /** Waiting behind its key rather than in the queue. */
  get inLane(): boolean {
    return this.#extras?.inLane === true;
  }

  set inLane(inLane: boolean) {
    if (inLane || this.#extras !== undefined) this.ownExtras().inLane = inLane;
  }

  /** The timeout timer while it runs. */
  get timer(): TimeoutTimer | undefined {
    return this.#extras?.timer;
  }

  set timer(timer: TimeoutTimer | undefined) {
    if (timer !== undefined || this.#extras !== undefined) this.ownExtras().timer = timer;
  }

  /**
   * Decides why its signal aborts, before the pool tells why the task
   * settled: what a listener then does (terminate the pool, say) aborts it
   * with this reason. The first reason stays.
   */
  abortFor(reason: unknown): void {
    const state = this.ownExtras();
    if (state.aborted) return;
    state.aborted = true;
    state.reason = reason;
  }

  /** Aborts the task's signal (now, or when the task first reads it), with the first reason given. */
  abort(reason: unknown): void {
    this.abortFor(reason);
    const state = this.#extras!;
    state.controller?.abort(state.reason);
  }

  /** Why its signal aborted: the first reason given. */
  get abortReason(): unknown {
    return this.#extras?.reason;
  }

  /** The user's signal fired (the task is its abort listener): cancel, with its reason as the cause. */
  handleEvent(): void {
    // Settled meanwhile by a listener of another task on the same signal.
    this.#owner?.cancelTask(this, signalError(this.id, this.signal!));
  }

  /** Its timeout elapsed. */
  timedOut(): void {
    this.timer = undefined;
    this.#owner?.timeoutTask(this);
  }

  protected override requestCancel(reason: unknown): boolean {
    return this.#owner!.cancelTask(this, cancelledError('The task was cancelled', this.id, reason));
  }

  block(): void {
    this.setState('blocked');
  }

  enqueue(): void {
    this.setState('queued');
  }

  start(at: number): void {
    this.markStarted(at);
  }

  settle(state: 'succeeded' | 'failed' | 'cancelled', outcome: unknown, at: number): void {
    this.job = undefined;
    this.#owner = undefined;
    this.settleAs(state, outcome, at);
  }

  /**
   * After `settle`, once the pool has published it: runs the Future's
   * synchronous listeners (`toObservable` subscribers); returns whether it has any.
   */
  announce(): boolean {
    return this.notifySettled();
  }
}

// `await`, `Promise.all` and `Promise.resolve` take a promise as it is only
// when its `constructor` is `Promise`. Any other they wrap in a new promise,
// which costs one more job and one more call to `then` per task.
Object.defineProperty(Task.prototype, 'constructor', { value: Promise, writable: true, configurable: true });
// `Promise.all` and `Promise.race` look `then` up on every element. The same
// function, found on the first prototype rather than the third.
Object.defineProperty(Task.prototype, 'then', {
  value: Promise.prototype.then,
  writable: true,
  configurable: true,
});

/** The context object a task function receives. */
export class Context<Job> implements TaskContext {
  readonly #task: Task<Job>;
  readonly taskId: number;
  readonly workerId: number;

  constructor(task: Task<Job>, workerId: number) {
    this.#task = task;
    this.taskId = task.id;
    this.workerId = workerId;
  }

  /** Made on first read: most tasks never look at it. */
  get signal(): AbortSignal {
    return this.#task.abortSignal;
  }
}
