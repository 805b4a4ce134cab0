/**
 * The pool's view of time. Every call reads the globals at call time, never
 * a reference captured at import, so that fake timers installed by a test
 * (sinon's `useFakeTimers`) drive timeouts, idle timeouts and the reaper.
 */

/** A timer handle, as `setTimeout` returns it (Node's `Timeout` or a fake). */
type TimerHandle = ReturnType<typeof setTimeout>;

/** Now, in ms, from `performance.now()`. */
export function now(): number {
  return performance.now();
}

/**
 * The clock `now()` reads: the `performance.now` in force. A test that
 * installs or removes fake timers changes it, and moments read on one clock
 * mean nothing on the other.
 */
export function currentClock(): unknown {
  return performance.now;
}

/**
 * The longest delay a timer takes: Node fires a longer one after 1 ms, with
 * a warning. A longer duration is waited for in steps of at most this much.
 */
export const MAX_DELAY = 2 ** 31 - 1;

const onStep = (timer: Timer<unknown>): void => timer.stepped();

/**
 * A one-shot timer that calls `callback(arg)` once `delay` ms have passed,
 * as the timer functions that started it count time. It reads `setTimeout`
 * and `clearTimeout` from the globals when it starts, and keeps them:
 *
 * - it is stopped with the `clearTimeout` that goes with the `setTimeout`
 *   that started it, also after a test installed or removed fake timers (a
 *   fake `clearTimeout` cannot clear a real timer, which would keep the
 *   process alive);
 * - {@link Timer.current} tells whether it runs on the timer functions in
 *   force now, so that an owner re-arms it on a new clock (a timer of a fake
 *   clock since uninstalled never fires);
 * - a delay longer than {@link MAX_DELAY} is waited for in steps, each
 *   counted on the same clock, never re-measured with `performance.now()`
 *   (which a test may leave real while it fakes `setTimeout`).
 *
 * `keepAlive: false` unrefs it, so that it never holds the process open by
 * itself. One object per owner, started again and again: nothing is
 * allocated per start beyond the handle.
 */
export class Timer<A> {
  readonly #callback: (arg: A) => void;
  readonly #arg: A;
  readonly #keepAlive: boolean;
  #handle: TimerHandle | undefined = undefined;
  #setTimeout: typeof setTimeout | undefined = undefined;
  #clearTimeout: typeof clearTimeout | undefined = undefined;
  /** What is left to wait once the current step ends. */
  #left = 0;

  constructor(callback: (arg: A) => void, arg: A, keepAlive: boolean) {
    this.#callback = callback;
    this.#arg = arg;
    this.#keepAlive = keepAlive;
  }

  /** Running, on the `setTimeout` in force now. */
  get current(): boolean {
    return this.#handle !== undefined && this.#setTimeout === globalThis.setTimeout;
  }

  /** (Re)starts it: `callback(arg)` after `delay` ms. */
  start(delay: number): void {
    this.stop();
    this.#left = delay;
    this.#step();
  }

  stop(): void {
    if (this.#handle === undefined) return;
    this.#clearTimeout!(this.#handle);
    this.#handle = undefined;
  }

  /** A step ended: waits for the next, or calls back. */
  stepped(): void {
    this.#handle = undefined;
    if (this.#left > 0) this.#step();
    else this.#callback(this.#arg);
  }

  #step(): void {
    const set = globalThis.setTimeout;
    this.#setTimeout = set;
    this.#clearTimeout = globalThis.clearTimeout;
    const delay = Math.min(this.#left, MAX_DELAY);
    this.#left -= delay;
    const handle = set(onStep, delay, this as Timer<unknown>);
    if (!this.#keepAlive) handle.unref?.();
    this.#handle = handle;
  }
}
