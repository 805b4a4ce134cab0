/**
 * The promise machinery under every Future: `then`, `catch` and `finally`
 * without a native promise in between.
 *
 * `await future` and `Promise.all(futures)` call `then` on anything that is
 * not a native promise. Had `then` forwarded to a promise of the Future's
 * own, each await would pay for that promise, its resolving functions, the
 * derived promise and one more microtask: more than the whole task costs.
 * Here `then` records the handlers on the handle, and settling runs them from
 * one shared microtask per batch. What `then` returns is a {@link Continuation}:
 * a handle of the same kind, which behaves as a promise does, down to an
 * unhandled rejection when it fails and nobody is listening.
 */

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;
type Phase = typeof PENDING | typeof FULFILLED | typeof REJECTED;

type Handler = ((value: never) => unknown) | null | undefined;

// Pairs of (settled source, continuation to run), in the order they became
// due, in `due[0 .. dueLength)`. A drain takes the array and leaves the spare
// one for what becomes due meanwhile: that waits for the next drain, behind
// the microtasks queued before it, as a promise's reactions would.
let due: unknown[] = [];
let spare: unknown[] = [];
let dueLength = 0;
// A drain is queued as a microtask.
let scheduled = false;
// The drain is a reaction of a native promise rather than a `queueMicrotask`
// callback, which fake timers replace: awaiting a Future must not need a tick.
const resolved = Promise.resolve();

function schedule(source: Awaitable<unknown>, continuation: Continuation<unknown>): void {
  due[dueLength++] = source;
  due[dueLength++] = continuation;
  if (scheduled) return;
  scheduled = true;
  void resolved.then(drain);
}

function drain(): void {
  const batch = due;
  const length = dueLength;
  due = spare;
  dueLength = 0;
  scheduled = false;
  for (let i = 0; i < length; i += 2) {
    const source = batch[i] as Awaitable<unknown>;
    const continuation = batch[i + 1] as Continuation<unknown>;
    batch[i] = batch[i + 1] = undefined;
    continuation.run(source);
  }
  // After a burst, let the array shrink rather than hold its peak.
  if (batch.length > 4096) batch.length = 0;
  spare = batch;
}

const isObjectLike = (value: unknown): value is object =>
  (typeof value === 'object' && value !== null) || typeof value === 'function';

/**
 * A handle that settles once, fulfilled or rejected, and runs the handlers
 * given to `then` after it does, each in a microtask, in the order given.
 * Structurally a `Promise`, so it can be awaited, chained and passed wherever
 * a promise is expected.
 */
export abstract class Awaitable<T> implements Promise<T> {
  #phase: Phase = PENDING;
  #outcome: unknown = undefined;
  // One continuation, or several in the order `then` was called.
  #reactions: Continuation<unknown> | Continuation<unknown>[] | undefined = undefined;

  abstract readonly [Symbol.toStringTag]: string;

  /** Like `Promise.prototype.then`: what `await` calls. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    // `any`, as in Promise: a handler may declare the error type it expects.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const next = new Continuation<R1 | R2>(onFulfilled, onRejected);
    if (this.#phase !== PENDING) schedule(this, next);
    else {
      const reactions = this.#reactions;
      if (reactions === undefined) this.#reactions = next;
      else if (Array.isArray(reactions)) reactions.push(next);
      else this.#reactions = [reactions, next];
    }
    return next;
  }

  /** Like `Promise.prototype.catch`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  catch<R = never>(onRejected?: ((reason: any) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onRejected);
  }

  /** Like `Promise.prototype.finally`: runs `onFinally`, waits for what it returns, then passes the outcome on. */
  finally(onFinally?: (() => void) | null): Promise<T> {
    if (typeof onFinally !== 'function') return this.then(onFinally, onFinally);
    return this.then(
      (value) => Promise.resolve(onFinally()).then(() => value),
      (error: unknown) =>
        Promise.resolve(onFinally()).then(() => {
          throw error;
        }),
    );
  }

  /** The value it fulfilled with or the error it rejected with; undefined while pending. */
  protected get outcome(): unknown {
    return this.#outcome;
  }

