/**
 * Every library behind one small shape, so a workload is written once:
 * `submit` hands a task over and returns what the library returns for it
 * (a promise, or rxpool's Future). Each adapter is one call deep.
 */
import pLimit from 'p-limit';
import PQueue from 'p-queue';
import { lastValueFrom, mergeMap, range, count } from 'rxjs';
import { Pool, type PoolOptions } from '../src/index.js';
import { floorLimit } from './floor.js';

export interface SubmitOptions {
  readonly priority?: number;
  readonly signal?: AbortSignal;
}

export interface Limiter {
  submit(task: () => Promise<unknown>, options?: SubmitOptions): PromiseLike<unknown>;
  close(): Promise<void>;
}

type Options = { readonly queue?: PoolOptions['queue'] };

/**
 * A handle that is not a native promise, only a thenable whose `then`
 * forwards to one. `await` and `Promise.all` adopt such a handle through an
 * extra job and promise, and the forwarding adds a derived promise and a
 * microtask: how the Future worked before it kept its handlers itself.
 */
class Thenable<T> implements PromiseLike<T> {
  constructor(private readonly promise: Promise<T>) {}
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.promise.then(onFulfilled, onRejected);
  }
}

const limiters: Record<string, (concurrency: number, options: Options) => Limiter> = {
  floor: (concurrency) => {
    const limit = floorLimit(concurrency);
    return { submit: (task) => limit(task), close: async () => {} };
  },
  'floor-thenable': (concurrency) => {
    const limit = floorLimit(concurrency);
    return { submit: (task) => new Thenable(limit(task)), close: async () => {} };
  },
  'p-limit': (concurrency) => {
    const limit = pLimit(concurrency);
    return { submit: (task) => limit(task), close: async () => {} };
  },
  'p-queue': (concurrency) => {
    const queue = new PQueue({ concurrency });
    return { submit: (task, options) => queue.add(task, options), close: () => queue.onIdle() };
  },
  rxpool: (concurrency, options) => poolLimiter(new Pool({ maxWorkers: concurrency, ...options })),
};

/** An rxpool pool as a limiter. */
export function poolLimiter(pool: Pool): Limiter {
  return { submit: (task, options) => pool.submit(task, options), close: () => pool.close() };
}

/** The limiter named `library` (`floor`, `floor-thenable`, `p-limit`, `p-queue`, `rxpool`). */
export function limiter(library: string, concurrency: number, options: Options = {}): Limiter {
  const make = limiters[library];
  if (make === undefined) throw new Error(`no limiter named ${library}`);
  return make(concurrency, options);
}

/** `n` copies of `task` through `mergeMap` over a synchronous source; returns the elapsed ms. */
export async function timeMergeMap(
  n: number,
  concurrency: number,
  task: () => Promise<unknown>,
): Promise<number> {
  const start = performance.now();
  const done = await lastValueFrom(range(0, n).pipe(mergeMap(task, concurrency), count()));
  const elapsed = performance.now() - start;
  if (done !== n) throw new Error(`rxjs emitted ${done} of ${n}`);
  return elapsed;
}

/**
 * How the timed section waits for the results: one `Promise.all` over every
 * handle, or one `await` per handle, in submission order.
 */
export type Awaiting = 'all' | 'each';

/** Submits `n` copies of `task` at once, awaits every result, then closes; returns the elapsed ms. */
export async function timeSubmitAll(
  target: Limiter,
  n: number,
  task: () => Promise<unknown>,
  awaiting: Awaiting = 'all',
): Promise<number> {
  const handles: PromiseLike<unknown>[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) handles.push(target.submit(task));
  if (awaiting === 'all') await Promise.all(handles);
  else for (const handle of handles) await handle;
  const elapsed = performance.now() - start;
  await target.close();
  return elapsed;
}

/**
 * The timed section of the throughput-style scenarios: `n` tasks submitted at
 * once, every result awaited. `rxjs` is `mergeMap` with `concurrency` as its
 * limit (it hands out no handles, so `awaiting` does not apply to it).
 */
export function submitAllAndAwait(
  library: string,
  n: number,
  concurrency: number,
  task: () => Promise<unknown>,
  awaiting: Awaiting = 'all',
): Promise<number> {
  if (library === 'rxjs') return timeMergeMap(n, concurrency, task);
  return timeSubmitAll(limiter(library, concurrency), n, task, awaiting);
}
