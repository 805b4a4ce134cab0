import type { Observable } from 'rxjs';
import type { Future } from '../futures/future.js';
import { PoolCore } from './core.js';
import { asyncDispose } from './dispose.js';
import type { PoolEvent, ScalingEvent } from './events.js';
import { TaskGroup, type TaskGroupOptions } from './group.js';
import {
  checkResizeOptions,
  checkWaitOptions,
  type ResolvedOptions,
  type RoomOptions,
  type SubmitOptions,
  type WaitOptions,
} from './options.js';
import type { Runtime } from './runtime.js';
import type { PoolStats } from './stats.js';

/** The bounds `resize()` changes. */
export interface ResizeOptions {
  /** New warm-worker floor (integer ≥ 0, ≤ `maxWorkers`); unchanged when absent. */
  minWorkers?: number;
  /** New bound on running tasks (integer ≥ 1, or `Infinity`); unchanged when absent. */
  maxWorkers?: number;
}

/**
 * What every pool has, whatever runs its tasks: lifecycle, backpressure,
 * stats and observables. `Pool` (functions in this process) and `ThreadPool`
 * (functions in worker threads) add `submit` for their kind of task.
 *
 * @example
 * ```ts
 * // Code that only watches or winds down a pool takes either kind.
 * async function shutdown(pool: BasePool<unknown>): Promise<PoolStats> {
 *   await pool.close();
 *   return pool.stats;
 * }
 * ```
 */
export abstract class BasePool<Job> implements AsyncDisposable {
  readonly #core: PoolCore<Job>;

  /** A pool whose workers `runtime` starts, with `options` validated already (see `resolveOptions`). */
  protected constructor(runtime: Runtime<Job>, options: ResolvedOptions) {
    this.#core = new PoolCore(runtime, options);
  }

  /**
   * Every submission (`submit`, a group's `submit`, `runInPool`'s) checks
   * its job here first: returns it, or throws a `TypeError` that names what
   * is wrong. Each kind of pool checks its kind of job; by default any goes.
   */
  protected checkJob(job: Job): Job {
    return job;
  }

