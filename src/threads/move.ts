/**
 * Moving a thread task's result back instead of copying it. The marker
 * `move()` returns is recognised by the thread's bootstrap through a
 * registered symbol, so that the ESM and CommonJS copies of this module, and
 * the bootstrap, agree on it.
 */
import { MessagePort, type Transferable } from 'node:worker_threads';

/**
 * The registered symbol's key, marking a result to move.
 *
 * @example
 * ```ts
 * const moved = (value as Record<symbol, unknown>)[Symbol.for(moveKey)] === true;
 * ```
 */
export const moveKey = 'rxpool.threads.move';

const moveMark: unique symbol = Symbol.for(moveKey);

/** What `move()` returns: the value, and what the reply transfers. */
interface Moved {
  readonly [moveMark]: true;
  readonly value: unknown;
  readonly transfer: readonly Transferable[];
}

/**
 * Marks a thread task's result to be moved to the pool's thread rather than
 * copied, as `transfer` does for a task's arguments: return what it returns
 * from the exported function (or resolve its promise with it). Without a
 * `transfer` list, an `ArrayBuffer` or `MessagePort` moves itself and a typed
 * array or `DataView` moves its buffer; anything else needs the list. After
 * the reply, what moved is unusable in the thread. The Future resolves to
 * `value` itself; typed, `move` returns the value's own type.
 *
 * @throws TypeError when `transfer` is left out and `value` is not a buffer,
 *   a view of one, or a port; or `transfer` is not an array.
 * @example
 * ```ts
 * // worker.ts
 * import { move } from 'rxpool/threads';
 * export function invert(pixels: Uint8Array): Uint8Array {
 *   for (let i = 0; i < pixels.length; i++) pixels[i] = 255 - pixels[i]!;
 *   return move(pixels); // its buffer moves back, no copy
 * }
 * ```
 */
export function move<T>(value: T, transfer?: readonly Transferable[]): T {
  const list = transfer ?? ownTransfer(value);
  if (!Array.isArray(list)) {
    throw new TypeError(`move() transfer must be an array, received ${typeof list}`);
  }
  const moved: Moved = { [moveMark]: true, value, transfer: list };
  return moved as unknown as T;
}

function ownTransfer(value: unknown): readonly Transferable[] {
  if (value instanceof ArrayBuffer || value instanceof MessagePort) return [value];
  if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) return [value.buffer];
  throw new TypeError(
    'move() needs a transfer list for a value that is not an ArrayBuffer, a view of one or a MessagePort',
  );
}
