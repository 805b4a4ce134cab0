import { Observable, type OperatorFunction } from 'rxjs';
import { Err, Ok, type Result } from 'ts-results-es';
import type { Future } from '../futures/future.js';
import { describeValue, type SubmitOptions } from '../pool/options.js';
import type { TaskFunction } from '../pool/runtime.js';
import { Fifo } from './fifo.js';

/** Options of {@link runInPool}. */
export interface RunInPoolOptions {
  /**
   * Emit results in source order rather than as they finish. Only results
   * that finish before an earlier one are held back. Default `false`.
   */
  readonly ordered?: boolean;
  /**
   * Emit every outcome as a `Result` (`Ok(value)` or `Err(error)`) and go on
   * after failures, instead of erroring the stream on the first failure.
   * Default `false`.
   */
  readonly settle?: boolean;
}

/**
 * What {@link runInPool} needs of a pool: `ready()` and a public `submit` for
 * its kind of job. `Pool` (jobs are task functions) and `ThreadPool` (jobs
 * are `{ fn, args }`) both are one.
 */
export interface TaskSubmitter<Job> {
  ready(): Promise<void>;
  submit(job: Job, options?: SubmitOptions): Future<unknown>;
}

/**
 * Runs each source value through a pool: `project(value, index)` returns the
 * pool's job for it (a `(ctx) => R` function for `Pool`, a `{ fn, args }`
 * for `ThreadPool`), which is submitted as one task. Emits the results as
 * the tasks finish, or in source order with `ordered`. Completes when the
 * source has completed and every result has been emitted.
 *
 * - **Backpressure:** before each submission it waits for `pool.ready()`, so a
 *   bounded queue never refuses a value (whatever its `onFull` policy) and
 *   values are submitted in source order. Values that arrive meanwhile wait
 *   in an internal buffer; the cost is linear in the number of values, even
 *   for a large synchronous source.
 * - **Failure:** a task that fails (or a `project` that throws) cancels every
 *   task this subscription still has in flight, then errors the stream with
 *   that error, in either order mode. With `settle: true` the failure is
 *   emitted as an `Err` instead (successes as `Ok`) and the stream goes on.
 * - **Cancel:** unsubscribing (or a source error) cancels every task this
 *   subscription submitted that has not finished: queued ones never start,
 *   running ones see their `ctx.signal` abort; the pool counts them as
 *   `cancelled`. Each subscription submits its own tasks.
 * - **After close:** a task submitted to a closed pool fails with
 *   `PoolClosedError`, like any failure.
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { Pool } from 'rxpool';
 * import { runInPool } from 'rxpool/operators';
 *
 * const pool = new Pool({ maxWorkers: 4, queueCapacity: 16 });
 * from(urls)
 *   .pipe(runInPool(pool, (url) => async ({ signal }) => (await fetch(url, { signal })).status, { ordered: true }))
 *   .subscribe((status) => console.log(status));
 * ```
 */
export function runInPool<T, R>(
  pool: TaskSubmitter<TaskFunction<unknown>>,
  project: (value: T, index: number) => TaskFunction<R>,
  options: RunInPoolOptions & { readonly settle: true },
): OperatorFunction<T, Result<R, unknown>>;
export function runInPool<T, R>(
  pool: TaskSubmitter<TaskFunction<unknown>>,
  project: (value: T, index: number) => TaskFunction<R>,
  options?: RunInPoolOptions & { readonly settle?: false },
): OperatorFunction<T, R>;
export function runInPool<T, R>(
  pool: TaskSubmitter<TaskFunction<unknown>>,
  project: (value: T, index: number) => TaskFunction<R>,
  options: RunInPoolOptions,
): OperatorFunction<T, R | Result<R, unknown>>;
/**
 * The same for any pool: `project` returns that pool's job (such as
 * `{ fn, args }` for a `ThreadPool`). The result type `R` is not known from
 * the job: name it (`runInPool<T, Job, R>(...)`) to type the output.
 */
