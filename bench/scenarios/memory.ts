/**
 * 3. Memory: heap per queued task. One task holds the only slot; n more are
 * submitted behind it, and the heap is measured (after a full collection)
 * before and after. What the caller holds per task (a promise, or rxpool's
 * Future) is counted; the array that holds them is allocated beforehand.
 */
import { limiter } from '../libraries.js';
import { atMost, collectGarbage, emptyTask, gate, medianOf, scaled, type Scenario } from '../scenario.js';

const limit = 320;
const label = 'queued';

export const memory: Scenario = {
  number: 3,
  id: 'memory',
  title: 'Memory: heap per task queued behind one running task',
  unit: 'B/task',
  nodeFlags: ['--max-old-space-size=4096'],
  cases: (scale) => [
    {
      label,
      n: scaled(1_000_000, scale),
      params: {},
      libraries: ['floor', 'p-limit', 'p-queue', 'rxpool'],
    },
  ],
  warmup: (n) => Math.min(n, 10_000),
  async measure(library, n) {
    const target = limiter(library, 1);
    const blocker = gate();
    const running = target.submit(() => blocker.opened);
    // Filled beforehand, so storing a handle never grows it inside the measurement.
    const held: PromiseLike<unknown>[] = [];
    for (let i = 0; i < n; i++) held.push(running);
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    const start = performance.now();
    for (let i = 0; i < n; i++) held[i] = target.submit(emptyTask);
    const submitMs = performance.now() - start;
    collectGarbage();
    const after = process.memoryUsage().heapUsed;
    blocker.open();
    await Promise.all(held);
    await target.close();
    return { value: (after - before) / n, extra: { submitMs, heapBefore: before, heapAfter: after } };
  },
  targets: (results) => [
    atMost(`rxpool ≤ ${limit} B per queued task`, medianOf(results, label, 'rxpool'), limit, ' B'),
  ],
};