  /**
   * Submits a job, once checked. `watch` is given its Future as soon as it
   * exists, before anything can settle it: a group watches its tasks from
   * then on.
   */
  protected submitJob<T>(
    job: Job,
    options: SubmitOptions | undefined,
    watch?: (future: Future<T>) => void,
    waitWhenFull?: boolean,
  ): Future<T> {
    return this.#core.submit(
      this.checkJob(job),
      options,
      watch as ((future: Future<unknown>) => void) | undefined,
      waitWhenFull,
    ) as unknown as Future<T>;
  }

  /**
   * Submits as `submit` does, but a full queue never refuses the task: it
   * waits, blocked, as under `onFull: 'block'`, whatever the pool's policy.
   * What `runInPool` submits with after `ready()`: other code may have
   * taken the place meanwhile, and the stream's value is not to be lost.
   * @internal
   */
  submitWaiting(job: Job, options?: SubmitOptions): Future<unknown> {
    return this.submitJob(job, options, undefined, true);
  }

  /**
   * Resolves when a submission would find room in the queue (at once when the
   * queue is unbounded): a producer's backpressure. Waiters are released in
   * order, only as many as there is room for; one waiting for room for a
   * task whose key is busy (below) lets those behind it go first.
   *
   * @example
   * ```ts
   * for (const file of files) {
   *   await pool.ready(); // never more than queueCapacity waiting
   *   pool.submit(() => upload(file));
   * }
   * ```
   *
   * The place found is held for this producer until it submits, if it
   * submits as it resumes (before it awaits anything else); a producer that
   * does not submit by then leaves it to the next. It is held against those
   * that wait for room (`ready()`, `hasRoom()`), not against a plain
   * `submit()`, which the pool cannot tell from the producer's: when other
   * code submits unasked in between, it takes the place, and the producer
   * finds the queue full.
   *
   * A producer that may give up passes a `signal`: aborting it rejects the
   * promise with the signal's reason and takes the producer out of the line.
   *
   * A producer of keyed tasks passes the `key` its next task will have: a
   * task whose key is busy waits behind it (counted towards `queueCapacity`)
   * and cannot take a free worker, so for it only the queue has room.
   * Without the key, `ready()` counts free workers too, and such a task may
   * then be refused.
   *
   * ```ts
   * await pool.ready({ key: user.id });
   * pool.submit(() => sync(user), { key: user.id });
   * ```
   *
   * @throws (rejects with) `TypeError` for options that are not
   * `{ signal?: AbortSignal; key?: string }`.
   */
  ready(options?: RoomOptions): Promise<void> {
    return waitFor(options, 'ready', (signal, key) => this.#core.ready(signal, key));
  }

  /**
   * True when `ready()` would resolve at once: a submission now (of a task
   * with `key`, if given) finds room (or the queue is unbounded, or the pool
   * is closed), and no producer waiting in `ready()` comes first. It
   * reserves nothing.
   *
   * @throws TypeError for options that are not an object, a `key` that is
   * not a string (or a `signal` that is no `AbortSignal`, as `ready()`
   * checks it).
   *
   * @example
   * ```ts
   * if (!pool.hasRoom()) await pool.ready();
   * pool.submit(task);
   * ```
   */
  hasRoom(options?: Pick<RoomOptions, 'key'>): boolean {
    return this.#core.hasRoom(checkWaitOptions('hasRoom', options).key);
  }

  /**
   * Resolves when nothing is queued, blocked or running and no worker is busy:
   * a cancelled function still returning keeps its worker busy. It resolves
   * for the first such moment (the one `pool:drained` reports), even if more
   * work was submitted before its continuation runs; at once if the pool is
   * idle already. Aborting `options.signal` rejects it with the signal's
   * reason and forgets the waiter.
   */
  drain(options?: WaitOptions): Promise<void> {
    return waitFor(options, 'drain', (signal) => this.#core.drain(signal));
  }

  /**
   * Accepts nothing more (later submissions fail with `PoolClosedError`),
   * finishes everything queued (resuming a paused pool), then stops every
   * worker and clears every timer: the process can then exit.
   */
  close(): Promise<void> {
    return this.#core.close();
  }

  /**
   * Accepts nothing more, cancels everything queued or blocked, and aborts
   * every running task's signal (their Futures are cancelled at once, with
   * `reason` as the `cause`: every one of them before any listener hears of
   * one, and before any signal aborts). Resolves when the running functions have returned:
   * one that ignores its signal and never settles keeps it waiting, as it
   * keeps its worker, since nothing can stop a function in this process.
   *
   * @example
   * ```ts
   * process.once('SIGTERM', () => void pool.terminate(new Error('shutting down')));
   * ```
   */
  terminate(reason?: unknown): Promise<void> {
    return this.#core.terminate(reason);
  }

  /**
   * Cancels every task still waiting (queued, waiting behind its key, or
   * blocked) and keeps the pool open: running tasks go on, and later
   * submissions are taken as usual. Each Future is cancelled with a
   * `CancelledError` whose `cause` is `reason`, in submission order, as one
   * change (none starts in a place another's cancellation freed). Returns
   * how many it cancelled. `clear()` then `close()` stops a pool once its
   * running tasks end.
   *
   * @example
   * ```ts
   * // The user left the page: what has not started yet is not wanted any more.
   * const dropped = pool.clear(new Error('navigated away'));
   * ```
   */
  clear(reason?: unknown): number {
    return this.#core.clear(reason);
  }

  /** Stops starting queued tasks; running ones go on. Does nothing once the pool is closed (or closing). */
  pause(): void {
    this.#core.pause();
  }

  /** Starts queued tasks again. */
  resume(): void {
    this.#core.resume();
  }

  /**
   * Changes the bounds at runtime, validated as in the constructor.
   * Shrinking stops idle workers at once and busy ones when their task
   * returns; raising `minWorkers` starts warm workers. While the pool closes
   * it still bounds the tasks left to finish (no warm worker starts then);
   * once it has closed, it validates and changes nothing.
   */
  resize(bounds: ResizeOptions): void {
    checkResizeOptions(bounds);
    this.#core.resize(bounds.minWorkers, bounds.maxWorkers);
  }

  /**
   * A group of tasks awaited together (`wait`, `settled`, `cancel`); with
   * `failFast`, the first failure cancels the others.
   */
  group<T = unknown>(options?: TaskGroupOptions): TaskGroup<T, Job> {
    return new TaskGroup<T, Job>(
      (job, submitOptions, watch) => this.submitJob<T>(job, submitOptions, watch),
      options,
      (change) => this.#core.batch(change),
    );
  }

  /**
   * Runs `change` as one step of the pool: nothing starts in a place that
   * its cancellations free until it is over (as `clear()` and a group's
   * `cancel()` do). What `runInPool` cancels a subscription's tasks with.
   * @internal
   */
  batch(change: () => void): void {
    this.#core.batch(change);
  }

  /** A snapshot of the pool's counters. */
  get stats(): PoolStats {
    return this.#core.stats();
  }

  /** Every task, worker and pool event; completes when the pool has closed. */
  get events$(): Observable<PoolEvent> {
    return this.#core.observers.events$;
  }

  /** The stats now, then after changes (bursts coalesced; the last one before completion is exact). */
  get state$(): Observable<PoolStats> {
    return this.#core.observers.state$;
  }

  /** The number of waiting tasks now, then at each change. */
  get queueDepth$(): Observable<number> {
    return this.#core.observers.queueDepth$;
  }

  /** One event per worker started or stopped, with the reason. */
  get scaling$(): Observable<ScalingEvent> {
    return this.#core.observers.scaling$;
  }

  /** `close()`, for `await using pool = new Pool(...)`. */
  [asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Validates a wait's options, then waits: bad options reject, as an `async` method's would. */
function waitFor(
  options: RoomOptions | undefined,
  method: string,
  wait: (signal: AbortSignal | undefined, key: string | undefined) => Promise<void>,
): Promise<void> {
  let checked: ReturnType<typeof checkWaitOptions>;
  try {
    checked = checkWaitOptions(method, options);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  return wait(checked.signal, checked.key);
}
