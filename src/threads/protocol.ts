import type { MessagePort } from 'node:worker_threads';
import { errorClassesByKind, errorKinds } from '../errors.js';

/**
 * The messages between a pool and its worker threads, and how a thrown value
 * crosses the thread boundary. Values are structured-cloned. An `Error` is
 * sent as a record (name, message, stack, own properties, cause): cloning an
 * error keeps only the standard names (a `class HttpError` arrives as
 * `Error`) and drops its own properties (`code`, `status`).
 *
 * The thread side of this protocol is the bootstrap source in `bootstrap.ts`.
 */

/** An `Error`, as sent across the thread boundary. */
export interface ErrorRecord {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  /** Its own enumerable properties that can be cloned (`code`, `status`, ...). */
  readonly props: Readonly<Record<string, unknown>>;
  readonly cause?: ThrownRecord;
  /** An `AggregateError`'s errors (a property of its own, but not enumerable). */
  readonly errors?: readonly ThrownRecord[];
  /** For one of rxpool's errors, its kinds, its own class's first (see `errorKinds`). */
  readonly kinds?: readonly string[];
}

/** A thrown value: an error as a record, anything else as itself (cloned). */
export type ThrownRecord =
  | { readonly kind: 'error'; readonly error: ErrorRecord }
  | { readonly kind: 'value'; readonly value: unknown };

/**
 * Pool → thread: call the export `fn` with `args`, as task `id`: now
 * (`'run'`), or, offered while the thread runs a task, as soon as that task
 * has returned, unless the pool recalls it first (`'offer'`; whichever comes
 * first wins, through the thread's offer slot, see `ThreadData.offers`).
 * An array, as the answer it gets: the messages of every task are cloned
 * both ways, and an array clones faster than an object with named fields.
 */
export type TaskMessage = readonly [type: 'run' | 'offer', id: number, fn: string, args: readonly unknown[]];

/** Pool → thread: abort task `id`'s signal with `reason`. */
export interface AbortMessage {
  readonly type: 'abort';
  readonly id: number;
  readonly reason: ThrownRecord;
}

/**
 * What a pool sends to a thread.
 *
 * @example
 * ```ts
 * thread.postMessage(['run', 7, 'fib', [30]] satisfies PoolMessage);
 * ```
 */
export type PoolMessage = TaskMessage | AbortMessage;

/** Thread → pool: task `id` returned `value` (awaited). An array, as `TaskMessage` is. */
export type DoneMessage = readonly [id: number, value: unknown];

/** Thread → pool: task `id` threw (or rejected with) `error`. */
export interface FailedMessage {
  readonly type: 'failed';
  readonly id: number;
  readonly error: ThrownRecord;
}

/**
 * Thread → pool, once: the module has loaded (or failed to, and each task
 * fails with the loader's error); tasks start without waiting from now on.
 */
export interface LoadedMessage {
  readonly type: 'loaded';
}

/**
 * What a thread sends to its pool.
 *
 * @example
 * ```ts
 * port.postMessage([7, 832040] satisfies ThreadMessage); // task 7 returned 832040
 * ```
 */
export type ThreadMessage = DoneMessage | FailedMessage | LoadedMessage;

/** Pool → thread, first, on the thread's `parentPort`: what it needs to start. */
export interface ThreadData {
  /** The file URL of the module whose exports the tasks call. */
  readonly moduleUrl: string;
  readonly workerId: number;
  /** The thread's end of the channel the protocol's messages take (transferred). */
  readonly port: MessagePort;
  /**
   * One `Int32` both sides change atomically: the id of the task offered,
   * until the thread takes it (0) or the pool recalls it (minus its id,
   * until the thread, reading the offer, sets 0). The pool offers a task
   * only while it holds 0.
   */
  readonly offers: SharedArrayBuffer;
}

// Causes nest; a cycle (an error that is its own cause) must end somewhere.
const maxCauseDepth = 8;

const cloneable = (value: unknown): boolean => {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
};

const describe = (value: unknown): string => {
  try {
    return String(value);
  } catch {
    // A revoked proxy: even its tag cannot be read.
    return readOr(() => Object.prototype.toString.call(value), 'an unreadable value');
  }
};

