/**
 * `Symbol.asyncDispose`, for `await using pool = new Pool(...)`. Node 20 does
 * not define it; transpilers then use `Symbol.for('Symbol.asyncDispose')`,
 * so the pool keys its method by that, and defines the global to match.
 */
const symbols = Symbol as { asyncDispose?: symbol };
symbols.asyncDispose ??= Symbol.for('Symbol.asyncDispose');

/** The key of a pool's `close()` as a disposer: `Symbol.asyncDispose`, defined if Node lacks it. */
export const asyncDispose: typeof Symbol.asyncDispose = symbols.asyncDispose as typeof Symbol.asyncDispose;
