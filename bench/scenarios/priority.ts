/**
 * 6. Priority queue and cancellation at scale. Random priorities make every
 * insertion land somewhere in the middle of the queue; cancelling queued
 * tasks in a shuffled order makes every removal do the same. Each runs at
 * n and n/4: a ratio near 4 is linear, near 16 is quadratic, and n log n
 * gives 4 × log(n) / log(n/4), 4.55 from 25,000 to 100,000. The target allows
 * a quarter more than that: at the larger size the queued tasks outgrow the
 * young generation, and the collector's extra work is not the algorithm's.
 */
import { limiter } from '../libraries.js';
import { atMost, emptyTask, gate, medianOf, scaled, seededRandom, type Scenario } from '../scenario.js';

/** Allowance over the n log n growth, for the collector. */
const allowance = 1.25;
const sizes = [25_000, 100_000];

async function priorities(library: string, n: number): Promise<number> {
  const target = limiter(library, 1, { queue: 'priority' });
  const random = seededRandom(n);
  const ranks = Array.from({ length: n }, () => Math.floor(random() * 1000));
  const handles: PromiseLike<unknown>[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) handles.push(target.submit(emptyTask, { priority: ranks[i]! }));
  await Promise.all(handles);
  const elapsed = performance.now() - start;
  await target.close();
  return elapsed;
}

/** Cancels `n` queued tasks in a shuffled order and waits until each reports it. */
async function cancellations(library: string, n: number): Promise<{ value: number; cancelMs: number }> {
  const target = limiter(library === 'rxpool-priority' ? 'rxpool' : library, 1, {
    queue: library === 'rxpool-priority' ? 'priority' : 'fifo',
  });
  const blocker = gate();
  const running = target.submit(() => blocker.opened);
  const controllers = Array.from({ length: library === 'p-queue' ? n : 0 }, () => new AbortController());
  const handles = Array.from({ length: n }, (_, i) => {
    const controller = controllers[i];
    return target.submit(emptyTask, controller && { signal: controller.signal });
  });
  const cancel: (i: number) => void =
    library === 'p-queue'
      ? (i) => controllers[i]!.abort()
      : (i) => (handles[i] as unknown as { cancel(): boolean }).cancel();
  const order = Array.from({ length: n }, (_, i) => i);
  const random = seededRandom(n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const start = performance.now();
  for (let i = 0; i < n; i++) cancel(order[i]!);
  const cancelMs = performance.now() - start;
  const outcomes = await Promise.allSettled(handles);
  const value = performance.now() - start;
  if (outcomes.some((outcome) => outcome.status === 'fulfilled')) throw new Error('a cancelled task ran');
  blocker.open();
  await running;
  await target.close();
  return { value, cancelMs };
}

const label = (mode: string, n: number): string => `${mode} n=${n.toLocaleString('en-US')}`;

export const priority: Scenario = {
  number: 6,
  id: 'priority',
  title: 'Priority queue and cancellation: random priorities; queued tasks cancelled in random order',
  unit: 'ms',
  cases: (scale) => [
    ...sizes.map((size) => {
      const n = scaled(size, scale);
      return {
        label: label('priority', n),
        n,
        params: { mode: 'priority' },
        libraries: ['p-queue', 'rxpool'],
      };
    }),
    ...sizes.map((size) => {
      const n = scaled(size, scale);
      // p-queue finds each aborted task by a linear scan: quadratic, its 25,000 case takes
      // seconds and its 100,000 case about three minutes a sample, so it runs the small one only.
      const libraries = [...(size === sizes[0] ? ['p-queue'] : []), 'rxpool', 'rxpool-priority'];
      return { label: label('cancel', n), n, params: { mode: 'cancel' }, libraries, maxSamples: 3 };
    }),
  ],
  warmup: (n) => Math.min(n, 5_000),
  async measure(library, n, params) {
    if (params.mode === 'priority') return { value: await priorities(library, n) };
    const { value, cancelMs } = await cancellations(library, n);
    return { value, extra: { cancelMs } };
  },
  targets(results) {
    const verdicts = [];
    for (const mode of ['priority', 'cancel']) {
      const [small, large] = results.filter((result) => result.case.params.mode === mode);
      if (small === undefined || large === undefined) continue;
      const growth = large.case.n / small.case.n;
      const limit = allowance * growth * (Math.log(large.case.n) / Math.log(small.case.n));
      const shown = Math.round(limit * 100) / 100;
      for (const library of large.case.libraries.filter((name) => name.startsWith('rxpool'))) {
        const ratio =
          medianOf(results, large.case.label, library) / medianOf(results, small.case.label, library);
        verdicts.push(
          atMost(`${library} ${mode}: ×${growth} n costs ≤ ${shown}× time (n log n, +25%)`, ratio, limit),
        );
      }
    }
    return verdicts;
  },
};
