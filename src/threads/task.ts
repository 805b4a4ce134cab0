import type { TransferListItem } from 'node:worker_threads';
import { describeValue } from '../pool/options.js';

/**
 * A task for a `ThreadPool`: call the function the pool's module
 * exports as `fn`, with `args`, in a worker thread: `fn(...args)`, nothing
 * appended. The args (and the value returned) are structured-cloned when the
 * task starts; `transfer` lists what moves instead of being copied
 * (`ArrayBuffer`s, `MessagePort`s), as in `postMessage(value, transfer)`.
 *
 * @example
 * ```ts
 * const pixels = new Uint8Array(1 << 20);
 * const future = pool.submit<number>({ fn: 'brightness', args: [pixels], transfer: [pixels.buffer] });
 * ```
 */
export interface ThreadTask {
  /** The name of a function the module exports. */
  readonly fn: string;
  /** Its arguments, structured-cloned into the thread. */
  readonly args: readonly unknown[];
  /**
   * Objects to transfer rather than copy; after the task starts they are
   * unusable here. A buffer transferred already (by an earlier task) fails
   * the task with a `DataCloneError`.
   */
  readonly transfer?: readonly TransferListItem[];
}

/**
 * Checks a submitted task and returns its own copy of it (later changes to the object do not apply).
 *
 * @throws TypeError naming what is wrong: not an object, `fn` not a non-empty string,
 * `args` or `transfer` not an array.
 * @example
 * ```ts
 * checkTask({ fn: 'fib', args: [30] }); // { fn: 'fib', args: [30] }
 * checkTask({ fn: 'fib', args: 30 });   // TypeError: task.args must be an array, received 30
 * ```
 */
export function checkTask(task: unknown): ThreadTask {
  if (typeof task !== 'object' || task === null || Array.isArray(task)) {
    throw new TypeError(`task must be an object { fn, args, transfer? }, received ${describeValue(task)}`);
  }
  const { fn, args, transfer } = task as Partial<Record<keyof ThreadTask, unknown>>;
  if (typeof fn !== 'string' || fn === '') {
    throw new TypeError(
      `task.fn must be the name of an exported function (a non-empty string), received ${describeValue(fn)}`,
    );
  }
  if (!Array.isArray(args)) {
    throw new TypeError(`task.args must be an array, received ${describeValue(args)}`);
  }
  if (transfer !== undefined && !Array.isArray(transfer)) {
    throw new TypeError(`task.transfer must be an array, received ${describeValue(transfer)}`);
  }
  return transfer === undefined ? { fn, args } : { fn, args, transfer: transfer as TransferListItem[] };
}
