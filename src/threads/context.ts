/**
 * The running task's context inside a worker thread. One
 * `AsyncLocalStorage` per thread holds it. The package ships an ESM and a
 * CommonJS build, and a thread may load either (or both); the storage lives
 * in a `globalThis` slot under a registered symbol, so that every copy of
 * this module, and the thread's bootstrap, share one.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The key of the `globalThis` slot that holds the storage.
 *
 * @example
 * ```ts
 * const storage = globalThis[Symbol.for(contextKey)]; // the thread's AsyncLocalStorage<ThreadTaskContext>
 * ```
 */
export const contextKey = 'rxpool.threads.context';

/**
 * What the thread knows about the task it is running: the store of the
 * thread's `AsyncLocalStorage`.
 *
 * @example
 * ```ts
 * const context = storage.getStore(); // { signal, taskId, workerId } while a task runs
 * ```
 */
export interface ThreadTaskContext {
  /** Aborts when the task is cancelled, times out, or the pool terminates. */
  readonly signal: AbortSignal;
  /** The task's id: its Future's `id`. */
  readonly taskId: number;
  /** The pool's id for this thread's worker (-1 for a task run under `onFull: 'caller-runs'`). */
  readonly workerId: number;
}

const contextSlot: unique symbol = Symbol.for(contextKey);

type ContextSlot = { [contextSlot]?: AsyncLocalStorage<ThreadTaskContext> };

function taskStorage(): AsyncLocalStorage<ThreadTaskContext> {
  return ((globalThis as ContextSlot)[contextSlot] ??= new AsyncLocalStorage());
}

/**
 * The `AbortSignal` of the task running in this worker thread. It aborts when
 * the task is cancelled (`future.cancel()`, its submit `signal`, a fail-fast
 * group), times out, or the pool terminates; its `reason` is an `Error`
 * whose `name` and `code` are those of the pool's error (`'CancelledError'`
 * and `'ERR_CANCELLED'`, `'TimeoutError'` and `'ERR_TIMEOUT'`).
 *
 * Call it from the exported function (or anything it awaits or schedules,
 * and the listeners of its signal's `abort`): the context follows the
 * task's async calls.
 *
 * @throws Error when no ThreadPool task is running in the calling context.
 * @example
 * ```ts
 * // worker.ts, the module of `new ThreadPool({ module: './worker.ts' })`
 * import { setTimeout as delay } from 'node:timers/promises';
 * import { taskSignal } from 'rxpool/threads';
 *
 * export async function crawl(url: string): Promise<string> {
 *   const signal = taskSignal();
 *   await delay(100, undefined, { signal });
 *   return (await fetch(url, { signal })).text();
 * }
 * ```
 */
export function taskSignal(): AbortSignal {
  const context = taskStorage().getStore();
  if (context === undefined) {
    throw new Error('taskSignal() must be called while a ThreadPool task runs, in its worker thread');
  }
  return context.signal;
}