/** What `read()` gives, or `otherwise` when it throws (a getter, a revoked proxy). */
function readOr<T, U>(read: () => T, otherwise: U): T | U {
  try {
    return read();
  } catch {
    return otherwise;
  }
}

const unreadable = Symbol('unreadable');

/**
 * Records a thrown value for `postMessage`; what cannot be cloned is described in a message instead.
 * An error's parts are read one by one: a getter that throws loses only the part it stands for.
 *
 * @example
 * ```ts
 * const reason = recordThrown(new TimeoutError(100)); // { kind: 'error', error: { name: 'TimeoutError', ... } }
 * port.postMessage({ type: 'abort', id, reason });
 * ```
 */
export function recordThrown(thrown: unknown, depth = 0): ThrownRecord {
  return recordRead(() => thrown, depth);
}

/** The record of what `read()` gives; if reading it throws (a getter, a revoked proxy), of an Error that says so. */
function recordRead(read: () => unknown, depth: number): ThrownRecord {
  try {
    return record(read(), depth);
  } catch (error) {
    const message = `a value that cannot be read was thrown: ${describe(error)}`;
    return { kind: 'error', error: { name: 'Error', message, stack: undefined, props: {} } };
  }
}

function record(thrown: unknown, depth: number): ThrownRecord {
  if (!(thrown instanceof Error)) {
    if (cloneable(thrown)) return { kind: 'value', value: thrown };
    const message = `a value that cannot be cloned was thrown: ${describe(thrown)}`;
    return { kind: 'error', error: { name: 'Error', message, stack: undefined, props: {} } };
  }
  const props: Record<string, unknown> = {};
  for (const key of readOr(() => Object.keys(thrown), [])) {
    const value =
      key === 'cause'
        ? unreadable
        : readOr(() => (thrown as unknown as Record<string, unknown>)[key], unreadable);
    if (value !== unreadable && cloneable(value)) props[key] = value;
  }
  const stack = readOr(() => thrown.stack, undefined);
  const error: { -readonly [K in keyof ErrorRecord]: ErrorRecord[K] } = {
    name: readOr(() => String(thrown.name), 'Error'),
    message: readOr(() => String(thrown.message), ''),
    stack: typeof stack === 'string' ? stack : undefined,
    props,
  };
  const kinds = readOr(() => errorKinds(thrown), []);
  if (kinds.length > 0) error.kinds = kinds;
  if (depth < maxCauseDepth) {
    if (readOr(() => 'cause' in thrown, false)) error.cause = recordRead(() => thrown.cause, depth + 1);
    const errors = thrown instanceof AggregateError ? readOr(() => thrown.errors, undefined) : undefined;
    if (readOr(() => Array.isArray(errors), false)) {
      const list = errors as unknown[];
      const length = readOr(() => list.length, 0);
      error.errors = Array.from({ length }, (_, i) => recordRead(() => list[i], depth + 1));
    }
  }
  return { kind: 'error', error };
}

const errorClasses: Readonly<Record<string, ErrorConstructor>> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

/**
 * The value a record stands for: an `Error` of the standard class its name
 * names (else `Error`; an `AggregateError` with its errors), or of rxpool's
 * error class its kind names, with that name, the thread's message and
 * stack, its own properties and its cause.
 *
 * @example
 * ```ts
 * const error = fromRecord(message.error) as Error; // error.name === 'FixtureError', error.code === 'E_FIXTURE'
 * ```
 */
export function fromRecord(record: ThrownRecord): unknown {
  if (record.kind === 'value') return record.value;
  const { name, message, stack, props, cause, errors } = record.error;
  const options = cause === undefined ? undefined : { cause: fromRecord(cause) };
  const error =
    errors === undefined
      ? new (Object.hasOwn(errorClasses, name) ? errorClasses[name]! : Error)(message, options)
      : new AggregateError(errors.map(fromRecord), message, options);
  const hidden = { writable: true, configurable: true, enumerable: false };
  if (error.name !== name) Object.defineProperty(error, 'name', { ...hidden, value: name });
  if (stack !== undefined) Object.defineProperty(error, 'stack', { ...hidden, value: stack });
  const poolClass = record.error.kinds?.find((kind) => Object.hasOwn(errorClassesByKind, kind));
  if (poolClass !== undefined) Object.setPrototypeOf(error, errorClassesByKind[poolClass]!.prototype);
  return Object.assign(error, props);
}
