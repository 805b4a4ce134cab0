/**
 * 7. Dispatch with uneven task lengths: rxpool's `dispatch: 'dedicated'` (a
 * queue per worker; a submission goes to the least-loaded worker, an idle
 * worker steals from the longest queue) against the default `'shared'` (one
 * FIFO queue every worker pulls from), at concurrency 16, all tasks submitted
 * at once and every result awaited. Each task awaits k `setImmediate` hops;
 * both rxpool variants and the floor get the same k for every task:
 * - `random`: k from a seeded sequence: 90% of tasks k=1, 9% k=10, 1% k=100,
 *   a long tail in random places;
 * - `blocks`: the first 10% of tasks, in submission order, are long (k=20),
 *   the rest k=1. Spread over per-worker queues, the long ones hold back the
 *   short ones queued behind them on the same worker unless idle workers
 *   steal them: this case checks that stealing keeps the workers busy.
 *
 * The "workers" of an in-process pool share one thread, one heap and one
 * cache, so a per-worker queue buys no locality, as it would with threads
 * pinned to cores: dedicated dispatch is not expected to win here, only to
 * cost no more than 10% over the shared queue (its extra work is choosing the
 * least-loaded queue while the workers' own queues have room, comparing a
 * worker's head with the overflow's, and looking for a queue to steal from
 * when both are empty).
 */
import { limiter, poolLimiter, type Limiter } from '../libraries.js';
import { atMost, medianOf, oneHop, scaled, type Scenario, seededRandom } from '../scenario.js';
import { Pool } from '../../src/index.js';

const concurrency = 16;
const limit = 1.1;
const layouts = ['random', 'blocks'] as const;
type Layout = (typeof layouts)[number];

/** A task that awaits `k` hops; one function per k, made before the timed section. */
function hops(k: number): () => Promise<void> {
  return async () => {
    for (let i = 0; i < k; i++) await oneHop();
  };
}

/** The number of hops of each of `n` tasks, in submission order. */
function lengths(layout: Layout, n: number): number[] {
  if (layout === 'blocks') {
    const long = Math.round(n / 10);
    return Array.from({ length: n }, (_, i) => (i < long ? 20 : 1));
  }
  const random = seededRandom(n);
  return Array.from({ length: n }, () => {
    const r = random();
    return r < 0.9 ? 1 : r < 0.99 ? 10 : 100;
  });
}

function target(library: string): Limiter {
  if (library === 'rxpool') return poolLimiter(new Pool({ maxWorkers: concurrency, dispatch: 'shared' }));
  if (library === 'rxpool-dedicated') {
    return poolLimiter(new Pool({ maxWorkers: concurrency, dispatch: 'dedicated' }));
  }
  return limiter(library, concurrency);
}

const label = (layout: Layout): string => `${layout} c=${concurrency}`;

export const dispatch: Scenario = {
  number: 7,
  id: 'dispatch',
  title: "Dispatch with uneven task lengths: `dispatch: 'dedicated'` (work stealing) vs `'shared'`",
  unit: 'ms',
  cases: (scale) =>
    layouts.map((layout) => ({
      label: label(layout),
      // At 20,000 tasks (about 0.2 s) samples of one library varied 1.8× from
      // process to process on a shared machine; at 50,000 they stay within about 15%.
      n: scaled(50_000, scale),
      params: { layout },
      libraries: ['floor', 'rxpool', 'rxpool-dedicated'],
    })),
  async measure(library, n, params) {
    const layout = params.layout as Layout;
    if (!layouts.includes(layout)) throw new Error(`unknown layout ${params.layout}`);
    const ks = lengths(layout, n);
    const byLength = new Map<number, () => Promise<void>>();
    const tasks = ks.map((k) => {
      let task = byLength.get(k);
      if (task === undefined) byLength.set(k, (task = hops(k)));
      return task;
    });
    const pool = target(library);
    const handles: PromiseLike<unknown>[] = [];
    const start = performance.now();
    for (let i = 0; i < n; i++) handles.push(pool.submit(tasks[i]!));
    await Promise.all(handles);
    const elapsed = performance.now() - start;
    await pool.close();
    return { value: elapsed, extra: { hops: ks.reduce((sum, k) => sum + k, 0) } };
  },
  targets: (results) =>
    layouts.map((layout) => {
      const at = label(layout);
      const ratio = medianOf(results, at, 'rxpool-dedicated') / medianOf(results, at, 'rxpool');
      return atMost(`rxpool-dedicated ≤ ${limit}× rxpool (shared) at ${at}`, ratio, limit);
    }),
};
