/**
 * ThreadPool options: the pool options, plus the module the threads load and
 * their resource limits. Validated once, at construction.
 */
import os from 'node:os';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SHARE_ENV, Worker, type ResourceLimits, type WorkerOptions } from 'node:worker_threads';
import {
  checkDuration,
  describeValue,
  refusePeerOptions,
  resolveOptions,
  type PoolOptions,
  type ResolvedOptions,
} from '../pool/options.js';

/**
 * Options of `new ThreadPool(options)`: those of `Pool` (with `maxWorkers`
 * optional), plus `module` and what each `new Worker(...)` is given
 * (`resourceLimits`, `workerData`, `env`, `argv`, `execArgv`). A bad value throws a
 * `TypeError` or `RangeError` that names the option and the value.
 *
 * @example
 * ```ts
 * const options: ThreadPoolOptions = {
 *   module: new URL('./resize-image.js', import.meta.url),
 *   minWorkers: 1,                 // one warm thread
 *   idleTimeout: 30_000,           // others stop after 30 s idle
 *   taskTimeout: 10_000,
 *   resourceLimits: { maxOldGenerationSizeMb: 256 },
 * };
 * ```
 */
export interface ThreadPoolOptions extends Omit<PoolOptions, 'maxWorkers'> {
  /**
   * The module whose exported functions the tasks call: a path (absolute, or
   * relative to `process.cwd()`) or a file URL (a `URL`, or a string
   * `file:` URL). Each thread loads it with `import()`, so it may be ESM or
   * CommonJS.
   *
   * A TypeScript module needs a loader in every thread. Threads inherit
   * `process.execArgv`, so the preloads of `npx tsx main.ts` and
   * `node --import tsx main.ts` run in them too. Where tsx registers its
   * import hooks on the main thread only (Node 20), a thread that cannot
   * `import()` the module loads it with `require()`, which tsx's require hook
   * handles; a module with top-level `await` cannot be required, and there
   * its tasks fail. Then preload a module that registers tsx in the threads
   * as well:
   *
   * ```js
   * // register-tsx-in-threads.mjs
   * // npx tsx --import ./register-tsx-in-threads.mjs main.ts
   * import { isMainThread } from 'node:worker_threads';
   * if (!isMainThread) (await import('tsx/esm/api')).register();
   * ```
   *
   * Or compile the module to JavaScript and pass the `.js` file.
   */
  module: string | URL;
  /**
   * Upper bound on threads (and concurrent tasks). Default
   * `Math.max(os.availableParallelism(), minWorkers)`, read at construction: a
   * `minWorkers` above the machine's parallelism raises the default rather
   * than conflicting with it (as in piscina and tinypool). An explicit
   * `maxWorkers` below `minWorkers` is still a `RangeError`.
   */
  maxWorkers?: number;
  /** Passed to each `new Worker(...)`: heap and stack limits of a thread. A thread that exceeds them crashes. */
  resourceLimits?: ResourceLimits;
  /**
   * What `workerData` (from `node:worker_threads`) reads in each thread: a
   * structured clone of this value, as in piscina and tinypool. The pool's
   * own start-up data takes another way, so this is the module's alone.
   */
  workerData?: unknown;
  /** Each thread's `process.env`: an object of strings, or `SHARE_ENV`. Default: a copy of this thread's. */
  env?: WorkerOptions['env'];
  /**
   * Appended to each thread's `process.argv`, after `process.argv[1]`,
   * which names the thread's program (`'[rxpool thread]'`) as a script's
   * path would: `process.argv.slice(2)` is this list, and a module's "run
   * directly" check (`process.argv[1]` against its own path) is false.
   */
  argv?: readonly unknown[];
  /**
   * Each thread's Node options, instead of this process's `process.execArgv`.
   * Those carry the preloads of `npx tsx` or `node --import tsx`: a list
   * given here replaces them, so a TypeScript module then needs its loader
   * listed here too. A flag threads do not take (such as `--expose-gc`, for
   * the process alone) is refused at construction: the settings are tried
   * once on a thread that stops at once. (Values of `env` and `argv` that
   * are not strings are turned into strings, as `new Worker` does.)
   */
  execArgv?: readonly string[];
  /**
   * How long (ms) a task's function may go on once its signal has aborted
   * (cancelled, timed out, terminated) before its thread is stopped and
   * replaced, as piscina stops a thread at once: for functions that never
   * read their signal, such as a synchronous loop, which nothing else can
   * stop. Not given: a cancelled or timed-out task's function may go on for
   * as long as it runs, as in `Pool`, and one `terminate()` aborts gets
   * {@link TERMINATE_GRACE} ms (a task still running from an earlier cancel
   * too), so that `terminate()` always resolves; `Infinity` waits for every
   * function to return. Its Future has settled at the abort either way; the
   * thread is replaced at once, as a crash (scaling reason `'crash'`, or
   * `'shutdown'` while the pool closes or terminates), though it never
   * counts toward the back-off of threads that keep dying.
   */
  abortGrace?: number;
}

