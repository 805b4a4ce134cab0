/**
 * 1. Throughput: many empty async tasks submitted at once, every result
 * awaited. With nothing to run, what is timed is the library's own cost per
 * task: queueing, starting, settling, handing the result back.
 */
import { submitAllAndAwait } from '../libraries.js';
import { emptyTask, scaled, versusFloor, type Scenario } from '../scenario.js';

const concurrencies = [1, 16, 1024];
const libraries = ['floor', 'floor-thenable', 'p-limit', 'p-queue', 'rxjs', 'rxpool'];
const limit = 1.3;

export const throughput: Scenario = {
  number: 1,
  id: 'throughput',
  title: 'Throughput: `async () => {}` tasks submitted at once, every result awaited',
  unit: 'ms',
  cases: (scale) =>
    concurrencies.map((concurrency) => ({
      label: `c=${concurrency}`,
      n: scaled(200_000, scale),
      params: { concurrency: String(concurrency) },
      libraries,
    })),
  async measure(library, n, params) {
    return { value: await submitAllAndAwait(library, n, Number(params.concurrency), emptyTask) };
  },
  targets: (results) => results.flatMap(({ case: { label } }) => versusFloor(results, label, limit)),
};
