import { currentClock, Timer } from './clock.js';

/**
 * The rate limit (`rateLimit: { limit, interval }`): at most `limit` tasks
 * start in any `interval` ms.
 *
 * A sliding window, not fixed ones: the window ends now and reaches back
 * `interval` ms, so no stretch of that length ever holds more than `limit`
 * starts (fixed windows, as p-queue's `intervalCap` counts them, let twice
 * the limit through around a window's edge). It keeps the start times of
 * the window's tasks in a ring of at most `limit` doubles, in order, which
 * grows only as starts come that close together.
 *
 * A start may be pending: given to a worker that is still starting (a
 * thread loading its module), the task is called only once it has. Until
 * then it holds its place for good (its time is `Infinity`, at the end of
 * the ring), so that no later task is called within `interval` ms of it;
 * {@link StartWindow.confirm} gives it its time.
 *
 * Its times are those of one clock: when the `performance.now` in force
 * changes (a test installs or removes fake timers), the starts it holds are
 * forgotten, pending ones aside, as no moment of the new clock compares with
 * them.
 */
export class StartWindow {
  readonly limit: number;
  readonly interval: number;
  #times: Float64Array;
  #head = 0;
  #size = 0;
  /** Pending starts: the last entries of the ring. */
  #pending = 0;
  /** The latest moment seen: the ring stays in order though a caller's reading is older. */
  #latest = -Infinity;
  /** The clock its times were read on. */
  #clock: unknown = currentClock();

  constructor(limit: number, interval: number) {
    this.limit = limit;
    this.interval = interval;
    this.#times = new Float64Array(Math.min(limit, 16));
  }

  /** How many tasks may start at `at` (ms of `performance.now()`). */
  left(at: number): number {
    this.#sameClock();
    if (at > this.#latest) this.#latest = at;
    const times = this.#times;
    // A start `interval` ms ago is out: the window is (at − interval, at]. A pending one never is.
    while (this.#size > 0 && times[this.#head]! + this.interval <= at) {
      this.#head = this.#head + 1 === times.length ? 0 : this.#head + 1;
      this.#size--;
    }
    return this.limit - this.#size;
  }

  /**
   * When the next task may start, once none may now: when the window's
   * first start leaves it. `Infinity` while every start in it is pending:
   * the next {@link confirm} tells.
   */
  opensAt(): number {
    return this.#times[this.#head]! + this.interval;
  }

  /**
   * A task started at `at`, which {@link left} allowed (or, `pending`, it
   * will start once its worker has). A reading older than one seen already
   * counts as that one: later, so the window holds no less.
   */
  record(at: number, pending = false): void {
    this.#sameClock();
    if (this.#size === this.#times.length) this.#grow();
    const time = pending ? Infinity : Math.max(at, this.#latest);
    if (!pending) this.#latest = time;
    // Before the pending ones: they stay last.
    this.#set(this.#size, Infinity);
    this.#set(this.#size - this.#pending, time);
    this.#size++;
    if (pending) this.#pending++;
  }

  /** A pending start happened at `at`: the first of them takes that time. */
  confirm(at: number): void {
    this.#sameClock();
    const time = Math.max(at, this.#latest);
    this.#latest = time;
    // Every other entry before it is earlier: it keeps its place.
    this.#set(this.#size - this.#pending, time);
    this.#pending--;
  }

  /** On another clock than its times': only the pending starts, which have none yet, stay. */
  #sameClock(): void {
    const clock = currentClock();
    if (clock === this.#clock) return;
    this.#clock = clock;
    this.#latest = -Infinity;
    this.#head = 0;
    this.#size = this.#pending;
    this.#times.fill(Infinity, 0, this.#pending);
  }

  /** Sets the entry `offset` places after the first. */
  #set(offset: number, time: number): void {
    const times = this.#times;
    const index = this.#head + offset;
    times[index < times.length ? index : index - times.length] = time;
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

const onWindowOpen = (gate: RateGate): void => gate.opened();

/**
 * The pool's rate limit: the {@link StartWindow} of its starts, and a timer
 * for the moment the window next has room, when tasks wait for it. The
 * timer reads the timer globals (fake timers drive it) and holds the
 * process open while it runs: the pool stops it as soon as nothing waits.
 */
export class RateGate {
  readonly #window: StartWindow;
  readonly #timer: Timer<RateGate>;
  readonly #onOpen: () => void;

  /** `onOpen`: called when the window has room again, after none had. */
  constructor(limit: number, interval: number, onOpen: () => void) {
    this.#window = new StartWindow(limit, interval);
    this.#timer = new Timer(onWindowOpen, this as RateGate, true);
    this.#onOpen = onOpen;
  }

  /**
   * How many tasks may start at `at`. When none may and `arm`, the timer is
   * set for the moment one may; while every start in the window is pending,
   * the next {@link confirm} says when that is.
   */
  allows(at: number, arm: boolean): number {
    const window = this.#window;
    const left = window.left(at);
    // One set on the clock in force fires no later than this one would: the window only moves on.
    if (left === 0 && arm && !this.#timer.current) {
      const opensAt = window.opensAt();
      if (opensAt !== Infinity) this.#timer.start(opensAt - at);
    }
    return left;
  }

  /** See {@link StartWindow.record}. */
  record(at: number, pending: boolean): void {
    this.#window.record(at, pending);
  }

  /** See {@link StartWindow.confirm}. */
  confirm(at: number): void {
    this.#window.confirm(at);
  }

  /** Nothing waits for the window: its timer stops, and holds the process no longer. */
  idle(): void {
    this.#timer.stop();
  }

  opened(): void {
    this.#onOpen();
  }
}
