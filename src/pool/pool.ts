import type { Future } from '../futures/future.js';
import { BasePool } from './base-pool.js';
import { describeValue, resolveOptions, type PoolOptions, type SubmitOptions } from './options.js';
import { KEEPER_OPTIONS, settleLayouts } from './layouts.js';
import { inlineRuntime, type TaskFunction } from './runtime.js';

/**
 * A pool of workers that run async (or sync) functions in this process with
 * bounded concurrency. A task goes in, a {@link Future} comes out.
 *
 * - **Sync functions:** one that returns (or throws) at once holds its
 *   worker until its outcome is told, a microtask later, as an async
 *   function's is: a burst of them fills the workers as a burst of async
 *   tasks does, and its Future settles after `submit` has returned.
 * - **Full queue:** `submit` never throws for load; the Future reports it
 *   (`QueueFullError`, `DiscardedError`), or the policy blocks or runs it on the caller.
 * - **Cancel:** `future.cancel()`, a task `signal`, a `timeout`, or `terminate()`.
 * - **After close:** submissions fail with `PoolClosedError`.
 *
 * @example
 * ```ts
 * import { Pool } from 'rxpool';
 * await using pool = new Pool({ maxWorkers: 8 });
 * const f = pool.submit(async ({ signal }) => (await fetch(url, { signal })).json());
 * const value = await f;                // a Future is awaitable
 * const result = await f.result();      // Result<T, unknown>: never rejects
 * ```
 */
export class Pool extends BasePool<TaskFunction<unknown>> {
  /**
   * @throws TypeError | RangeError when an option is invalid; the message
   * names the option and the value received.
   */
  constructor(options: PoolOptions) {
    // Once per process, before the first pool: keeps V8's layouts of a pool's
    // objects alive for every pool after it (see layouts.ts).
    settleLayouts(() => new Pool(KEEPER_OPTIONS));
    super(inlineRuntime, resolveOptions(options));
  }

  /**
   * Submits a task: `task(ctx)` runs when a worker is free. Never throws for
   * load or after close: the Future reports that.
   *
   * @throws TypeError if `task` is not a function or an option has the wrong
   *   type; RangeError if an option is out of range (`timeout: -1`, `priority: NaN`).
   */
  submit<T>(task: TaskFunction<T>, options?: SubmitOptions): Future<T> {
    return this.submitJob<T>(task as TaskFunction<unknown>, options);
  }

  /** A task is a function. */
  protected override checkJob(task: TaskFunction<unknown>): TaskFunction<unknown> {
    if (typeof task !== 'function') {
      throw new TypeError(`task must be a function, received ${describeValue(task)}`);
    }
    return task;
  }
}
