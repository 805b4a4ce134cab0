import type { Result } from 'ts-results-es';
import { all, allSettled } from '../futures/combinators.js';
import type { Future } from '../futures/future.js';
import { checkSubmitOptions, describeValue, type SubmitOptions } from './options.js';
import type { TaskFunction } from './runtime.js';
import { GroupStop } from './task.js';

/**
 * What a group's `submit` takes for a task whose result is `R`: a task
 * function returning `R` for a `Pool`, the pool's own kind of job otherwise
 * (`{ fn, args }` for a `ThreadPool`).
 */
export type GroupJob<Job, R> = Job extends TaskFunction<unknown> ? TaskFunction<R> : Job;

/**
 * What a group's `submit` gives a Future of: the group's `T` when it has one
 * (`group<number>()`: a task returning `1` is a `Future<number>`, not of the
 * literal `1`), else what the task returns.
 *
 * @example
 * ```ts
 * const sizes = pool.group<number>();
 * let last = sizes.submit(() => 1); // Future<number>
 * last = sizes.submit(async () => 2); // the same type
 * pool.group().submit(async () => 'x'); // Future<string>
 * ```
 */
export type GroupResult<T, R> = unknown extends T ? R : T;

/** How a group submits a job to its pool: `watch` is given the Future as soon as it exists. */
type Submit<T, Job> = (
  job: Job,
  options: SubmitOptions | undefined,
  watch: (future: Future<T>) => void,
) => Future<T>;

/** Options of `pool.group(options)`. */
export interface TaskGroupOptions {
  /**
   * The first failure cancels the group's other tasks (queued ones never
   * start, running ones are aborted), and the group's later ones at once. A
   * failure is what `wait()` rejects with: a task that failed, or was
   * cancelled (by its signal, `cancel()`, or refused with `'discard'`), as an
   * errgroup's context is cancelled by any error its functions return.
   */
  failFast?: boolean;
}

/**
 * A set of tasks awaited together, in the manner of Go's errgroup. Tasks run
 * in the pool like any other; the group only watches them. As errgroup's
 * `Wait`, `wait()` covers the tasks submitted while it waits too, so a task
 * may add tasks to its own group.
 *
 * `T` is what its tasks resolve to (`unknown` unless given); `Job` is the
 * pool's kind of job, a task function for a `Pool`.
 *
 * @example
 * ```ts
 * const group = pool.group<Buffer>({ failFast: true });
 * for (const path of paths) group.submit(({ signal }) => readFile(path, { signal }));
 * const contents = await group.wait(); // Buffer[]; rejects with the first error, the rest cancelled
 * ```
 */
export class TaskGroup<T = unknown, Job = TaskFunction<unknown>> {
  readonly #submit: Submit<T, Job>;
  /** Runs a change of many tasks (cancelling them) as one: the pool starts nothing in between. */
  readonly #batch: (change: () => void) => void;
  readonly #failFast: boolean;
  /**
   * Made and aborted when the group stops (`cancel()`, or under `failFast`
   * the first failure): a task submitted after that is given its signal, and
   * is cancelled at once, never queued.
   */
  #stop: AbortController | undefined = undefined;
  readonly #futures: Future<T>[] = [];
  /** Tasks of the group not settled yet. */
  #pending = 0;
  /** The first task of the group that failed or was cancelled. */
  #firstFailure: Future<T> | undefined = undefined;
  /** Its place in the order Futures settled in (see `Future.onSettled`). */
  #firstFailureOrder = 0;
  /** What `cancel()` was given, or the failure that stopped a fail-fast group. */
  #stopReason: unknown = undefined;
  /** Calls of `wait()` and `settled()` waiting for nothing to be pending (a `wait()`, or for a failure). */
  #waiters: { readonly resolve: () => void; readonly untilFailure: boolean }[] = [];

