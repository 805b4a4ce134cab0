/**
 * ThreadPool options: the pool options, plus the module the threads load and
 * their resource limits. Validated once, at construction.
 */
import os from 'node:os';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import { describeValue, resolveOptions, type PoolOptions, type ResolvedOptions } from '../pool/options.js';

/**
 * Options of `new ThreadPool(options)`: those of `Pool` (with `maxWorkers`
 * optional), plus `module` and `resourceLimits`. A bad value throws a
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
}

/** ThreadPool options after validation. */
export interface ResolvedThreadOptions {
  /** The module's file URL. */
  readonly moduleUrl: string;
  readonly resourceLimits: Readonly<ResourceLimits> | undefined;
  readonly pool: ResolvedOptions;
}

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
  const { module, resourceLimits, minWorkers } = options as Partial<Record<keyof ThreadPoolOptions, unknown>>;
  return Object.freeze({
    moduleUrl: checkModule(module),
    resourceLimits: checkResourceLimits(resourceLimits),
    pool: resolveOptions(options, defaultMaxWorkers(minWorkers)),
  });
}
