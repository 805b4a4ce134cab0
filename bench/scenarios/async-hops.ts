/**
 * 2. Real async hops: every task waits for one `setImmediate`, so each task
 * crosses the event loop once, as real I/O-bound tasks do. The library's cost
 * is now a share of a realistic task, not the whole of it.
 */
import { submitAllAndAwait } from '../libraries.js';
import { oneHop, scaled, type Scenario, versusFloor } from '../scenario.js';

const concurrency = 64;
const limit = 1.3;

export const asyncHops: Scenario = {
  number: 2,
  id: 'async-hops',
  title: 'Real async hops: tasks that each await one `setImmediate`',
  unit: 'ms',
  cases: (scale) => [
    {
      label: `c=${concurrency}`,
      n: scaled(20_000, scale),
      params: {},
      libraries: ['floor', 'floor-thenable', 'p-limit', 'p-queue', 'rxjs', 'rxpool'],
    },
  ],
  async measure(library, n) {
    return { value: await submitAllAndAwait(library, n, concurrency, oneHop) };
  },
  targets: (results) => versusFloor(results, `c=${concurrency}`, limit),
};
