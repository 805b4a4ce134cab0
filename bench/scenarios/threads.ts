/**
 * 8. Worker threads: rxpool's `ThreadPool` against the thread-pool peers
 * (piscina, tinypool, workerpool, poolifier), every pool with 2 threads, all
 * tasks submitted at once, every result awaited and checked:
 * - `tiny`: tasks that add two numbers, so the time is each pool's messaging
 *   per task (a round trip to a thread and back);
 * - `cpu`: tasks of about 1 ms of CPU each (a hash loop), so the time is
 *   mostly the work, and what a pool adds is how well it keeps both threads busy.
 *
 * rxpool runs twice: with its default one queue for all threads, and with
 * `dispatch: 'dedicated'`, a queue per thread, where a busy thread is
 * offered its next task and starts it as its task returns. From one queue,
 * a thread is sent its next task once the pool has heard that its task
 * returned, and sleeps in between, so that tasks start in the queue's order:
 * for tiny tasks that messaging is the time, and the floor is a bare pool
 * doing only that (`bench/threads/floor.ts`). Targets: tiny tasks at most
 * 1.3× the floor from one queue, and faster than every peer with a queue
 * per thread; 1 ms tasks at most 1.1× the best peer either way.
 *
 * The work is defined once (`bench/threads/work.ts`); each peer's worker file
 * wraps it in that library's format. Each pool is created, and warmed until
 * every thread has answered, before the timed section, and closed after it.
 *
 * The threads load the compiled worker files (`.js`), so this scenario runs
 * in the compiled run only, not under `--tsx`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { FixedThreadPool } from 'poolifier';
import Tinypool from 'tinypool';
import workerpool from 'workerpool';
import { ThreadPool } from '../../src/threads/index.js';
import { atMost, medianOf, scaled, type CaseResult, type Scenario, type Verdict } from '../scenario.js';
import { ThreadFloor } from '../threads/floor.js';
import type * as Work from '../threads/work.js';
import { spin, spinIterations } from '../threads/work.js';

/** Every pool's size: the machine these figures come from has 2 cores. */
const poolSize = 2;
const peers = ['piscina', 'tinypool', 'workerpool', 'poolifier'];
const libraries = ['floor', ...peers, 'rxpool', 'rxpool-dedicated'];
type Workload = 'tiny' | 'cpu';

/** A compiled worker file next to this one, checked to exist (it does not under tsx). */
function workerFile(name: string): URL {
  const url = new URL(`../threads/${name}.js`, import.meta.url);
  if (!existsSync(url)) {
    throw new Error(
      `the threads scenario runs compiled JavaScript only (its worker threads load ${name}.js, ` +
        `which tsx does not produce): run it without --tsx`,
    );
  }
  return url;
}

/** One pool behind the shape the workload needs; each method is one library call deep. */
interface ThreadPeer {
  add(a: number, b: number): PromiseLike<number>;
  spin(seed: number, iterations: number): PromiseLike<number>;
  whichThread(iterations: number): PromiseLike<number>;
  close(): Promise<void>;
}

/** piscina and tinypool share an API (tinypool is a fork of piscina) and a worker file. */
interface PiscinaLike {
  run(task: unknown, options: { name: string }): Promise<unknown>;
}

function piscinaLike(pool: PiscinaLike, close: () => Promise<void>): ThreadPeer {
  return {
    add: (a, b) => pool.run([a, b], { name: 'add' }) as Promise<number>,
    spin: (seed, iterations) => pool.run([seed, iterations], { name: 'spin' }) as Promise<number>,
    whichThread: (iterations) => pool.run([iterations], { name: 'whichThread' }) as Promise<number>,
    close,
  };
}

