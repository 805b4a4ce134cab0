/**
 * The error classes rxpool raises. A task's own thrown value is never
 * wrapped: it reaches the caller unchanged. These classes describe what the
 * pool did to a task (cancelled it, timed it out, refused it, lost its thread).
 *
 * @example
 * ```ts
 * import { Pool, QueueFullError } from 'rxpool';
 * const pool = new Pool({ maxWorkers: 1, queueCapacity: 0 });
 * pool.submit(() => new Promise(() => {}));
 * const refused = await pool.submit(() => 1).result();
 * refused.isErr() && refused.error instanceof QueueFullError; // true
 * ```
 * @module
 */

/** Context carried by a {@link PoolError}: what it concerns. */
export interface PoolErrorContext {
  /** The task the error concerns, when there is one. */
  readonly taskId?: number;
  /** Why it happened: the reason passed to `cancel()`, an abort reason, a thread's error. */
  readonly cause?: unknown;
}

/**
 * Names each of rxpool's error classes on its prototype, under a key shared
 * by every copy of the package: an application that loads both its ESM and
 * its CommonJS build has two `QueueFullError` classes, and an error made by
 * one is still an `instanceof` the other.
 */
const kind = Symbol.for('rxpool.error.kind');

/** The kind named on `prototype` itself, if any (a user's subclass names none). */
const ownKind = (prototype: object): unknown =>
  Object.hasOwn(prototype, kind) ? (prototype as Record<symbol, unknown>)[kind] : undefined;

/**
 * The kinds of rxpool error `error` is, its own class's first
 * (`['TimeoutError', 'PoolError']`): empty for any other value. What a
 * thread's copy of the package needs to tell them, as `instanceof` does.
 * @internal
 */
