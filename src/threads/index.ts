/**
 * rxpool/threads: the worker_threads runtime. A `ThreadPool` runs the
 * functions a module exports in worker threads, with the options, futures,
 * stats and observables of `Pool`; inside a thread, `taskSignal()` is the
 * running task's `AbortSignal`, and `move()` sends a result back without
 * copying it.
 *
 * @example
 * ```ts
 * import { ThreadPool } from 'rxpool/threads';
 * await using pool = new ThreadPool({ module: './dist/hash-worker.js', maxWorkers: 4 });
 * const bytes = new TextEncoder().encode('some text');
 * const digest = await pool.submit<string>({ fn: 'sha256', args: [bytes], transfer: [bytes.buffer] });
 * ```
 * @packageDocumentation
 */
export { ThreadPool, type AnyModule, type ExportedFunctionName, type ModuleTask } from './thread-pool.js';
export type { ThreadPoolOptions } from './options.js';
export type { ThreadTask } from './task.js';
export { taskSignal } from './context.js';
export { move } from './move.js';
/** The error of a task whose thread died (the same class `rxpool` exports). */
export { WorkerCrashedError } from '../errors.js';
