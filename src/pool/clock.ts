/**
 * The pool's view of time. Every call reads the globals at call time, never
 * a reference captured at import, so that fake timers installed by a test
 * (sinon's `useFakeTimers`) drive timeouts, idle timeouts and the reaper.
 */

/** A timer handle, as `setTimeout` returns it (Node's `Timeout` or a fake). */
export type TimerHandle = ReturnType<typeof setTimeout>;

/** Now, in ms, from `performance.now()`. */
export function now(): number {
  return performance.now();
}

/**
 * The longest delay a timer takes: Node fires a longer one after 1 ms, with
 * a warning. A longer duration is waited for in steps of at most this much.
 */
export const MAX_DELAY = 2 ** 31 - 1;

/**
 * Calls `callback(arg)` after `delay` ms, or after {@link MAX_DELAY} if
 * `delay` is longer: the callback then checks the time and starts another
 * timer for the rest. `keepAlive: false` unrefs the timer so it never holds
 * the process open by itself.
 */
export function startTimer<A>(
  callback: (arg: A) => void,
  delay: number,
  arg: A,
  keepAlive: boolean,
): TimerHandle {
  const timer = globalThis.setTimeout(callback, Math.min(delay, MAX_DELAY), arg);
  if (!keepAlive) timer.unref?.();
  return timer;
}

/** Cancels a timer from {@link startTimer}. */
export function stopTimer(timer: TimerHandle): void {
  globalThis.clearTimeout(timer);
}