export function runInPool<T, Job, R = unknown>(
  pool: TaskSubmitter<Job>,
  project: (value: T, index: number) => Job,
  options: RunInPoolOptions & { readonly settle: true },
): OperatorFunction<T, Result<R, unknown>>;
export function runInPool<T, Job, R = unknown>(
  pool: TaskSubmitter<Job>,
  project: (value: T, index: number) => Job,
  options?: RunInPoolOptions & { readonly settle?: false },
): OperatorFunction<T, R>;
export function runInPool<T, Job, R = unknown>(
  pool: TaskSubmitter<Job>,
  project: (value: T, index: number) => Job,
  options: RunInPoolOptions,
): OperatorFunction<T, R | Result<R, unknown>>;
export function runInPool<T, Job>(
  pool: TaskSubmitter<Job>,
  project: (value: T, index: number) => Job,
  options: RunInPoolOptions = {},
): OperatorFunction<T, unknown> {
  if (typeof pool !== 'object' || pool === null || typeof pool.submit !== 'function') {
    throw new TypeError(`runInPool expects a pool, received ${describeValue(pool)}`);
  }
  if (typeof project !== 'function') {
    throw new TypeError(`runInPool project must be a function, received ${describeValue(project)}`);
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`runInPool options must be an object, received ${describeValue(options)}`);
  }
  const ordered = checkFlag('ordered', options.ordered);
  const settle = checkFlag('settle', options.settle);
  return (source) =>
    new Observable<unknown>((subscriber) => {
      const inFlight = new Set<Future<unknown>>(); // submitted, not yet settled
      const backlog = new Fifo<T>(); // values waiting for room in the pool
      const early = new Map<number, Result<unknown, unknown>>(); // ordered: results waiting for an earlier one
      let submitted = 0;
      let nextToEmit = 0;
      let awaitingRoom = false;
      let sourceDone = false;
      let active = true;

      const fail = (error: unknown): void => {
        if (!active) return;
        active = false;
        cancelInFlight(error);
        subscriber.error(error);
      };

      const cancelInFlight = (reason: unknown): void => {
        if (inFlight.size === 0) return;
        const futures = [...inFlight];
        inFlight.clear();
        for (const future of futures) future.cancel(reason);
      };

      const completeIfDone = (): void => {
        if (active && sourceDone && inFlight.size === 0 && backlog.size === 0) {
          active = false;
          subscriber.complete();
        }
      };

      // Without `settle`, only successes get this far.
      const emit = (result: Result<unknown, unknown>): void => {
        subscriber.next(settle || result.isErr() ? result : result.value);
      };

      const settled = (future: Future<unknown>, index: number, result: Result<unknown, unknown>): void => {
        if (!active) return;
        inFlight.delete(future);
        if (!settle && result.isErr()) {
          fail(result.error);
          return;
        }
        if (!ordered) emit(result);
        else if (index !== nextToEmit) early.set(index, result);
        else {
          emit(result);
          nextToEmit++;
          for (let next = early.get(nextToEmit); next !== undefined && active; next = early.get(nextToEmit)) {
            early.delete(nextToEmit);
            nextToEmit++;
            emit(next);
          }
        }
        completeIfDone();
      };

      const submitNext = (): void => {
        const index = submitted++;
        let future: Future<unknown>;
        try {
          future = pool.submit(project(backlog.shift(), index));
        } catch (error) {
          fail(error);
          return;
        }
        inFlight.add(future);
        future.then(
          (value) => settled(future, index, Ok(value)),
          (error: unknown) => settled(future, index, Err(error)),
        );
      };

      const onRoom = (): void => {
        awaitingRoom = false;
        if (!active) return;
        submitNext();
        requestRoom();
      };

      // One `ready()` at a time: it reserves one place for one submission.
      const requestRoom = (): void => {
        if (awaitingRoom || !active || backlog.size === 0) return;
        awaitingRoom = true;
        pool.ready().then(onRoom, fail);
      };

      const subscription = source.subscribe({
        next: (value) => {
          if (!active) return;
          backlog.push(value);
          requestRoom();
        },
        error: fail,
        complete: () => {
          sourceDone = true;
          completeIfDone();
        },
      });

      return () => {
        active = false;
        subscription.unsubscribe();
        cancelInFlight('runInPool: unsubscribed');
        backlog.clear();
        early.clear();
      };
    });
}

function checkFlag(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') {
    throw new TypeError(`runInPool option ${name} must be a boolean, received ${describeValue(value)}`);
  }
  return value;
}
