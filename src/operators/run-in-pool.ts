import { Observable, Subject, takeUntil, type OperatorFunction, type Subscription } from 'rxjs';
import { Err, Ok, type Result } from 'ts-results-es';
import type { Future } from '../futures/future.js';
import { describeValue, type RoomOptions, type SubmitOptions } from '../pool/options.js';
import type { TaskFunction } from '../pool/runtime.js';
import type { PoolStats } from '../pool/stats.js';
import type {
  AnyModule,
  ExportedFunctionName,
  ModuleTask,
  moduleType,
  ResultOf,
  ThreadPool,
} from '../threads/thread-pool.js';
import { Fifo } from './fifo.js';

/** Options of {@link runInPool}, for a source of `T` values. */
export interface RunInPoolOptions<T = unknown> {
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
  /**
   * The submit options of a value's task (`priority`, `key`, `timeout`,
   * `signal`), asked once per value, in source order, as it is about to be
   * submitted or to wait for room. With a `key`, the operator waits for
   * room for a task of that key (`pool.ready({ key })`): tasks of one key
   * run one at a time, in source order, while other keys go on.
   *
   * @example
   * ```ts
   * // Each user's events in order, different users' at once.
   * events$.pipe(runInPool(pool, (event) => () => apply(event), { submitOptions: (event) => ({ key: event.userId }) }));
   * ```
   */
  submitOptions?(value: T, index: number): SubmitOptions | undefined;
}

/**
 * What {@link runInPool} needs of a pool: `ready()` and a public `submit` for
 * its kind of job, and optionally `hasRoom()`. `Pool` (jobs are task
 * functions) and `ThreadPool` (jobs are `{ fn, args }`) both are one.
 */
export interface TaskSubmitter<Job> {
  /**
   * Resolves when the queue has room: the operator's backpressure. The
   * operator passes a signal that aborts when it is unsubscribed; a pool
   * that takes it forgets the waiter then.
   */
  ready(options?: RoomOptions): Promise<void>;
  /** Submits one job as a task. */
  submit(job: Job, options?: SubmitOptions): Future<unknown>;
  /**
   * Submits one job as a task that a full queue does not refuse: it waits
   * as under `onFull: 'block'`. With it, a value submitted after `ready()`
   * is not refused when other code took the place in between.
   */
  submitWaiting?(job: Job, options?: SubmitOptions): Future<unknown>;
  /**
   * Whether `ready()` would resolve at once. With it and `stats`, a value is
   * submitted as it arrives while a task may start at once; without them,
   * every submission waits for `ready()`.
   */
  hasRoom?(options?: Pick<RoomOptions, 'key'>): boolean;
  /** The counters that tell whether a task would start at once. */
  readonly stats?: Pick<PoolStats, 'workers' | 'idleWorkers' | 'maxWorkers' | 'queued' | 'paused'>;
  /**
   * Runs `change` as one step: nothing starts in a place that the
   * cancellations it makes free until it is over. With it, the tasks a
   * subscription cancels never start one another.
   */
  batch?(change: () => void): void;
}

/** Any pool but a `ThreadPool` typed by its module (`ThreadPool<typeof import('./math.js')>`). */
interface UntypedModule {
  readonly [moduleType]?: AnyModule;
}

