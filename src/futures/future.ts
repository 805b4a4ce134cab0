import { Observable } from 'rxjs';
import { Err, Ok, type Result } from 'ts-results-es';
import { all, allSettled, any, race } from './combinators.js';
import { reportUnhandled } from './report.js';

/**
 * Where a task is in its life. `blocked`, `queued` and `running` are pending;
 * `succeeded`, `failed` and `cancelled` are final and never change again.
 */
export type FutureState = 'blocked' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** When a task was submitted, started and settled, in ms of `performance.now()`. */
export interface FutureTiming {
  /** When `submit` was called. */
  readonly submittedAt: number;
  /**
   * When it started on a worker (for a `ThreadPool`, was handed to its thread,
   * which may still be loading its module): absent until then, and for a task
   * that never starts.
   */
  readonly startedAt?: number;
  /** When it settled: absent while pending. */
  readonly settledAt?: number;
}

type Settled = 'succeeded' | 'failed' | 'cancelled';

type Resolve = (value: unknown) => void;
type Reject = (reason: unknown) => void;
/**
 * A synchronous listener: told whether the Future succeeded, its value or
 * error, and its place in the order in which watched Futures settled (see
 * {@link Future.onSettled}).
 */
type Listener = (succeeded: boolean, outcome: unknown, order: number) => void;

/** A pending Future that has synchronous listeners: its resolve function, and them. */
interface Watched {
  readonly resolve: Resolve;
  readonly listeners: Listener[];
  /** Its place among the settlements of watched Futures, once settled. */
  order: number;
}

/**
 * Settlements of Futures with synchronous listeners so far. Listeners are
 * told in the order their Futures settled, but for one settled while
 * another's settling was being told (by a listener of the pool's events):
 * its number tells then, where the two moments may be equal (a fake clock).
 */
let settlements = 0;

/**
 * `Promise`, typed so that a class can extend it without taking on its
 * static side (`Future.allSettled` resolves to Results, not to records).
 */
const NativePromise = Promise as new <T>(executor: (resolve: Resolve, reject: Reject) => void) => Promise<T>;

// Every Future is built with the same executor, which leaves its resolve
// function here for the constructor to take: no closure per Future. The
// reject function is not kept: at 56 bytes it would be a fifth of what a
// queued task costs, and failures can do without it (see `rejecting`).
let resolving: Resolve | undefined;
const keepResolve = (resolve: Resolve): void => {
  resolving = resolve;
};

/**
 * How a Future rejects with only its resolve function. Resolving a promise
 * reads the resolution's `then`; if that read throws, the standard rejects
 * the promise with what was thrown, at once. So a failure settles in the
 * same step as a success would, and its handlers keep their order among
 * other Futures'. One shared object: nothing is allocated per failure. (A
 * debugger set to pause on caught exceptions stops in this getter.)
 */
let failure: unknown;
const rejecting = {
  get then(): never {
    throw failure;
  },
};

const ignore = (): void => {};