const makers: Record<string, () => ThreadPeer> = {
  floor: () => {
    const pool = new ThreadFloor(workerFile('floor-worker'), poolSize);
    return {
      add: (a, b) => pool.run('add', a, b),
      spin: (seed, iterations) => pool.run('spin', seed, iterations),
      whichThread: (iterations) => pool.run('whichThread', iterations),
      close: () => pool.close(),
    };
  },
  piscina: () => {
    const pool = new Piscina({
      filename: workerFile('piscina-worker').href,
      minThreads: poolSize,
      maxThreads: poolSize,
      idleTimeout: Infinity,
    });
    return piscinaLike(pool, () => pool.close());
  },
  tinypool: () => {
    const pool = new Tinypool({
      filename: workerFile('piscina-worker'),
      minThreads: poolSize,
      maxThreads: poolSize,
      idleTimeout: Infinity,
    });
    return piscinaLike(pool, () => pool.destroy());
  },
  workerpool: () => {
    const pool = workerpool.pool(fileURLToPath(workerFile('workerpool-worker')), {
      minWorkers: poolSize,
      maxWorkers: poolSize,
      workerType: 'thread',
    });
    return {
      add: (a, b) => pool.exec<typeof Work.add>('add', [a, b]),
      spin: (seed, iterations) => pool.exec<typeof Work.spin>('spin', [seed, iterations]),
      whichThread: (iterations) => pool.exec<typeof Work.whichThread>('whichThread', [iterations]),
      close: async () => void (await pool.terminate()),
    };
  },
  poolifier: () => {
    // poolifier 5.3.2's destroy() can hang: a thread exits by itself once told to stop, and
    // when its 'exit' comes before destroy() waits for it, destroy() never settles. So
    // closing waits for destroy() or for every thread's exit, whichever comes first, with a
    // timer holding the process open meanwhile (the threads are unref'd).
    let exited = 0;
    let allExited!: () => void;
    const threadsGone = new Promise<void>((resolve) => (allExited = resolve));
    const pool = new FixedThreadPool<readonly number[], number>(
      poolSize,
      fileURLToPath(workerFile('poolifier-worker')),
      {
        exitHandler: () => {
          exited++;
          if (exited === poolSize) allExited();
        },
      },
    );
    return {
      add: (a, b) => pool.execute([a, b], 'add'),
      spin: (seed, iterations) => pool.execute([seed, iterations], 'spin'),
      whichThread: (iterations) => pool.execute([iterations], 'whichThread'),
      close: async () => {
        const keepAlive = setInterval(() => {}, 1_000);
        try {
          await Promise.race([pool.destroy(), threadsGone]);
        } finally {
          clearInterval(keepAlive);
        }
      },
    };
  },
  rxpool: () => rxpool('shared'),
  'rxpool-dedicated': () => rxpool('dedicated'),
};

/** rxpool's `ThreadPool`, with one queue for all threads (the default) or one per thread. */
function rxpool(dispatch: 'shared' | 'dedicated'): ThreadPeer {
  const pool = new ThreadPool<typeof Work>({
    module: workerFile('work'),
    maxWorkers: poolSize,
    minWorkers: poolSize,
    dispatch,
  });
  return {
    add: (a, b) => pool.run('add', a, b),
    spin: (seed, iterations) => pool.run('spin', seed, iterations),
    whichThread: (iterations) => pool.run('whichThread', iterations),
    close: () => pool.close(),
  };
}

/**
 * Starts `library`'s pool and warms it: rounds of short tasks until every
 * thread has answered one (so every thread is up and has loaded its module),
 * then 2,000 tiny tasks: a fresh thread's side of the messaging runs cold
 * until then, and each sample starts fresh threads.
 */
async function startPool(library: string): Promise<ThreadPeer> {
  const make = makers[library];
  if (make === undefined) throw new Error(`no thread pool named ${library}`);
  const pool = make();
  const answered = new Set<number>();
  for (let round = 0; answered.size < poolSize; round++) {
    if (round === 100) throw new Error(`${library}: only ${answered.size} of ${poolSize} threads answered`);
    const ids = await Promise.all(Array.from({ length: 2 * poolSize }, () => pool.whichThread(50_000)));
    for (const id of ids) answered.add(id);
  }
  await Promise.all(Array.from({ length: 2_000 }, (_, i) => pool.add(i, 1)));
  return pool;
}

