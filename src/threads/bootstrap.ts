import { contextKey } from './context.js';
import { moveKey } from './move.js';

/**
 * The program every worker thread runs, an ES module given to `new Worker`
 * as a `data:` URL ({@link bootstrapUrl}).
 *
 * It is source text, not a file, so that it runs the same from the
 * TypeScript sources, the ESM build and the CommonJS build: nothing has to
 * find this package's files on disk (which would need `import.meta`, absent
 * from the CommonJS build). A `data:` URL rather than `eval: true`, because
 * Node 20 runs the `--import` preloads of the inherited `process.execArgv`
 * in URL and file workers only: a loader the user preloads (for TypeScript)
 * must reach the thread before the task module does. The thread loads the
 * task module with `import()`, which takes ESM and CommonJS alike, or with
 * `require()` when only a require hook knows its extension (`.ts` under tsx
 * on Node 20).
 *
 * It speaks the protocol of `protocol.ts`, on the port it is sent first on
 * `parentPort` (which then stays the tasks' own, as `workerData` stays the
 * module's): for `run`, it calls the export inside the task context that
 * `taskSignal()` reads (the storage in the shared `globalThis` slot of
 * `context.ts`) and, once what it printed has reached the main thread,
 * answers with the value (a `DoneMessage`, moving what a result marked by
 * `move()` lists) or `failed`, an error sent as a record; for `abort`, it aborts that
 * task's signal, and answers at once for a task not yet started (its module
 * still loading). Once the module has loaded, or failed to, it says
 * `loaded`. A module that fails to load fails each task with the loader's
 * error. A task offered (`offer`) starts as soon as no task is left
 * unanswered, if it can still be taken from the offer slot.
 *
 * @example
 * ```ts
 * new Worker(bootstrapUrl, settings).postMessage(threadData, [threadData.port]); // bootstrapUrl encodes bootstrapSource
 * ```
 */
