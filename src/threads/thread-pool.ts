import type { Future } from '../futures/future.js';
import { BasePool } from '../pool/base-pool.js';
import type { SubmitOptions } from '../pool/options.js';
import { resolveThreadOptions, type ThreadPoolOptions } from './options.js';
import { ThreadRuntime } from './runtime.js';
import { checkTask, type ThreadTask } from './task.js';

/** Any function, as a module may export it. */
type AnyFunction = (...args: never[]) => unknown;

/**
 * The names of the functions a module type `M` exports: what `run` accepts.
 *
 * @example
 * ```ts
 * type Names = ExportedFunctionName<typeof import('./math.js')>; // 'fib' | 'isPrime'
 * ```
 */
export type ExportedFunctionName<M> = {
  [K in keyof M]: M[K] extends AnyFunction ? K : never;
}[keyof M] &
  string;

/** The arguments of `F`, when it is a function. */
type ArgumentsOf<F> = F extends (...args: infer A) => unknown ? A : never;

/** What awaiting a call of `F` gives. */
export type ResultOf<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;

/**
 * A task calling export `K` of a module of type `M`, with its parameters as `args`.
 *
 * @example
 * ```ts
 * const task: ModuleTask<typeof import('./math.js'), 'fib'> = { fn: 'fib', args: [30] };
 * ```
 */
export type ModuleTask<M, K extends ExportedFunctionName<M>> = {
  /** The name of the exported function to call. */
  readonly fn: K;
  /** Its arguments, structured-cloned into the thread (called as `fn(...args)`). */
  readonly args: Readonly<ArgumentsOf<M[K]>>;
  /** What in `args` is moved rather than copied (buffers, ports), as `postMessage` takes it. */
  readonly transfer?: ThreadTask['transfer'];
};

/** For a union of names, the union of their tasks: each name with its own function's `args`. */
type TaskOfEither<M, K extends ExportedFunctionName<M>> = { [P in K]: ModuleTask<M, P> }[K];

/**
 * A module type with any exports: what a ThreadPool assumes unless told its
 * module's type (then `run` takes any name and arguments, and gives `unknown`).
 *
 * @example
 * ```ts
 * const pool: ThreadPool<AnyModule> = new ThreadPool({ module: './worker.js' });
 * const value: unknown = await pool.run('anything', 1, 2);
 * ```
 */
export type AnyModule = Record<string, (...args: unknown[]) => unknown>;

/**
 * The key under which the type of a ThreadPool's module is kept, for the
 * type checker alone: no such property exists at run time.
 * @internal
 */
export declare const moduleType: unique symbol;

/**
 * A pool of worker threads for CPU-bound work. Each thread loads `module`; a
 * task names one of its exported functions and the arguments to call it
 * with. Everything else is the pool of `Pool`: the same options, `Future`,
 * stats and observables; `maxWorkers` defaults to `os.availableParallelism()`,
 * or to `minWorkers` when that is more.
 *
 * - **Arguments and results** are structured-cloned; a task's `transfer` list
 *   moves buffers instead. An error thrown in the thread reaches the caller
 *   as an `Error` with its name, message, stack, own properties and cause.
 * - **Cancel:** `future.cancel()`, a task `signal`, a `timeout` or
 *   `terminate()` aborts the task's signal in its thread, read there with
 *   `taskSignal()`. As with `Pool`, the Future settles at once and the
 *   thread is free when the function returns: a function that ignores its
 *   signal keeps its thread busy until it ends, or, with `abortGrace`, until
 *   that long after the abort, when its thread is stopped and replaced.
 *   `terminate()` waits for it 1 s at most (`abortGrace`, when given).
 *   A task handed to a thread still starting has its timeout counted from
 *   when the thread has loaded `module`: the start-up is not taken from the
 *   task's time, unless it outlasts the timeout, which then times it out.
 * - **Crash:** a thread that dies (an uncaught error, `process.exit`, a
 *   resource limit) fails its task with `WorkerCrashedError` and is replaced
 *   (up to `minWorkers` at once, else when a task needs a thread); the pool goes on.
 * - **Full queue / after close:** as `Pool`: `submit` never throws for load;
 *   the Future reports it. Under `onFull: 'caller-runs'` the task runs on a
 *   thread started for it alone (outside `maxWorkers`, stopped after it),
 *   since only threads load `module`.
 * - **Threads** are started on demand, stopped after `idleTimeout`, and all
 *   terminated by `close()` (which resolves once they have exited); an idle
 *   thread never holds the process open.
 *   An idle thread that has loaded `module` takes a task before one still
 *   loading (a warm thread started by `resize`, or after a crash). A task
 *   waits for the thread started for it, even if another frees first: keep
 *   `idleTimeout` well above a thread's start-up (tens of ms), or keep
 *   threads warm with `minWorkers`, so that bursts reuse threads rather than
 *   start one while another times out.
 * - **Short tasks:** from one queue for all threads (`dispatch: 'shared'`),
 *   a thread is sent its next task once the pool has heard that its task
 *   returned, and sleeps in between. With `dispatch: 'dedicated'` (a queue
 *   per thread) and a FIFO queue, a busy thread is also sent the next task
 *   of its own queue, which it starts as soon as its task returns; the task
 *   counts as queued until the pool hears of that return (its start, and
 *   `timing.startedAt`, are counted from then), and is taken back if it has
 *   not started by then when it is cancelled, the pool paused, resized or
 *   terminated, or another thread has nothing else to do. A task with a
 *   timeout is not sent ahead (its time would not bound how long it ran),
 *   nor one to a thread whose task's key has others waiting behind it.
 *   Tasks of a few microseconds then run about 1.4 times as fast
 *   (scenario 8 of the benchmarks).
 *
 * Type the module to type `run`: `new ThreadPool<typeof import('./math.js')>(...)`.
 *
 * @example
 * ```ts
 * // math.ts
 * export const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));
 *
 * // main.ts (compiled with math.ts; under tsx, point `module` at './math.ts')
 * import { ThreadPool } from 'rxpool/threads';
 * await using pool = new ThreadPool<typeof import('./math.js')>({
 *   module: new URL('./math.js', import.meta.url),
 * });
 * const n = await pool.run('fib', 30);                      // 832040, computed in a thread
 * const f = pool.submit<number>({ fn: 'fib', args: [35] }, { timeout: 5_000 });
 * const result = await f.result();                          // Ok(9227465), or Err(TimeoutError)
 * ```
 */