/** What each `new Worker(...)` of a pool is given, beside the pool's own. */
export type ThreadSettings = Readonly<
  Pick<WorkerOptions, 'resourceLimits' | 'workerData' | 'env' | 'argv' | 'execArgv'>
>;

/** ThreadPool options after validation. */
export interface ResolvedThreadOptions {
  /** The module's file URL. */
  readonly moduleUrl: string;
  readonly thread: ThreadSettings;
  /** `Infinity` when not given. */
  readonly abortGrace: number;
  /** `abortGrace` when given, else {@link TERMINATE_GRACE}. */
  readonly terminateGrace: number;
  readonly pool: ResolvedOptions;
}

/**
 * Each thread's `process.argv[1]`: a name, bracketed as Node's own
 * `'[worker eval]'`, since the program a thread runs is no file.
 */
const THREAD_SCRIPT = '[rxpool thread]';

const limitNames = ['maxOldGenerationSizeMb', 'maxYoungGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb'];

function checkModule(value: unknown): string {
  const expected = 'module must be a path or a file URL';
  let path: string;
  if (value instanceof URL || (typeof value === 'string' && value.startsWith('file:'))) {
    try {
      path = fileURLToPath(value);
    } catch {
      throw new TypeError(
        `${expected}, received ${value instanceof URL ? value.href : describeValue(value)}`,
      );
    }
  } else if (typeof value === 'string' && /^[a-z][a-z\d+.-]+:/i.test(value)) {
    // A URL of another scheme (`https:`, `data:`), not a relative path; a drive letter has one letter.
    throw new TypeError(`${expected}, received ${describeValue(value)}`);
  } else if (typeof value === 'string' && value !== '') {
    path = resolve(value);
  } else {
    throw new TypeError(`${expected}, received ${describeValue(value)}`);
  }
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    // Missing or unreadable: reported below.
  }
  if (!isFile) {
    throw new TypeError(
      `${expected} of an existing file, received ${describeValue(path)} (not found, or not a file)`,
    );
  }
  return pathToFileURL(path).href;
}

function checkResourceLimits(value: unknown): Readonly<ResourceLimits> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`resourceLimits must be an object, received ${describeValue(value)}`);
  }
  for (const [name, limit] of Object.entries(value)) {
    if (!limitNames.includes(name)) {
      throw new TypeError(
        `resourceLimits.${name} is not a resource limit (expected ${limitNames.join(', ')}), received ${describeValue(limit)}`,
      );
    }
    if (typeof limit !== 'number') {
      throw new TypeError(`resourceLimits.${name} must be a number of MB, received ${describeValue(limit)}`);
    }
    if (!(limit > 0 && Number.isFinite(limit))) {
      throw new RangeError(`resourceLimits.${name} must be a finite number of MB > 0, received ${limit}`);
    }
  }
  return Object.freeze({ ...value });
}