// A moment is kept as the two 32-bit halves of its float64: int32s, which
// Node's 64-bit V8 stores in the object itself as small integers. Kept as a
// number, every moment would be a heap number of its own, allocated and then
// collected, three per task. The halves give back exactly the value
// `performance.now()` returned.
const moment = new Float64Array(1);
const halves = new Int32Array(moment.buffer);
/** Which half holds the sign and exponent: the second, on a little-endian machine. */
const HIGH = new Int8Array(new Int16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LOW = 1 - HIGH;
/** Splits `at`: `halves[HIGH]` and `halves[LOW]` then hold its two halves. */
const split = (at: number): void => {
  moment[0] = at;
};
const join = (high: number, low: number): number => ((halves[HIGH] = high), (halves[LOW] = low), moment[0]!);
split(NaN);
/** The high half of NaN: no moment has it, so it marks one not yet reached. */
const NOT_YET = halves[HIGH]!;

/**
 * The handle of one submitted task: it carries the task's result or error.
 *
 * A Future is a native promise: `await future`, `Promise.all(futures)` and
 * `then` take the engine's own path, with no adapter in between. Unlike a
 * bare promise, a failed Future that nobody observes never raises an
 * unhandled rejection. It settles exactly once. Only the pool settles it;
 * a reader can await it, read its {@link Future.state | state}, turn it into a
 * {@link Future.result | Result} or an Observable, or {@link Future.cancel | cancel} it.
 *
 * @example
 * ```ts
 * const future = pool.submit(async ({ signal }) => fetchJson(url, { signal }));
 * future.state;                      // 'queued' or 'running'
 * const result = await future.result();
 * if (result.isOk()) console.log(result.value);
 * ```
 */
export abstract class Future<T> extends NativePromise<T> {
  /** Resolves to the values of all futures, or rejects with the first failure (as `Promise.all`). */
  static readonly all = all;
  /** Resolves to a `Result` per future, in input order; never rejects. */
  static readonly allSettled = allSettled;
  /** Resolves with the first success, or rejects with an `AggregateError` (as `Promise.any`). */
  static readonly any = any;
  /** Settles as the first future to settle (as `Promise.race`). */
  static readonly race = race;
  /**
   * A Promise of `value`, as `Promise.resolve` makes it: only a pool makes
   * Futures. (Inherited as it is, it would try to build a Future.)
   */
  static resolve<T>(value: T): Promise<Awaited<T>> {
    return Promise.resolve(value);
  }
  /** A Promise rejected with `reason`, as `Promise.reject` makes it. */
  static reject<T = never>(reason?: unknown): Promise<T> {
    return Promise.reject(reason as Error);
  }

  /** The task's id, equal to `ctx.taskId` inside the task. */
  readonly id: number;

  #state: FutureState;
  #outcome: unknown = undefined;
  // While pending, its resolve function; with synchronous listeners
  // (`toObservable`), both, kept until the listeners are told. One field
  // rather than two: listeners are rare, and a queued task is 8 bytes smaller.
  // A settled Future that has told its listeners holds neither.
  #pending: Resolve | Watched | undefined;
  #submittedHigh: number;
  #submittedLow: number;
  #startedHigh = NOT_YET;
  #startedLow = 0;
  #settledHigh = NOT_YET;
  #settledLow = 0;

  /**
   * Made by a pool for each submission (a Future is never made by hand): `id`
   * is the task's, `state` where it starts (`'queued'`, `'blocked'`, or
   * settled at once when refused), `submittedAt` the `performance.now()` of
   * the submission.
   */
  protected constructor(id: number, state: FutureState, submittedAt: number) {
    super(keepResolve);
    this.#pending = resolving;
    resolving = undefined;
    this.id = id;
    this.#state = state;
    split(submittedAt);
    this.#submittedHigh = halves[HIGH]!;
    this.#submittedLow = halves[LOW]!;
  }

  /** The current state; see {@link FutureState}. */
  get state(): FutureState {
    return this.#state;
  }

  /** True once the Future has succeeded, failed or been cancelled. */
  get settled(): boolean {
    const state = this.#state;
    return state === 'succeeded' || state === 'failed' || state === 'cancelled';
  }

  /**
   * When the task was submitted, started and settled (`performance.now()` ms).
   * A moment not yet reached has no key: `{ submittedAt }` while queued.
   */
  get timing(): FutureTiming {
    const submittedAt = join(this.#submittedHigh, this.#submittedLow);
    const startedAt = this.#startedHigh === NOT_YET ? undefined : join(this.#startedHigh, this.#startedLow);
    const settledAt = this.#settledHigh === NOT_YET ? undefined : join(this.#settledHigh, this.#settledLow);
    if (startedAt === undefined)
      return settledAt === undefined ? { submittedAt } : { submittedAt, settledAt };
    return settledAt === undefined ? { submittedAt, startedAt } : { submittedAt, startedAt, settledAt };
  }

  /**
   * Cancels the task. A queued (or blocked) task is removed and never runs; a
   * running one has its `signal` aborted, and its worker slot frees only when
   * its function returns. The Future settles as `cancelled` at once with a
   * `CancelledError` whose `cause` is `reason`.
   *
   * @returns true if this call cancelled the task, false if it had already settled.
   */
  cancel(reason?: unknown): boolean {
    if (this.settled) return false;
    return this.requestCancel(reason);
  }

  /** How the owner cancels a pending task; returns whether it did. */
  protected abstract requestCancel(reason: unknown): boolean;

  /** `'Future'`: what `Object.prototype.toString` names it (`[object Future]`). */
  override get [Symbol.toStringTag](): string {
    return 'Future';
  }

  /** The outcome as a `Result`: `Ok(value)` or `Err(error)`. Never rejects. */
  result(): Promise<Result<T, unknown>> {
    return this.then(
      (value) => Ok(value),
      (error: unknown) => Err(error),
    );
  }

  /**
   * A cold Observable of the outcome: emits the value and completes, or
   * errors. Unsubscribing does not cancel the task.
   */
  toObservable(): Observable<T> {
    return new Observable<T>((subscriber) => {
      let active = true;
      const deliver = (succeeded: boolean, outcome: unknown): void => {
        if (!active) return;
        if (succeeded) {
          subscriber.next(outcome as T);
          subscriber.complete();
        } else {
          subscriber.error(outcome);
        }
      };
      this.onSettled(deliver);
      return () => {
        active = false;
        // Let go of the subscriber now, not when the Future settles.
        const pending = this.#pending;
        if (typeof pending === 'object') {
          const at = pending.listeners.indexOf(deliver);
          if (at !== -1) pending.listeners.splice(at, 1);
        }
      };
    });
  }

  /**
   * Calls `listener` synchronously when the pool tells of the settlement (see
   * {@link Future.notifySettled}), before it starts what the settlement made
   * room for; at once if the Future has settled. What `toObservable`,
   * `runInPool` and task groups build on: a stream ended by a result cancels
   * the next task before it starts.
   *
   * `order` tells which of two watched Futures settled first (the lower),
   * also when a listener of the pool's events settled one while the other's
   * settlement was being told. A Future that had settled before it was
   * watched gets the number of the latest settlement, as if it settled then.
   * @internal
   */
  onSettled(listener: Listener): void {
    if (this.settled) {
      listener(this.#state === 'succeeded', this.#outcome, settlements);
      return;
    }
    const pending = this.#pending!;
    if (typeof pending === 'function') this.#pending = { resolve: pending, listeners: [listener], order: 0 };
    else pending.listeners.push(listener);
  }

  /** The task moved before it settled: a blocked submission let in, a started one. */
  protected setState(state: 'blocked' | 'queued' | 'running'): void {
    this.#state = state;
  }

  /** The task started at `at` (`performance.now()` ms): it is running, and `timing.startedAt` says when. */
  protected markStarted(at: number): void {
    this.#state = 'running';
    split(at);
    this.#startedHigh = halves[HIGH]!;
    this.#startedLow = halves[LOW]!;
  }

  /**
   * Settles the Future. Callers check `settled` first: settling twice is a bug.
   * Its synchronous listeners (`toObservable` subscribers) are told by
   * {@link Future.notifySettled}, which the owner calls once it has reported the
   * settlement itself: what they do in turn comes after it.
   */
  protected settleAs(state: Settled, outcome: unknown, at: number): void {
    this.#state = state;
    split(at);
    this.#settledHigh = halves[HIGH]!;
    this.#settledLow = halves[LOW]!;
    this.#outcome = outcome;
    const pending = this.#pending!;
    let resolve: Resolve;
    if (typeof pending === 'function') {
      resolve = pending;
      this.#pending = undefined;
    } else {
      resolve = pending.resolve; // the record stays until its listeners are told
      pending.order = ++settlements;
    }
    if (state === 'succeeded') {
      resolve(outcome);
    } else {
      // Marked handled before it rejects, so that a failure nobody asked about stays quiet.
      super.then(undefined, ignore);
      failure = outcome;
      resolve(rejecting);
      failure = undefined;
    }
  }

  /** Tells the synchronous listeners that the Future has settled; returns whether it had any. */
  protected notifySettled(): boolean {
    const pending = this.#pending;
    if (typeof pending !== 'object') return false;
    this.#pending = undefined;
    const succeeded = this.#state === 'succeeded';
    for (const listener of pending.listeners) {
      // One that throws (a stack that overflowed downstream) is reported: the pool's step goes on.
      try {
        listener(succeeded, this.#outcome, pending.order);
      } catch (error) {
        reportUnhandled(error);
      }
    }
    return true;
  }
}