/**
 * Runs each source value through a pool: `project(value, index)` returns the
 * pool's job for it (a `(ctx) => R` function for `Pool`, a `{ fn, args }`
 * for `ThreadPool`), which is submitted as one task. Emits the results as
 * the tasks finish, or in source order with `ordered`. Completes when the
 * source has completed and every result has been emitted.
 *
 * - **Submission:** a value is submitted synchronously, as it arrives, when
 *   no earlier value is waiting and its task can start at once (the pool is
 *   not paused, nothing is queued, a worker is idle or may start, and
 *   `pool.hasRoom()`): so a synchronous source is submitted before
 *   `subscribe()` returns as far as workers are free, with no microtask per
 *   value. Beyond that a value waits here for `pool.ready()`: with a bounded
 *   queue, until the queue has room, so a long stream holds no more Futures
 *   than the queue and the workers take; with an unbounded one `ready()`
 *   resolves at once, and the values move into the pool's queue, one per
 *   microtask. As under `mergeMap`, a synchronous source is read to its
 *   end (or until the stream ends) before any task has been told of, even
 *   one that returns at once: an endless one under `take(n)` needs a
 *   scheduler, `scheduled(generator(), asapScheduler)` rather than
 *   `from(generator())`.
 * - **Backpressure:** otherwise it waits for `pool.ready()` before submitting
 *   the next value, so a bounded queue never refuses a value (whatever its
 *   `onFull` policy; a value whose place other code took with a plain
 *   `submit()` meanwhile waits, blocked, as under `'block'`), and values are
 *   submitted in source order. Values that arrive meanwhile wait in an
 *   internal buffer, behind which every later value waits too; the cost is
 *   linear in the number of values, even for a large synchronous source. A
 *   value whose `submitOptions` give it a `key` waits for room for a task of
 *   that key (`ready({ key })`): behind a busy key, only the queue has room.
 * - **Failure:** a task that fails cancels every task this subscription
 *   still has in flight, then errors the stream with that error, in either
 *   order mode; the source is unsubscribed at once. With `settle: true` the
 *   failure is emitted as an `Err` instead (successes as `Ok`) and the
 *   stream goes on. A `project` that throws (or a job the pool refuses to
 *   take, such as a non-function) is a bug in the pipeline, not a task's
 *   failure: it errors the stream in the same way, with `settle` too.
 * - **Results** are emitted one at a time, as the pool tells of each
 *   settlement, before it starts the task that settlement made room for: a
 *   result that ends the stream (`take(1)`, a failure) cancels the tasks
 *   still queued before they start, where `mergeMap` would not have
 *   subscribed to them yet (on a pool with `batch`, as `Pool` and
 *   `ThreadPool` have, also a task being submitted: each is queued before
 *   the pool starts anything). A result told while another is on its way
 *   downstream (an operator there fed the source, or acted on the pool)
 *   waits for it, a failure too, and the stream completes once every
 *   emission has returned. A stream that its tasks end within `subscribe()`
 *   (refused at once: a closed pool) says so a microtask later, so that
 *   `repeat` and `retry` around it start each round on a fresh stack. (A
 *   task that returns at once is told of a microtask later, as by any pool.)
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
  options: RunInPoolOptions<T> & { readonly settle: true },
): OperatorFunction<T, Result<R, unknown>>;
export function runInPool<T, R>(
  pool: TaskSubmitter<TaskFunction<unknown>>,
  project: (value: T, index: number) => TaskFunction<R>,
  options?: RunInPoolOptions<T> & { readonly settle?: false },
): OperatorFunction<T, R>;
export function runInPool<T, R>(
  pool: TaskSubmitter<TaskFunction<unknown>>,
  project: (value: T, index: number) => TaskFunction<R>,
  options: RunInPoolOptions<T>,
): OperatorFunction<T, R | Result<R, unknown>>;
/**
 * For a `ThreadPool` typed by its module: `project` returns `{ fn, args }`
 * for one of the module's exports, checked as `pool.run` checks it, and the
 * output is what that export returns.
 */
export function runInPool<T, M extends object, K extends ExportedFunctionName<M>>(
  pool: ThreadPool<M>,
  project: (value: T, index: number) => ModuleTask<M, K>,
  options: RunInPoolOptions<T> & { readonly settle: true },
): OperatorFunction<T, Result<ResultOf<M[K]>, unknown>>;
export function runInPool<T, M extends object, K extends ExportedFunctionName<M>>(
  pool: ThreadPool<M>,
  project: (value: T, index: number) => ModuleTask<M, K>,
  options?: RunInPoolOptions<T> & { readonly settle?: false },
): OperatorFunction<T, ResultOf<M[K]>>;
export function runInPool<T, M extends object, K extends ExportedFunctionName<M>>(
  pool: ThreadPool<M>,
  project: (value: T, index: number) => ModuleTask<M, K>,
  options: RunInPoolOptions<T>,
): OperatorFunction<T, ResultOf<M[K]> | Result<ResultOf<M[K]>, unknown>>;
/**
 * The same for any pool: `project` returns that pool's job (such as
 * `{ fn, args }` for a `ThreadPool` not typed by its module). The result
 * type `R` is not known from the job: name it (`runInPool<T, Job, R>(...)`)
 * to type the output. A `ThreadPool` typed by its module takes the
 * overloads above only, so that a wrong `fn` or `args` does not compile.
 */
