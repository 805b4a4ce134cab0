/** What the waiters need to know of the pool. */
export interface WaitConditions {
  /** Nothing queued, blocked or running. */
  isIdle(): boolean;
  /** Submissions that would be accepted now without the full-queue policy. */
  room(): number;
}

type Waiter = () => void;

// A reservation lasts until the next turn of the real event loop, also when a
// test fakes the timers: it is no duration a user sets, and a fake
// `setImmediate` would hold it until the test ticks the clock.
const { setImmediate: nextTurn, clearImmediate: cancelTurn } = globalThis;

/**
 * A promise that resolves when `waiters` calls it, or rejects with the
 * signal's reason when the signal aborts first, leaving `waiters` then.
 */
function wait(waiters: Waiter[], signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal === undefined) {
      waiters.push(resolve);
      return;
    }
    const waiter = (): void => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = (): void => {
      waiters.splice(waiters.indexOf(waiter), 1);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    waiters.push(waiter);
  });
}

/**
 * Everybody waiting on the pool: `drain()` (until idle), `ready()` (until
 * there is room) and `close()`/`terminate()` (until finished). They wait on
 * the pool's one change signal: after a change, one microtask later, every
 * condition is checked once, and `onFlush` runs (it feeds `state$`).
 *
 * `ready()` waiters are released in order and only as many as there is room
 * for: each release reserves a place until the next submission takes it, or
 * until the next turn of the event loop if the waiter never submits.
 */
export class Waiters {
  readonly #conditions: WaitConditions;
  readonly #onFlush: () => void;
  readonly #drain: Waiter[] = [];
  readonly #ready: Waiter[] = [];
  readonly #finish: Waiter[] = [];
  #scheduled = false;
  #reserved = 0;
  #finished = false;
  #expiry: ReturnType<typeof setImmediate> | undefined;

  constructor(conditions: WaitConditions, onFlush: () => void) {
    this.#conditions = conditions;
    this.#onFlush = onFlush;
  }

  /** Somebody waits for `drain()` or `ready()`. */
  get waiting(): boolean {
    return this.#drain.length > 0 || this.#ready.length > 0;
  }

  drain(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#conditions.isIdle()) return Promise.resolve();
    return wait(this.#drain, signal);
  }

  /** `unbounded`: the queue never fills, so there is always room. */
  ready(unbounded: boolean, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (unbounded || this.#finished) return Promise.resolve();
    if (this.hasRoom(false)) {
      this.#reserve();
      return Promise.resolve();
    }
    const promise = wait(this.#ready, signal);
    this.schedule();
    return promise;
  }

  /** Whether `ready()` would resolve at once; reserves nothing. */
  hasRoom(unbounded: boolean): boolean {
    return unbounded || this.#finished || (this.#ready.length === 0 && this.#free() > 0);
  }

  /**
   * A submission arrives, before it is placed. It takes a place a released
   * `ready()` reserved only if it needs one: while there is room beyond the
   * reservations, it may come from a producer that found room by itself
   * (`hasRoom()`), and the places stay reserved for the producers released.
   * So the room never falls below what is reserved, and a released producer
   * finds its place. A reservation left over expires at the next turn.
   */
  submitted(): void {
    if (this.#reserved > 0 && this.#conditions.room() <= this.#reserved) this.#reserved--;
  }

  /**
   * The pool went idle: `drain()` resolves now, for this moment, even if the
   * code it wakes submits more before any later check. Reservations stay: a
   * synchronous task leaves the pool idle for a moment while producers it
   * released have yet to submit.
   */
  idle(): void {
    for (const resolve of this.#drain.splice(0)) resolve();
  }

  finished(): Promise<void> {
    if (this.#finished) return Promise.resolve();
    return new Promise((resolve) => this.#finish.push(resolve));
  }

  /** Checks every condition after the current synchronous work. */
  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    void Promise.resolve().then(() => this.flush());
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#conditions.isIdle()) for (const resolve of this.#drain.splice(0)) resolve();
    while (this.#ready.length > 0 && this.#free() > 0) {
      this.#reserve();
      this.#ready.shift()!();
    }
    if (!this.#finished) this.#onFlush();
  }

  /** The pool has finished: release everybody. */
  finish(): void {
    this.#finished = true;
    if (this.#expiry !== undefined) cancelTurn(this.#expiry);
    this.#expiry = undefined;
    this.flush();
    for (const resolve of [...this.#ready.splice(0), ...this.#finish.splice(0)]) resolve();
  }

  #reserve(): void {
    this.#reserved++;
    // A released producer submits in its continuation; one that never does
    // (it was unsubscribed meanwhile) must not hold the place for long. The
    // turn keeps the process alive: a producer still waiting behind such a
    // place may have nothing else to wake it, and one turn holds nobody long.
    this.#expiry ??= nextTurn(() => {
      this.#expiry = undefined;
      this.#reserved = 0;
      if (this.#ready.length > 0) this.schedule();
    });
  }

  #free(): number {
    return this.#conditions.room() - this.#reserved;
  }
}