  /** Fulfils with `value` (never a thenable) and schedules the handlers. */
  protected fulfil(value: unknown): void {
    this.#settle(FULFILLED, value);
  }

  /** Rejects with `error` and schedules the handlers. */
  protected reject(error: unknown): void {
    const observed = this.#reactions !== undefined;
    this.#settle(REJECTED, error);
    if (!observed) this.rejectedUnobserved(error);
  }

  /** Called when it rejects with no handler yet. A Future stays quiet: nobody asked for its outcome. */
  protected rejectedUnobserved(error: unknown): void {
    void error;
  }

  #settle(phase: Phase, outcome: unknown): void {
    this.#phase = phase;
    this.#outcome = outcome;
    const reactions = this.#reactions;
    if (reactions === undefined) return;
    this.#reactions = undefined;
    if (Array.isArray(reactions)) for (const next of reactions) schedule(this, next);
    else schedule(this, reactions);
  }

  /**
   * The Promise reaction job: settles `next` with what the handler for
   * `source`'s outcome returns or throws, or with the outcome itself when
   * there is no such handler.
   */
  protected static react(
    source: Awaitable<unknown>,
    next: Continuation<unknown>,
    onFulfilled: Handler,
    onRejected: Handler,
  ): void {
    const fulfilled = source.#phase === FULFILLED;
    const outcome = source.#outcome;
    const handler = fulfilled ? onFulfilled : onRejected;
    if (typeof handler !== 'function') {
      if (fulfilled) next.fulfil(outcome);
      else next.reject(outcome);
      return;
    }
    let result: unknown;
    try {
      result = (handler as (value: unknown) => unknown)(outcome);
    } catch (error) {
      next.reject(error);
      return;
    }
    next.resolve(result);
  }
}

/**
 * What `then` returns: settles with what its handler returns or throws, or
 * takes the outcome over unchanged when there is no handler for it. It
 * behaves as the promise `then` would have returned, including an unhandled
 * rejection when it rejects and nobody handles it.
 */
export class Continuation<T> extends Awaitable<T> {
  #onFulfilled: Handler;
  #onRejected: Handler;
  // A native promise takes over once one is needed: to report an unhandled
  // rejection, or to adopt a thenable a handler returned.
  #promise: Promise<T> | undefined = undefined;

  constructor(onFulfilled: Handler, onRejected: Handler) {
    super();
    this.#onFulfilled = onFulfilled;
    this.#onRejected = onRejected;
  }

  get [Symbol.toStringTag](): string {
    return 'Promise';
  }

  override then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const promise = this.#promise;
    if (promise !== undefined) return promise.then(onFulfilled, onRejected);
    return super.then(onFulfilled, onRejected);
  }

  /** Runs the handler for `source`'s outcome; called once, from the drain. */
  run(source: Awaitable<unknown>): void {
    const onFulfilled = this.#onFulfilled;
    const onRejected = this.#onRejected;
    this.#onFulfilled = this.#onRejected = undefined;
    Awaitable.react(source, this, onFulfilled, onRejected);
  }

  /** The Promise resolution procedure: adopts a thenable, fulfils with anything else. */
  resolve(value: unknown): void {
    if (value === this) {
      this.reject(new TypeError('a continuation cannot resolve to itself'));
      return;
    }
    if (!isObjectLike(value)) {
      this.fulfil(value);
      return;
    }
    let then: unknown;
    try {
      then = (value as { then?: unknown }).then;
    } catch (error) {
      this.reject(error);
      return;
    }
    if (typeof then !== 'function') {
      this.fulfil(value);
      return;
    }
    // A native promise adopts it by the standard's rules, `then` read once above.
    const adopted = new Promise<T>((resolve, reject) => {
      (then as (onFulfilled: unknown, onRejected: unknown) => unknown).call(value, resolve, reject);
    });
    adopted.then(
      (result) => this.fulfil(result),
      (error: unknown) => this.reject(error),
    );
  }

  protected override rejectedUnobserved(error: unknown): void {
    // Reported by the runtime, as any promise is, unless a handler comes in time.
    this.#promise = Promise.reject(error);
  }
}
