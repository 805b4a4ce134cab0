/**
 * The rate limit (`rateLimit: { limit, interval }`): at most `limit` tasks
 * start in any `interval` ms.
 *
 * A sliding window, not fixed ones: the window ends now and reaches back
 * `interval` ms, so no stretch of that length ever holds more than `limit`
 * starts (fixed windows, as p-queue's `intervalCap` counts them, let twice
 * the limit through around a window's edge). It keeps the start times of
 * the window's tasks in a ring of at most `limit` doubles, which grows
 * only as starts come that close together.
 */
export class StartWindow {
  readonly limit: number;
  readonly interval: number;
  #times: Float64Array;
  #head = 0;
  #size = 0;

  constructor(limit: number, interval: number) {
    this.limit = limit;
    this.interval = interval;
    this.#times = new Float64Array(Math.min(limit, 16));
  }

  /** How many tasks may start at `at` (ms of `performance.now()`, never earlier than the last call's). */
  left(at: number): number {
    const times = this.#times;
    // A start `interval` ms ago is out: the window is (at − interval, at].
    while (this.#size > 0 && times[this.#head]! + this.interval <= at) {
      this.#head = this.#head + 1 === times.length ? 0 : this.#head + 1;
      this.#size--;
    }
    return this.limit - this.#size;
  }

  /** When the next task may start, once none may now: when the window's first start leaves it. */
  opensAt(): number {
    return this.#times[this.#head]! + this.interval;
  }

  /** A task started at `at`, which {@link left} allowed. */
  record(at: number): void {
    if (this.#size === this.#times.length) this.#grow();
    const times = this.#times;
    const index = this.#head + this.#size;
    times[index < times.length ? index : index - times.length] = at;
    this.#size++;
  }

  #grow(): void {
    const old = this.#times;
    const times = new Float64Array(Math.min(old.length * 2, this.limit));
    for (let i = 0; i < this.#size; i++) {
      const index = this.#head + i;
      times[i] = old[index < old.length ? index : index - old.length]!;
    }
    this.#times = times;
    this.#head = 0;
  }
}