  /** @internal Made by `pool.group()`. */
  constructor(submit: Submit<T, Job>, options: TaskGroupOptions = {}, batch: (change: () => void) => void) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`group options must be an object, received ${describeValue(options)}`);
    }
    if (options.failFast !== undefined && typeof options.failFast !== 'boolean') {
      throw new TypeError(`failFast must be a boolean, received ${describeValue(options.failFast)}`);
    }
    this.#submit = submit;
    this.#batch = batch;
    this.#failFast = options.failFast === true;
  }

  /** The group's futures so far, in submission order. */
  get futures(): readonly Future<T>[] {
    return [...this.#futures];
  }

  /**
   * Submits a task to the pool as part of the group. After `cancel()`, or a
   * fail-fast failure, a new task is cancelled at once (it never queues).
   */
  submit<R extends T = T>(job: GroupJob<Job, R>, options?: SubmitOptions): Future<GroupResult<T, R>> {
    let submitOptions = options;
    // Once the group has stopped, its aborted signal cancels a new task at once (its own signal,
    // if any, no longer matters). Bad options still throw as they would have. Before that, a
    // task needs no signal of the group's: it is among the group's Futures from its birth, and
    // stopping cancels them all.
    const stop = this.#stop;
    if (stop !== undefined) {
      checkSubmitOptions(options);
      submitOptions = { ...options, signal: stop.signal };
    }
    // Counted from now: a wait() called while it is being submitted (by a task that runs at
    // once, or a listener) waits for it too.
    this.#pending++;
    let future: Future<T>;
    try {
      // A GroupJob is the pool's Job, typed by its result; the pool runs it as such.
      future = this.#submit(job as Job, submitOptions, this.#watch);
    } catch (error) {
      this.#settled();
      throw error;
    }
    // The group stopped while it was being submitted (a listener told of it, or a task that ran at
    // once, cancelled the group), after the pool took it in.
    if (this.#stop !== undefined && !future.settled) future.cancel(this.#stopReason);
    return future as Future<GroupResult<T, R>>;
  }

  /**
   * Takes in a Future as soon as it exists, before anything can settle it
   * (so that its settlement has its place in the order), and watches it
   * until it settles: synchronously, so that a fail-fast failure lets
   * nothing else start.
   */
  readonly #watch = (future: Future<T>): void => {
    this.#futures.push(future);
    future.onSettled((succeeded, outcome, order) => {
      if (!succeeded) {
        const first = this.#firstFailure === undefined;
        // Told in the order they settled, but for one settled while another's settling was being
        // published (a listener of events$ cancelling a task of the group): its order tells then.
        if (first || order < this.#firstFailureOrder) {
          this.#firstFailure = future;
          this.#firstFailureOrder = order;
        }
        // The first failure stops the group, with its error, as any error returned in an errgroup
        // cancels its context: at once, so that nothing submitted from now on starts.
        if (this.#failFast && this.#stop === undefined) this.cancel(this.#errorOfFirst(future, outcome));
        if (first) this.#wake(true);
      }
      this.#settled();
    });
  };

  /**
   * The error of the group's first failure, when `told` (failed with
   * `error`) is the first the group is told of. Another that has failed but
   * is not told yet settled before it, and is being told further up the
   * stack: a listener of the pool's events, told of that one, settled this
   * one (cancelled it). Its error is the first.
   */
  #errorOfFirst(told: Future<T>, error: unknown): unknown {
    for (const future of this.#futures) {
      if (future === told || !future.settled || future.state === 'succeeded') continue;
      let first: unknown;
      future.onSettled((_, outcome) => (first = outcome)); // settled: at once
      return first;
    }
    return error;
  }

  #settled(): void {
    if (--this.#pending === 0) this.#wake(false);
  }

  /** Resolves the waiting calls: all of them once nothing is pending, else those of `wait()`. */
  #wake(failure: boolean): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = failure ? waiters.filter((waiter) => !waiter.untilFailure) : [];
    for (const waiter of waiters) if (!failure || waiter.untilFailure) waiter.resolve();
  }

  #until(untilFailure: boolean): Promise<void> | undefined {
    if (this.#pending === 0 || (untilFailure && this.#firstFailure !== undefined)) return undefined;
    return new Promise((resolve) => this.#waiters.push({ resolve, untilFailure }));
  }

  /**
   * Resolves to every value in submission order once every task of the
   * group has succeeded, those submitted while it waits included; rejects as
   * soon as one has failed or been cancelled, with the error of the first to
   * (under `failFast`, the others are then cancelled).
   */
  async wait(): Promise<T[]> {
    // Until nothing is pending when it looks (a task may come between a wake-up and the look).
    for (;;) {
      await this.#until(true);
      if (this.#firstFailure !== undefined) await this.#firstFailure; // throws its error
      if (this.#pending === 0) return all(this.#futures); // every one succeeded: their values
    }
  }

  /**
   * Resolves, once every task of the group has settled (those submitted
   * while it waits included), to a `Result` per task in submission order.
   * Never rejects.
   */
  async settled(): Promise<Result<T, unknown>[]> {
    do await this.#until(false);
    while (this.#pending > 0);
    return allSettled(this.#futures);
  }

  /**
   * Cancels every task of the group that has not settled, all at once (none
   * of them starts in a place another one's cancellation freed), and the
   * group: a task submitted to it later is cancelled at once.
   */
  cancel(reason?: unknown): void {
    this.#batch(() => {
      // Stopped first: each cancellation is a failure the group hears of, which must not stop it
      // again, and a task submitted from then on (by a listener told of one) is cancelled at once,
      // as `cancel(reason)` cancels the others.
      if (this.#stop === undefined) {
        this.#stopReason = reason;
        this.#stop = new AbortController();
        this.#stop.abort(new GroupStop(reason));
      }
      for (const future of this.#futures) future.cancel(reason);
    });
  }
}