export function errorKinds(error: unknown): string[] {
  const kinds: string[] = [];
  if (typeof error !== 'object' || error === null) return kinds;
  for (let proto = Object.getPrototypeOf(error) as object | null; proto !== null;) {
    const named = ownKind(proto);
    if (typeof named === 'string') kinds.push(named);
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return kinds;
}

/**
 * Base class of every error the pool itself raises. `code` is a stable
 * string to branch on (`err.code === 'ERR_QUEUE_FULL'`); `name` is the class name.
 * `instanceof` holds across rxpool's ESM and CommonJS builds.
 */
export class PoolError extends Error {
  /** An instance of this class, made by this copy of rxpool or by another (its ESM or CommonJS build). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const wanted = ownKind(this.prototype as object);
    if (wanted === undefined || typeof value !== 'object' || value === null) return false;
    let proto = Object.getPrototypeOf(value) as object | null;
    while (proto !== null) {
      if (ownKind(proto) === wanted) return true;
      proto = Object.getPrototypeOf(proto) as object | null;
    }
    return false;
  }

  /** A stable, machine-readable code, such as `'ERR_CANCELLED'`. */
  readonly code: string;
  /** The task this error concerns, if any. */
  readonly taskId: number | undefined;

  /**
   * @param code - the stable code of the error's kind.
   * @param message - what happened, for people.
   * @param context - the task it concerns, and `cause`: why (kept as the standard `Error` cause).
   */
  constructor(code: string, message: string, context: PoolErrorContext = {}) {
    // Read with care: plain JavaScript may pass anything here.
    const known = typeof context === 'object' && context !== null;
    super(message, known && 'cause' in context ? { cause: context.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.taskId = known ? context.taskId : undefined;
  }
}

/**
 * A task was cancelled: by `Future.cancel()`, by its `signal`, by a group, or
 * by `terminate()`. `cause` holds the reason given, if any.
 *
 * @example
 * ```ts
 * const future = pool.submit(({ signal }) => download(url, { signal }));
 * future.cancel('user left');
 * const result = await future.result();
 * result.isErr() && result.error instanceof CancelledError; // true; result.error.cause === 'user left'
 * ```
 */
export class CancelledError extends PoolError {
  /**
   * @param message - defaults to `'The task was cancelled'`.
   * @param context - the task, and `cause`: the reason given.
   */
  constructor(message = 'The task was cancelled', context?: PoolErrorContext) {
    super('ERR_CANCELLED', message, context);
  }
}

/**
 * A task ran longer than its `timeout` (counted from its start). Its signal
 * aborts with this error, and its Future fails with it.
 *
 * @example
 * ```ts
 * const result = await pool.submit(({ signal }) => query(sql, { signal }), { timeout: 1_000 }).result();
 * if (result.isErr() && result.error instanceof TimeoutError) console.log(result.error.timeout); // 1000
 * ```
 */
export class TimeoutError extends PoolError {
  /** The timeout that elapsed, in ms. */
  readonly timeout: number;

  /**
   * @param timeout - the timeout that elapsed, in ms (named in the message).
   * @param context - the task that timed out.
   */
  constructor(timeout: number, context?: PoolErrorContext) {
    super('ERR_TIMEOUT', `The task timed out after ${timeout} ms`, context);
    this.timeout = timeout;
  }
}

/**
 * A submission found the queue full under `onFull: 'reject'`.
 *
 * @example
 * ```ts
 * const pool = new Pool({ maxWorkers: 1, queueCapacity: 0 });
 * pool.submit(() => new Promise(() => {}));
 * const refused = await pool.submit(() => 1).result(); // Err(QueueFullError), refused.error.capacity === 0
 * ```
 */
export class QueueFullError extends PoolError {
  /** The queue's capacity when the task was refused. */
  readonly capacity: number;

  /**
   * @param capacity - the queue's capacity (named in the message).
   * @param context - the task refused.
   */
  constructor(capacity: number, context?: PoolErrorContext) {
    super('ERR_QUEUE_FULL', `The queue is full (queueCapacity: ${capacity})`, context);
    this.capacity = capacity;
  }
}

/**
 * A task was dropped by `onFull: 'discard'` or `'discard-oldest'`: its
 * Future is cancelled with this error (it is not a `CancelledError`).
 *
 * @example
 * ```ts
 * const pool = new Pool({ maxWorkers: 1, queueCapacity: 0, onFull: 'discard' });
 * pool.submit(() => new Promise(() => {}));
 * const dropped = pool.submit(() => 1);
 * dropped.state; // 'cancelled'; await dropped.result() is Err(DiscardedError)
 * ```
 */
export class DiscardedError extends PoolError {
  /**
   * @param message - defaults to `'The task was discarded because the queue was full'`.
   * @param context - the task dropped.
   */
  constructor(message = 'The task was discarded because the queue was full', context?: PoolErrorContext) {
    super('ERR_DISCARDED', message, context);
  }
}

/**
 * A task was submitted to a pool that is closing, closed or terminated.
 *
 * @example
 * ```ts
 * void pool.close();
 * const late = await pool.submit(() => 1).result(); // Err(PoolClosedError): submit never throws for it
 * ```
 */
export class PoolClosedError extends PoolError {
  /** @param context - the task refused. */
  constructor(context?: PoolErrorContext) {
    super('ERR_POOL_CLOSED', 'The pool is closed and accepts no more tasks', context);
  }
}

/**
 * A worker thread crashed or exited while running a task (or could not be
 * started for it), or died between tasks; the pool replaces it. `cause` is
 * what the thread died of. A task's Future fails with it; the `'crash'`
 * scaling event and `worker:stopped` carry it as `error`.
 *
 * @example
 * ```ts
 * const result = await threads.run('parse', hugeInput).result();
 * if (result.isErr() && result.error instanceof WorkerCrashedError) console.log(result.error.workerId, result.error.cause);
 * ```
 */
export class WorkerCrashedError extends PoolError {
  /** The worker that was lost. */
  readonly workerId: number;

  /**
   * @param workerId - the worker lost (named in the message).
   * @param context - the task it was running, if any, and `cause`: what the thread died of.
   */
  constructor(workerId: number, context?: PoolErrorContext) {
    const running = typeof context === 'object' && context !== null && context.taskId !== undefined;
    super(
      'ERR_WORKER_CRASHED',
      `Worker ${workerId} crashed${running ? ' while running a task' : ''}`,
      context,
    );
    this.workerId = workerId;
  }
}

/** rxpool's error classes, by kind (their name). @internal */
export const errorClassesByKind: Readonly<Record<string, new (...args: never[]) => PoolError>> = {
  PoolError,
  CancelledError,
  TimeoutError,
  QueueFullError,
  DiscardedError,
  PoolClosedError,
  WorkerCrashedError,
};

for (const [name, errorClass] of Object.entries(errorClassesByKind)) {
  Object.defineProperty(errorClass.prototype, kind, { value: name });
}