export function runInPool<T, Job, R = unknown>(
  pool: TaskSubmitter<Job> & UntypedModule,
  project: (value: T, index: number) => Job,
  options: RunInPoolOptions<T> & { readonly settle: true },
): OperatorFunction<T, Result<R, unknown>>;
export function runInPool<T, Job, R = unknown>(
  pool: TaskSubmitter<Job> & UntypedModule,
  project: (value: T, index: number) => Job,
  options?: RunInPoolOptions<T> & { readonly settle?: false },
): OperatorFunction<T, R>;
export function runInPool<T, Job, R = unknown>(
  pool: TaskSubmitter<Job> & UntypedModule,
  project: (value: T, index: number) => Job,
  options: RunInPoolOptions<T>,
): OperatorFunction<T, R | Result<R, unknown>>;
export function runInPool<T, Job>(
  pool: TaskSubmitter<Job>,
  project: (value: T, index: number) => Job,
  options: RunInPoolOptions<T> = {},
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
  const submitOptions = options.submitOptions;
  if (submitOptions !== undefined && typeof submitOptions !== 'function') {
    throw new TypeError(
      `runInPool option submitOptions must be a function, received ${describeValue(submitOptions)}`,
    );
  }
  return (source) =>
    new Observable<unknown>((subscriber) => {
      const inFlight = new Set<Future<unknown>>(); // submitted, not yet settled: what a cancel concerns
      let awaited = 0; // submitted, result not yet handled
      const backlog = new Fifo<T>(); // values waiting for room in the pool
      const early = new Map<number, Result<unknown, unknown>>(); // ordered: results waiting for an earlier one
      const told = new Fifo<Result<unknown, unknown>>(); // unordered: results waiting for one being emitted
      let emitting = false;
      let failure: { readonly error: unknown; readonly byTask: boolean } | undefined;
      let subscribing = false;
      let submitted = 0;
      // The submit options of the first value waiting, once asked for (see `firstOptions`).
      let waitingOptions: SubmitOptions | undefined | typeof NOT_ASKED = NOT_ASKED;
      let nextToEmit = 0;
      let awaitingRoom = false;
      // A value is being submitted: one the source emits meanwhile (from `project`, or from a
      // listener the pool tells) waits behind it, as it would behind a value waiting for room.
      let submitting = false;
      // Aborted on teardown: a `ready()` still pending then leaves the pool's waiters.
      let stopWaiting: AbortController | undefined;
      let sourceDone = false;
      let active = true;
      // Why it stopped: what the tasks it submitted are cancelled with.
      let ended: unknown = undefined;
      // Values are still taken in: false from the first failure on, also one
      // reported before its Future's handlers have run (a task refused at once).
      let taking = true;
      // Ends the source's subscription, also while the source is still inside
      // `subscribe()`: a synchronous source then stops at once, as it would
      // under `mergeMap`, instead of being read to its end for nothing.
      const stopSource = new Subject<void>();

      const stopTaking = (): void => {
        taking = false;
        stopSource.next();
      };

      // Nothing more starts from the failure on; the error is told once the emission under way,
      // and the results told before the failure, have gone out.
      const fail = (error: unknown, byTask = false): void => {
        if (!active || failure !== undefined) return;
        failure = { error, byTask };
        ended = error;
        stopTaking();
        cancelInFlight(error);
        if (!emitting) end();
      };

      // The end: the failure, or completion.
      const end = (): void => {
        active = false;
        // Ended by its tasks within subscribe() (a synchronous source that a closed pool refuses): told a
        // microtask on, so that `repeat` or `retry` subscribes again from a fresh stack rather than
        // looping on this one, through the pool's step, until it overflows. (A source that errors,
        // or a `project` that throws, ends it at once, as under `mergeMap`.)
        if (subscribing && (failure === undefined || failure.byTask)) void Promise.resolve().then(tellEnd);
        else tellEnd();
      };
      const tellEnd = (): void => {
        if (failure === undefined) subscriber.complete();
        else subscriber.error(failure.error);
      };

      // As one step of the pool, where it has them: nothing starts until `change` is over.
      const inOneStep = (change: () => void): void => {
        if (pool.batch === undefined) change();
        else pool.batch(change);
      };

      // In one step: no task cancelled here frees a place (or its key) that another of them,
      // about to be cancelled, would start in.
      const cancelInFlight = (reason: unknown): void => {
        if (inFlight.size === 0) return;
        const futures = [...inFlight];
        inFlight.clear();
        inOneStep(() => {
          for (const future of futures) future.cancel(reason);
        });
      };

      const completeIfDone = (): void => {
        if (
          active &&
          failure === undefined &&
          !emitting &&
          sourceDone &&
          awaited === 0 &&
          backlog.size === 0 &&
          early.size === 0 &&
          told.size === 0
        ) {
          end();
        }
      };

      // Without `settle`, only successes get this far.
      const emit = (result: Result<unknown, unknown>): void => {
        subscriber.next(settle || result.isErr() ? result : result.value);
        // Downstream is done (`take(1)`), maybe while this subscribe() still runs and before its
        // teardown is in place: nothing more is taken in or started.
        if (subscriber.closed) teardown();
      };

      // Results are emitted one at a time: one told while another is on its way downstream (a
      // downstream operator acted on the pool or the source) waits for it, keeping the order, and
      // the stream completes only once every emission has returned.
      const flush = (): void => {
        if (emitting) return;
        emitting = true;
        if (ordered) {
          for (
            let next = early.get(nextToEmit);
            next !== undefined && active && failure === undefined;
            next = early.get(nextToEmit)
          ) {
            early.delete(nextToEmit);
            nextToEmit++;
            emit(next);
          }
        } else {
          while (told.size > 0 && active) emit(told.shift());
        }
        emitting = false;
        if (failure === undefined) completeIfDone();
        else if (active) end();
      };

      const settled = (future: Future<unknown>, index: number, result: Result<unknown, unknown>): void => {
        if (!active || failure !== undefined) return;
        awaited--;
        inFlight.delete(future);
        if (!settle && result.isErr()) {
          fail(result.error, true);
          return;
        }
        if (ordered) early.set(index, result);
        else told.push(result);
        flush();
      };

      /** The options of the value about to be submitted (whose index is `submitted`); undefined if asking threw. */
      const optionsOf = (value: T): SubmitOptions | undefined => {
        if (submitOptions === undefined) return undefined;
        try {
          return submitOptions(value, submitted);
        } catch (error) {
          fail(error);
          return undefined;
        }
      };

      // Asked once, when it first waits: its key decides what room it waits for.
      const firstOptions = (): SubmitOptions | undefined =>
        waitingOptions === NOT_ASKED ? (waitingOptions = optionsOf(backlog.peek()!)) : waitingOptions;

      const submitFirst = (): void => {
        const taskOptions = firstOptions();
        waitingOptions = NOT_ASKED;
        submit(backlog.shift(), taskOptions);
      };

      // Submitted in one step: the task is queued before any other starts, so that one which
      // ends the stream as it starts (cancelled by a listener of its start) finds this one among those to
      // cancel, before it starts too. One closure for every value.
      let nextValue: T;
      let nextOptions: SubmitOptions | undefined;
      const submitNext = (): void => submitNow(nextValue, nextOptions);
      const submit = (value: T, taskOptions: SubmitOptions | undefined): void => {
        nextValue = value;
        nextOptions = taskOptions;
        inOneStep(submitNext);
      };

      const submitNow = (value: T, taskOptions: SubmitOptions | undefined): void => {
        if (!taking) return; // asking for its options failed the stream
        const index = submitted++;
        // Counted from the start of its submission: a listener the pool tells meanwhile may end
        // the source, and the stream does not complete without this task's result.
        awaited++;
        let future: Future<unknown>;
        submitting = true;
        try {
          const job = project(value, index);
          future =
            pool.submitWaiting === undefined
              ? pool.submit(job, taskOptions)
              : pool.submitWaiting(job, taskOptions);
        } catch (error) {
          awaited--;
          fail(error);
          return;
        } finally {
          submitting = false;
        }
        if (!active) {
          // The stream ended while the task was being submitted (a listener of its start
          // unsubscribed, or errored the source): it is cancelled as the others were.
          future.cancel(ended);
          return;
        }
        // A task settled at its submission (refused, cancelled) needs no cancelling, nor holding.
        if (!future.settled) inFlight.add(future);
        // Told as the pool tells of it (at once, for one settled already), before it starts another
        // task: a result that ends the stream (`take(1)`, a failure) cancels the next one before it
        // starts, as under `mergeMap`, and a synchronous source stops at once.
        future.onSettled((succeeded, outcome) =>
          settled(future, index, succeeded ? Ok(outcome) : Err(outcome)),
        );
      };

      // Room for a task to start at once: the values wait here, not as Futures in the pool's queue.
      const roomNow = (key: string | undefined): boolean => {
        if (pool.hasRoom?.(key === undefined ? undefined : { key }) !== true) return false;
        const stats = pool.stats;
        return (
          stats !== undefined &&
          !stats.paused &&
          stats.queued === 0 &&
          (stats.idleWorkers > 0 || stats.workers < stats.maxWorkers)
        );
      };

      // ready() resolved: there is a place for the first value waiting (reserved, on a bounded
      // queue), and then for as many as find room now. Until they have been submitted, the wait
      // counts as under way: a value that a synchronous task feeds back into the source joins the
      // backlog and asks for no second place, which would be left to a value already submitted.
      const onRoom = (): void => {
        if (taking) {
          submitFirst();
          while (taking && backlog.size > 0 && roomNow(firstOptions()?.key)) submitFirst();
        }
        awaitingRoom = false;
        requestRoom();
      };

      // One `ready()` at a time: it reserves one place for one submission.
      const requestRoom = (): void => {
        if (awaitingRoom || !taking || backlog.size === 0) return;
        const key = firstOptions()?.key;
        if (!taking) return;
        awaitingRoom = true;
        stopWaiting ??= new AbortController();
        const signal = stopWaiting.signal;
        pool.ready(key === undefined ? { signal } : { signal, key }).then(onRoom, fail);
      };

      // Set once the source's subscribe() returns; a synchronous source may end the stream before.
      let subscription: Subscription | undefined = undefined;
      const teardown = (): void => {
        if (active) ended = 'runInPool: unsubscribed';
        active = taking = false;
        subscription?.unsubscribe();
        stopSource.next(); // the source, if still inside its subscribe()
        stopSource.complete();
        stopWaiting?.abort();
        cancelInFlight(ended);
        backlog.clear();
        early.clear();
        told.clear();
      };

      subscribing = true;
      subscription = source.pipe(takeUntil(stopSource)).subscribe({
        next: (value) => {
          if (!taking) return;
          // A value that arrives while earlier ones wait (or `ready()` is pending), or while one is
          // being submitted, waits behind them.
          if (backlog.size > 0 || submitting) {
            backlog.push(value);
            requestRoom();
            return;
          }
          const options = optionsOf(value);
          if (!taking) return;
          if (roomNow(options?.key)) {
            submit(value, options);
            return;
          }
          backlog.push(value);
          waitingOptions = options;
          requestRoom();
        },
        error: fail,
        complete: () => {
          sourceDone = true;
          completeIfDone();
        },
      });
      subscribing = false;

      return teardown;
    });
}

/** No value's options have been asked for yet. */
const NOT_ASKED: unique symbol = Symbol('not asked');

function checkFlag(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') {
    throw new TypeError(`runInPool option ${name} must be a boolean, received ${describeValue(value)}`);
  }
  return value;
}
