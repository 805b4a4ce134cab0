import { MessageChannel, type MessagePort } from 'node:worker_threads';

/** What the waiters need to know of the pool, and what it does when they look. */
export interface WaitConditions {
  /** Nothing queued, blocked or running. */
  isIdle(): boolean;
  /** Submissions that would be accepted now without the full-queue policy (of tasks with `key`, if given). */
  room(key?: string): number;
  /** Before they look, after a change: it feeds `state$`. */
  publish(): void;
  /** After they looked (and released whom they could). */
  checked(): void;
}

type Waiter = () => void;

/** A producer waiting in `ready()`, for a task with `key` if given. */
interface ReadyWaiter {
  readonly release: Waiter;
  readonly key: string | undefined;
}

/** The calls due at the next turn, first asked first, and the channel whose message brings that turn. */
const due: NextTurn[] = [];
let receiver: MessagePort | undefined;
let sender: MessagePort | undefined;

function turnCame(): void {
  receiver!.unref();
  for (const next of due.splice(0)) next.fire();
}

/**
 * Calls its callback on a later turn of the event loop, after the microtasks
 * queued before: a message a channel sends itself. Not a timer: sinon's and
 * Jest's fake timers fake `setImmediate`, `nextTick` and `queueMicrotask` (in
 * the `timers` module too, so not even one taken at import is sure to be
 * real), and a reservation is no duration a test should have to tick. While a
 * call is due, the channel holds the process open (a producer waiting may
 * have nothing else to wake it); otherwise it holds nothing. Asked again
 * while a call is due, it makes no second one.
 *
 * One channel serves every pool, made on first need and kept: what it holds
 * between calls is the list of those due, so a pool nobody closed is still
 * collected once unreachable (an open port and its listener are never).
 */
class NextTurn {
  readonly #callback: () => void;
  #closed = false;
  #due = false;

  constructor(callback: () => void) {
    this.#callback = callback;
  }

  request(): void {
    if (this.#closed || this.#due) return;
    this.#due = true;
    if (due.push(this) > 1) return; // the message is on its way
    if (sender === undefined) {
      const channel = new MessageChannel();
      receiver = channel.port1;
      sender = channel.port2;
      receiver.on('message', turnCame);
    }
    receiver!.ref();
    sender.postMessage(undefined);
  }

  fire(): void {
    this.#due = false;
    if (!this.#closed) this.#callback();
  }

  close(): void {
    this.#closed = true;
  }
}

/**
 * A promise that resolves when the entry `make` builds around its release
 * function is released from `waiters`, or rejects with the signal's reason
 * when the signal aborts first, leaving `waiters` then (and calling `left`).
 */
function wait<E>(
  waiters: E[],
  signal: AbortSignal | undefined,
  make: (release: Waiter) => E,
  left?: () => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal === undefined) {
      waiters.push(make(resolve));
      return;
    }
    const entry = make(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    const onAbort = (): void => {
      waiters.splice(waiters.indexOf(entry), 1);
      reject(signal.reason);
      left?.();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    waiters.push(entry);
  });
}

const plain = (release: Waiter): Waiter => release;

/**
 * Everybody waiting on the pool: `drain()` (until idle), `ready()` (until
 * there is room) and `close()`/`terminate()` (until finished). They wait on
 * the pool's one change signal: after a change, one microtask later, the
 * pool publishes its state, then every condition is checked once.
 *
 * `ready()` waiters are released in order and only as many as there is room
 * for (a waiter whose task's key is busy lets those behind it go first):
 * each release reserves a place until the next submission takes it, or
 * until the next turn of the event loop if the waiter never submits.
 */
export class Waiters {
  readonly #conditions: WaitConditions;
  readonly #drain: Waiter[] = [];
  readonly #ready: ReadyWaiter[] = [];
  readonly #finish: Waiter[] = [];
  #scheduled = false;
  #reserved = 0;
  /** The key of the one among them released for a keyed task, if one was (see {@link #free}). */
  #reservedFor: string | undefined = undefined;
  readonly #onLeft = (): void => this.schedule();
  #finished = false;
  /** Lets the reservations go at the next turn. */
  readonly #expiry = new NextTurn(() => {
    this.#reserved = 0;
    this.#reservedFor = undefined;
    if (this.#ready.length > 0) this.schedule();
  });