export const bootstrapSource = `import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parentPort } from 'node:worker_threads';

// The pool speaks on a port of its own, so that what a task posts on
// parentPort (progress, anything) never reaches it, nor is taken for an answer.
// Its own data comes first on parentPort, so that workerData is left to the module.
const { moduleUrl, workerId, port, offers } = await new Promise((resolve) => parentPort.once('message', resolve));
const contextSlot = Symbol.for(${JSON.stringify(contextKey)});
const moveMark = Symbol.for(${JSON.stringify(moveKey)});
const storage = (globalThis[contextSlot] ??= new AsyncLocalStorage());

// A TypeScript loader such as tsx may register its import hooks on the main
// thread only (it does on Node 20), while its require hook, set up by the
// inherited preloads, reaches this thread too: a file whose extension import()
// does not know is then required, if a require hook claims the extension.
async function load() {
  try {
    return await import(moduleUrl);
  } catch (error) {
    // A syntax error's stack names only the loader: where it is, Node prints apart, on this thread.
    if (error instanceof SyntaxError && typeof error.stack === 'string' && !error.stack.includes(moduleUrl)) {
      error.stack += '\\n    at ' + moduleUrl;
    }
    if (error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !moduleUrl.startsWith('file:')) throw error;
    const path = fileURLToPath(moduleUrl);
    const require = createRequire(path);
    if (!Object.hasOwn(require.extensions, path.slice(path.lastIndexOf('.')))) throw error;
    return require(path);
  }
}

const loading = load();
let loaded;
// Told once, either way: the pool counts a task's timeout from then.
loading.then(
  (exports) => {
    loaded = exports;
    port.postMessage({ type: 'loaded' });
  },
  () => port.postMessage({ type: 'loaded' }),
);
// The running tasks, by id. One thread runs one task at a time, but an
// aborted task may still be returning when the next one starts.
const tasks = new Map();
// Tasks given that have yet to be answered, and the task offered meanwhile:
// it starts once none is left, unless the pool has recalled it.
let unanswered = 0;
let offered;
// The offer slot: the offered task's id until taken (0), or minus it once recalled.
const offerSlot = new Int32Array(offers);

// Takes the offered task from the slot, unless the pool has recalled it. Another value than its
// id, or minus it, means the pool ran it already, and freed the slot.
function claim([, id]) {
  if (Atomics.compareExchange(offerSlot, 0, id, 0) !== -id) return true;
  // Recalled: the slot is free for the next offer.
  Atomics.compareExchange(offerSlot, 0, -id, 0);
  return false;
}

// The task offered, taken, once the answer just posted was the last one due. Taken after that
// answer is posted: a pool that finds it taken reads the answer at once (see ThreadWorker.recall).
function takeOffered() {
  if (unanswered !== 0 || offered === undefined) return undefined;
  const next = offered;
  offered = undefined;
  return claim(next) ? next : undefined;
}

// A task's context: its AbortController is made when the task first reads
// its signal (through taskSignal()); an abort before that is remembered.
class TaskContext {
  #controller = undefined;
  aborted = false;
  reason = undefined;
  // Its function was called: until then an abort answers at once.
  started = false;
  constructor(taskId) {
    this.taskId = taskId;
    this.workerId = workerId;
  }
  get signal() {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.aborted) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }
  abort(reason) {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.#controller?.abort(reason);
  }
}

const cloneable = (value) => {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
};

const describe = (value) => {
  try {
    return String(value);
  } catch {
    // A revoked proxy: even its tag cannot be read.
    return readOr(() => Object.prototype.toString.call(value), 'an unreadable value');
  }
};

// Where each copy of rxpool names the kind of its errors on their prototypes (see errors.ts).
const errorKind = Symbol.for('rxpool.error.kind');

const errorRecord = (name, message) => ({ kind: 'error', error: { name, message, stack: undefined, props: {} } });

// What read() gives, or otherwise when it throws (a getter, a revoked proxy).
const readOr = (read, otherwise) => {
  try {
    return read();
  } catch {
    return otherwise;
  }
};
const unreadable = Symbol('unreadable');

// The record of what read() gives; if reading it throws (a getter, a revoked proxy), of an Error
// that says so. An error's parts are read one by one: one that cannot be read loses only itself.
function recordRead(read, depth) {
  try {
    return record(read(), depth);
  } catch (error) {
    return errorRecord('Error', 'a value that cannot be read was thrown: ' + describe(error));
  }
}

function record(thrown, depth) {
  if (!(thrown instanceof Error)) {
    if (cloneable(thrown)) return { kind: 'value', value: thrown };
    return errorRecord('Error', 'a value that cannot be cloned was thrown: ' + describe(thrown));
  }
  const props = {};
  for (const key of readOr(() => Object.keys(thrown), [])) {
    const value = key === 'cause' ? unreadable : readOr(() => thrown[key], unreadable);
    if (value !== unreadable && cloneable(value)) props[key] = value;
  }
  const stack = readOr(() => thrown.stack, undefined);
  const error = {
    name: readOr(() => String(thrown.name), 'Error'),
    message: readOr(() => String(thrown.message), ''),
    stack: typeof stack === 'string' ? stack : undefined,
    props,
  };
  const kinds = readOr(() => {
    const found = [];
    for (let proto = Object.getPrototypeOf(thrown); proto !== null; proto = Object.getPrototypeOf(proto)) {
      if (Object.hasOwn(proto, errorKind)) found.push(String(proto[errorKind]));
    }
    return found;
  }, []);
  if (kinds.length > 0) error.kinds = kinds;
  if (depth < 8) {
    if (readOr(() => 'cause' in thrown, false)) error.cause = recordRead(() => thrown.cause, depth + 1);
    const errors = thrown instanceof AggregateError ? readOr(() => thrown.errors, undefined) : undefined;
    if (readOr(() => Array.isArray(errors), false)) {
      const length = readOr(() => errors.length, 0);
      error.errors = Array.from({ length }, (_, i) => recordRead(() => errors[i], depth + 1));
    }
  }
  return { kind: 'error', error };
}

// One of rxpool's errors (an abort's TimeoutError, CancelledError) is rebuilt on a prototype that
// names its kinds under the key every copy of rxpool reads: instanceof holds in the task's module,
// which has its own copy. One prototype per chain of kinds.
const kindPrototypes = new Map();
function kindPrototype(kinds) {
  const key = kinds.join(' ');
  let proto = kindPrototypes.get(key);
  if (proto === undefined) {
    proto = Error.prototype;
    for (let i = kinds.length - 1; i >= 0; i--) proto = Object.create(proto, { [errorKind]: { value: kinds[i] } });
    kindPrototypes.set(key, proto);
  }
  return proto;
}

function fromRecord(record) {
  if (record.kind === 'value') return record.value;
  const { name, message, stack, props, cause, errors, kinds } = record.error;
  const options = cause === undefined ? undefined : { cause: fromRecord(cause) };
  const error =
    errors === undefined ? new Error(message, options) : new AggregateError(errors.map(fromRecord), message, options);
  const hidden = { writable: true, configurable: true, enumerable: false };
  Object.defineProperty(error, 'name', { ...hidden, value: name });
  if (stack !== undefined) Object.defineProperty(error, 'stack', { ...hidden, value: stack });
  if (kinds !== undefined) Object.setPrototypeOf(error, kindPrototype(kinds));
  return Object.assign(error, props);
}

function exported(exports, name) {
  // A CommonJS module's exports may only be reachable through its default export.
  const fallback = exports.default;
  const holder =
    Object.hasOwn(exports, name) || fallback === null || (typeof fallback !== 'object' && typeof fallback !== 'function')
      ? exports
      : fallback;
  const fn = Object.hasOwn(holder, name) ? holder[name] : undefined;
  if (typeof fn !== 'function') {
    throw new TypeError(moduleUrl + ' exports no function named ' + JSON.stringify(name));
  }
  return fn;
}

function failed(id, thrown) {
  return { type: 'failed', id, error: recordRead(() => thrown, 0) };
}

async function run(message) {
  unanswered++;
  try {
    await answer(message);
  } finally {
    unanswered--;
  }
  const next = takeOffered();
  if (next !== undefined) run(next);
}

// Runs a task and posts its answer.

async function answer([, id, fn, args]) {
  const context = new TaskContext(id);
  tasks.set(id, context);
  let reply;
  let transfer;
  try {
    const exports = loaded ?? (await loading);
    // Aborted while the module loaded: answered then (see abort), and never started.
    if (context.aborted) return;
    context.started = true;
    const target = exported(exports, fn);
    let value = await storage.run(context, () => target(...args));
    // A result marked by move(): its value goes back, transferring what it lists.
    if (typeof value === 'object' && value !== null && value[moveMark] === true) {
      transfer = value.transfer;
      value = value.value;
    }
    reply = [id, value];
  } catch (thrown) {
    reply = failed(id, thrown);
  }
  tasks.delete(id);
  // What the task printed must reach this process before its answer: right
  // after it, the thread may be stopped (close(), an idle timeout) or left
  // idle and unref'd while the process exits. A thread's output is sent in
  // chunks the main thread acknowledges; most tasks print nothing to wait for.
  if (process.stdout.writableLength > 0 || process.stderr.writableLength > 0) await printed();
  try {
    port.postMessage(reply, transfer);
  } catch (cloneError) {
    // A DataCloneError, or whatever a getter of the value threw (null, too).
    const isError = readOr(() => cloneError instanceof Error, false);
    const name = isError ? readOr(() => String(cloneError.name), 'Error') : 'Error';
    const reason = isError ? readOr(() => String(cloneError.message), '') : describe(cloneError);
    const message = fn + '() returned a value that cannot be cloned: ' + reason;
    port.postMessage({ type: 'failed', id, error: errorRecord(name, message) });
  }
}

// Resolves once the main thread has taken all the thread's output so far.
const printed = () =>
  Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))));

// A task whose function has not started (its module still loads, maybe
// forever) answers the abort at once, so that its slot frees: nothing runs.
function abort(id, reason) {
  const context = tasks.get(id);
  if (context === undefined) return;
  // In the task's context: its signal's abort listeners can read taskSignal() as the task does.
  storage.run(context, () => context.abort(reason));
  if (context.started) return;
  tasks.delete(id);
  port.postMessage(failed(id, reason));
}

port.on('message', (message) => {
  if (!Array.isArray(message)) abort(message.id, fromRecord(message.reason));
  else if (message[0] === 'run') run(message);
  else if (unanswered > 0) offered = message;
  else if (claim(message)) run(message);
});
//# sourceURL=rxpool/threads/bootstrap.js
`;

/**
 * {@link bootstrapSource} as a `data:` URL.
 *
 * @example
 * ```ts
 * const { port1, port2 } = new MessageChannel(); // the protocol's own channel
 * const thread = new Worker(bootstrapUrl, { workerData: { the: "module's own" } });
 * thread.postMessage({ moduleUrl, workerId, port: port2 } satisfies ThreadData, [port2]);
 * ```
 */
export const bootstrapUrl = new URL(`data:text/javascript,${encodeURIComponent(bootstrapSource)}`);