/** The options passed to each `new Worker(...)`, validated; those not given are left out. */
function checkThreadSettings(given: Partial<Record<keyof ThreadPoolOptions, unknown>>): ThreadSettings {
  const { resourceLimits, workerData, env, argv, execArgv } = given;
  const settings: { -readonly [K in keyof ThreadSettings]: ThreadSettings[K] } = {};
  if (resourceLimits !== undefined) settings.resourceLimits = checkResourceLimits(resourceLimits);
  if (workerData !== undefined) {
    try {
      structuredClone(workerData);
    } catch (error) {
      throw new TypeError(
        `workerData must be structured-cloneable, received ${describeValue(workerData)} (${(error as Error).message})`,
        { cause: error },
      );
    }
    settings.workerData = workerData;
  }
  if (env !== undefined) {
    if (env !== SHARE_ENV && (typeof env !== 'object' || env === null || Array.isArray(env))) {
      throw new TypeError(`env must be an object or SHARE_ENV, received ${describeValue(env)}`);
    }
    settings.env = env as ThreadSettings['env'];
  }
  if (argv !== undefined && !Array.isArray(argv)) {
    throw new TypeError(`argv must be an array, received ${describeValue(argv)}`);
  }
  // A data: URL thread has no script path at process.argv[1]: the thread's program takes its place.
  settings.argv = [THREAD_SCRIPT, ...((argv as unknown[] | undefined) ?? [])];
  if (execArgv !== undefined) {
    if (!Array.isArray(execArgv) || !execArgv.every((flag) => typeof flag === 'string')) {
      throw new TypeError(`execArgv must be an array of strings, received ${describeValue(execArgv)}`);
    }
    settings.execArgv = [...(execArgv as string[])];
  }
  if (argv !== undefined) tryOnThread('argv', { argv: settings.argv });
  for (const name of ['env', 'execArgv'] as const) {
    if (settings[name] !== undefined) tryOnThread(name, { [name]: settings[name] });
  }
  return Object.freeze(settings);
}

/**
 * What only `new Worker` knows: a flag a thread does not take (`--expose-gc`
 * is for the process alone), a value that is no string. Tried once, on a
 * thread with nothing to do, stopped at once: a pool with such a setting
 * would have every thread die as it starts.
 */
function tryOnThread(name: 'env' | 'argv' | 'execArgv', setting: WorkerOptions): void {
  let thread: Worker;
  try {
    thread = new Worker('', { ...setting, eval: true, stdout: true, stderr: true });
  } catch (error) {
    // Threads not allowed at all (a permission model): no fault of the setting, and each task will say so.
    if ((error as { code?: unknown }).code === 'ERR_ACCESS_DENIED') return;
    throw new TypeError(`${name} is not taken by a worker thread: ${(error as Error).message}`, {
      cause: error,
    });
  }
  thread.unref();
  void thread.terminate();
}

/**
 * The `maxWorkers` of a pool whose options leave it out: the machine's
 * parallelism, or `minWorkers` when that is more.
 */
function defaultMaxWorkers(minWorkers: unknown): number {
  // Read through the module object at call time, so that a stub of
  // os.availableParallelism takes effect (an ES named import is a fixed binding).
  const parallelism = os.availableParallelism();
  // Only a valid minWorkers raises it; resolveOptions reports an invalid one by its own name.
  const valid = typeof minWorkers === 'number' && Number.isInteger(minWorkers) && minWorkers >= 0;
  return valid ? Math.max(parallelism, minWorkers) : parallelism;
}

/**
 * How long (ms) a function `terminate()` aborted may go on in its thread
 * before the thread is stopped, when `abortGrace` is not given: time enough
 * for a task that reads its signal to answer, and a bound on `terminate()`
 * for one that never does.
 */
export const TERMINATE_GRACE = 1_000;

/**
 * Validates `options` once: the module, the resource limits, then the pool
 * options, where `maxWorkers` defaults to `max(os.availableParallelism(), minWorkers)`.
 *
 * @throws TypeError | RangeError naming the option and the value received.
 * @example
 * ```ts
 * const { moduleUrl, pool } = resolveThreadOptions({ module: './worker.js', maxWorkers: 2 });
 * moduleUrl; // 'file:///home/me/app/worker.js'
 * ```
 */
export function resolveThreadOptions(options: unknown): ResolvedThreadOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`ThreadPool options must be an object, received ${describeValue(options)}`);
  }
  refusePeerOptions(options);
  const { module, minWorkers, abortGrace, ...given } = options as Partial<
    Record<keyof ThreadPoolOptions, unknown>
  >;
  const grace = abortGrace === undefined ? undefined : checkDuration('abortGrace', abortGrace, true);
  return Object.freeze({
    moduleUrl: checkModule(module),
    thread: checkThreadSettings(given),
    abortGrace: grace ?? Infinity,
    terminateGrace: grace ?? TERMINATE_GRACE,
    pool: resolveOptions(options, defaultMaxWorkers(minWorkers)),
  });
}