/** `n` tasks adding `i + 1`, submitted at once; checks the sum. Returns the elapsed ms. */
async function tiny(pool: ThreadPeer, n: number): Promise<number> {
  const handles: PromiseLike<number>[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) handles.push(pool.add(i, 1));
  const results = await Promise.all(handles);
  const elapsed = performance.now() - start;
  const total = results.reduce((sum, value) => sum + value, 0);
  if (total !== (n * (n + 1)) / 2)
    throw new Error(`tiny: the results add up to ${total}, not ${(n * (n + 1)) / 2}`);
  return elapsed;
}

/** Seeds of the `cpu` tasks: task i hashes from `i % seeds`, so the expected sum takes `seeds` hashes here. */
const seeds = 8;

/** `n` tasks of about 1 ms, submitted at once; checks the sum of the hashes. Returns the elapsed ms. */
async function cpu(pool: ThreadPeer, n: number): Promise<number> {
  const hashes = Array.from({ length: seeds }, (_, seed) => spin(seed, spinIterations));
  let expected = 0;
  for (let i = 0; i < n; i++) expected += hashes[i % seeds]!;
  const handles: PromiseLike<number>[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) handles.push(pool.spin(i % seeds, spinIterations));
  const results = await Promise.all(handles);
  const elapsed = performance.now() - start;
  const total = results.reduce((sum, value) => sum + value, 0);
  if (total !== expected) throw new Error(`cpu: the hashes add up to ${total}, not ${expected}`);
  return elapsed;
}

/** `library`'s median over the best (lowest) thread peer's median at `label`, naming that peer. */
function versusBestPeer(
  results: readonly CaseResult[],
  label: Workload,
  library: string,
  limit: number,
): Verdict {
  const medians = peers
    .map((peer) => ({ peer, median: medianOf(results, label, peer) }))
    .filter(({ median }) => Number.isFinite(median));
  const best = medians.reduce<{ peer: string; median: number } | undefined>(
    (fastest, entry) => (fastest === undefined || entry.median < fastest.median ? entry : fastest),
    undefined,
  );
  const ratio = best === undefined ? NaN : medianOf(results, label, library) / best.median;
  const versus = best === undefined ? 'the best thread peer' : `the best thread peer (${best.peer})`;
  return atMost(`${library} ≤ ${limit}× ${versus} at ${label}`, ratio, limit);
}

export const threads: Scenario = {
  number: 8,
  id: 'threads',
  title: `Worker threads: \`ThreadPool\` vs piscina, tinypool, workerpool and poolifier, ${poolSize} threads each`,
  unit: 'ms',
  cases: (scale) => [
    { label: 'tiny', n: scaled(20_000, scale), params: { workload: 'tiny' }, libraries },
    { label: 'cpu', n: scaled(400, scale), params: { workload: 'cpu' }, libraries },
  ],
  // Only the tiny case has n above 1,000 (2,000 with --quick).
  warmup: (n) => (n > 1_000 ? 2_000 : Math.min(n, 40)),
  async measure(library, n, params) {
    const workload = params.workload;
    if (workload !== 'tiny' && workload !== 'cpu') throw new Error(`unknown workload ${workload}`);
    const pool = await startPool(library);
    try {
      return { value: await (workload === 'tiny' ? tiny(pool, n) : cpu(pool, n)) };
    } finally {
      await pool.close();
    }
  },
  targets: (results) => [
    atMost(
      'rxpool ≤ 1.3× floor at tiny',
      medianOf(results, 'tiny', 'rxpool') / medianOf(results, 'tiny', 'floor'),
      1.3,
    ),
    versusBestPeer(results, 'tiny', 'rxpool-dedicated', 1),
    versusBestPeer(results, 'cpu', 'rxpool', 1.1),
    versusBestPeer(results, 'cpu', 'rxpool-dedicated', 1.1),
  ],
};
