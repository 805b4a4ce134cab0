import type { Result } from 'ts-results-es';
import { all, allSettled } from '../futures/combinators.js';
import type { Future } from '../futures/future.js';
import { checkSubmitOptions, describeValue, type SubmitOptions } from './options.js';
import type { TaskFunction } from './runtime.js';

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

/** Options of `pool.group(options)`. */
export interface TaskGroupOptions {
  /** The first failure cancels the group's other tasks (queued ones never start, running ones are aborted). */
  failFast?: boolean;
}

/**
 * A set of tasks awaited together, in the manner of Go's errgroup. Tasks run
 * in the pool like any other; the group only watches them.
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
  readonly #submit: (job: Job, options?: SubmitOptions) => Future<T>;
  /** Runs a change of many tasks (cancelling them) as one: the pool starts nothing in between. */
  readonly #batch: (change: () => void) => void;
  /** Under `failFast`, aborted by the first failure: every task of the group watches its signal. */
  readonly #failure: AbortController | undefined;
  readonly #futures: Future<T>[] = [];
  /** Under `failFast`, the task whose failure cancelled the others. */
  #firstFailure: Future<T> | undefined;

  /** @internal Made by `pool.group()`. */
  constructor(
    submit: (job: Job, options?: SubmitOptions) => Future<T>,
    options: TaskGroupOptions = {},
    batch: (change: () => void) => void,
  ) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`group options must be an object, received ${describeValue(options)}`);
    }
    if (options.failFast !== undefined && typeof options.failFast !== 'boolean') {
      throw new TypeError(`failFast must be a boolean, received ${describeValue(options.failFast)}`);
    }
    this.#submit = submit;
    this.#batch = batch;
    this.#failure = options.failFast === true ? new AbortController() : undefined;
  }

  /** The group's futures so far, in submission order. */
  get futures(): readonly Future<T>[] {
    return [...this.#futures];
  }

  /**
   * Submits a task to the pool as part of the group. After a fail-fast
   * failure, a new task is cancelled at once.
   */
  submit<R extends T = T>(job: GroupJob<Job, R>, options?: SubmitOptions): Future<GroupResult<T, R>> {
    const failure = this.#failure;
    // A GroupJob is the pool's Job, typed by its result; the pool runs it as such.
    if (failure === undefined)
      return this.#add(this.#submit(job as Job, options)) as Future<GroupResult<T, R>>;
    // A task watches the group's signal, so that a failure cancels every task of the group at
    // once, also one whose submission it happened in (a task that ran at once and failed), and a
    // task submitted after it. A task with a signal of its own keeps it, and the failure cancels
    // it directly: joining the two with AbortSignal.any would do the same, but Node 20 keeps
    // every signal that makes alive for as long as the user's lives (some 60 B per task under a
    // signal that lasts the process). Bad options still throw as they would have.
    const own = checkSubmitOptions(options).signal;
    const signal = own === undefined || failure.signal.aborted ? failure.signal : own;
    const future = this.#add(this.#submit(job as Job, { ...options, signal }));
    if (signal === own && failure.signal.aborted) future.cancel(failure.signal.reason);
    // Synchronous on settlement, so that nothing else starts in between.
    future.toObservable().subscribe({
      error: (error: unknown) => {
        if (failure.signal.aborted || future.state !== 'failed') return;
        this.#firstFailure = future;
        this.#batch(() => {
          failure.abort(error);
          this.cancel(error); // those with signals of their own
        });
      },
    });
    return future as Future<GroupResult<T, R>>;
  }

  #add(future: Future<T>): Future<T> {
    this.#futures.push(future);
    return future;
  }

  /**
   * Resolves to every value in submission order once all tasks submitted so
   * far have succeeded; rejects as soon as one fails, with its error (under
   * `failFast`, the others are then cancelled).
   */
  async wait(): Promise<T[]> {
    try {
      return await all(this.#futures);
    } catch (error) {
      // Tasks that failed before wait() was called reject in submission order: report the first
      // in time, whenever wait() is called. Under failFast, the failure wins a tie with the
      // cancellations it caused (the same moment) even when they come first in submission order.
      let first = this.#firstFailure;
      let firstAt = first?.timing.settledAt ?? Infinity;
      for (const future of this.#futures) {
        const { settledAt = Infinity } = future.timing;
        if (future.state !== 'succeeded' && settledAt < firstAt) [first, firstAt] = [future, settledAt];
      }
      await first;
      throw error;
    }
  }

  /** Resolves, once all tasks submitted so far have settled, to a `Result` per task. Never rejects. */
  settled(): Promise<Result<T, unknown>[]> {
    return allSettled(this.#futures);
  }

  /**
   * Cancels every task of the group that has not settled, all at once: none
   * of them starts in a place another one's cancellation freed.
   */
  cancel(reason?: unknown): void {
    this.#batch(() => {
      for (const future of this.#futures) future.cancel(reason);
    });
  }
}