export class ThreadPool<M extends object = AnyModule> extends BasePool<ThreadTask> {
  /**
   * The module's type, for overloads that tell a typed pool from an untyped
   * one (`runInPool`). Type-only: never set.
   * @internal
   */
  declare readonly [moduleType]?: M;

  /**
   * @throws TypeError | RangeError when an option is invalid (`module` not a
   * path or file URL of an existing file, a bad resource limit or pool option);
   * the message names the option and the value received.
   */
  constructor(options: ThreadPoolOptions) {
    const { moduleUrl, thread, abortGrace, terminateGrace, pool } = resolveThreadOptions(options);
    super(new ThreadRuntime({ moduleUrl, settings: thread, abortGrace, terminateGrace }), pool);
  }

  /**
   * Submits a task: `fn(...args)` runs in a thread when one is free. Never
   * throws for load or after close: the Future reports that. An `fn` the
   * module does not export fails the Future with a `TypeError`.
   *
   * Typed by the pool's module type, as `run` is: the name must be an export,
   * the args its parameters, and the Future carries what it returns.
   *
   * @throws TypeError if `task` is not `{ fn: string, args: unknown[], transfer?: Transferable[] }`,
   *   or an option has the wrong type; RangeError if an option is out of range.
   * @example
   * ```ts
   * const pool = new ThreadPool<typeof import('./math.js')>({ module: './math.js' });
   * const future = pool.submit({ fn: 'fib', args: [30] }, { priority: 1, timeout: 1_000 }); // Future<number>
   * ```
   */
  // Two type parameters, both inferred: one named type argument
  // (`submit<string>(…)`) never fits here, and names the result below.
  submit<K extends ExportedFunctionName<M>, A extends ModuleTask<M, K>['args']>(
    task: ModuleTask<M, K> & { readonly args: A },
    options?: SubmitOptions,
  ): Future<ResultOf<M[K]>>;
  /** With the result type named: `submit<number>({ fn, args })`. */
  submit<T, K extends ExportedFunctionName<M> = ExportedFunctionName<M>>(
    task: TaskOfEither<M, K>,
    options?: SubmitOptions,
  ): Future<T>;
  submit(task: ThreadTask, options?: SubmitOptions): Future<unknown> {
    return this.submitJob(task, options);
  }

  /**
   * Calls the exported function `fn` with `args` in a thread: the short form
   * of `submit({ fn, args })`, typed by the pool's module type.
   *
   * @example
   * ```ts
   * const pool = new ThreadPool<typeof import('./math.js')>({ module: './math.js' });
   * const value: number = await pool.run('fib', 30);
   * ```
   */
  run<K extends ExportedFunctionName<M>>(fn: K, ...args: ArgumentsOf<M[K]>): Future<ResultOf<M[K]>> {
    return this.submitJob({ fn, args }, undefined);
  }

  /** A task names an export and its arguments (`run` makes one too). */
  protected override checkJob(task: ThreadTask): ThreadTask {
    return checkTask(task);
  }
}