  constructor(conditions: WaitConditions) {
    this.#conditions = conditions;
  }

  /** Somebody waits for `drain()` or `ready()`. */
  get waiting(): boolean {
    return this.#drain.length > 0 || this.#ready.length > 0;
  }

  drain(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#conditions.isIdle()) return Promise.resolve();
    return wait(this.#drain, signal, plain);
  }

  /** `unbounded`: the queue never fills, so there is always room. `key`: that of the task to come. */
  ready(unbounded: boolean, signal?: AbortSignal, key?: string): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (unbounded || this.#finished) return Promise.resolve();
    if (this.hasRoom(false, key)) {
      this.#reserve(key);
      return Promise.resolve();
    }
    // One who leaves may have held back those behind it, or been the last to wait.
    const promise = wait(this.#ready, signal, (release) => ({ release, key }), this.#onLeft);
    this.schedule();
    return promise;
  }

  /**
   * Whether `ready()` would resolve at once (for a task with `key`, if
   * given): there is room, and no producer waiting in line could take it
   * first. Reserves nothing.
   */
  hasRoom(unbounded: boolean, key?: string): boolean {
    if (unbounded || this.#finished) return true;
    if (this.#free(key) <= 0) return false;
    for (const waiter of this.#ready) if (this.#free(waiter.key) > 0) return false;
    return true;
  }

  /**
   * A submission arrives, before it is placed. It takes a place a released
   * `ready()` reserved only if it needs one: while there is room beyond the
   * reservations, it may come from a producer that found room by itself
   * (`hasRoom()`), and the places stay reserved for the producers released.
   * So the room never falls below what is reserved, and a released producer
   * finds its place. A reservation left over expires at the next turn.
   */
  submitted(key?: string): void {
    if (this.#reserved === 0) return;
    const forKey = key !== undefined && key === this.#reservedFor;
    if (forKey || this.#conditions.room() <= this.#reserved) {
      this.#reserved--;
      if (forKey) this.#reservedFor = undefined;
    }
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
    // First: what its listeners (`state$`) submit is in before any place is reserved, and cannot
    // take the place of a producer released below.
    if (!this.#finished) this.#conditions.publish();
    if (this.#conditions.isIdle()) for (const resolve of this.#drain.splice(0)) resolve();
    // In order, each as there is room for its task: one whose key is busy holds back nobody.
    for (let i = 0; i < this.#ready.length;) {
      const waiter = this.#ready[i]!;
      if (this.#free(waiter.key) <= 0) {
        i++;
        continue;
      }
      this.#ready.splice(i, 1);
      this.#reserve(waiter.key);
      waiter.release();
    }
    if (!this.#finished) this.#conditions.checked();
  }

  /** The pool has finished: release everybody. */
  finish(): void {
    this.#finished = true;
    this.#expiry.close();
    this.flush();
    for (const { release } of this.#ready.splice(0)) release();
    for (const resolve of this.#finish.splice(0)) resolve();
  }

  #reserve(key: string | undefined): void {
    this.#reserved++;
    if (key !== undefined) this.#reservedFor = key;
    // A released producer submits in its continuation; one that never does
    // (it was unsubscribed meanwhile) must not hold the place for long. The
    // expiry keeps the process alive: a producer still waiting behind such a
    // place may have nothing else to wake it.
    this.#expiry.request();
  }

  /**
   * Places free beyond the reservations, for a task with `key` if given.
   * Keyed tasks take places the counts do not tell apart (the first of a
   * key may take a worker, the next only a place in the queue, and another
   * key's task may need that same place): a producer of one is released
   * only while no place is held for another producer, and then holds the
   * one keyed place until it submits.
   */
  #free(key?: string): number {
    if (key === undefined) return this.#conditions.room() - this.#reserved;
    return this.#reserved === 0 ? this.#conditions.room(key) : 0;
  }
}
