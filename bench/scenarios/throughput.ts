/**
 * 1. Throughput: many empty async tasks submitted at once, every result
 * awaited. With nothing to run, what is timed is the library's own cost per
 * task: queueing, starting, settling, handing the result back.
 *
 * The results are awaited with one `Promise.all`, at each concurrency. One
 * more case, at concurrency 16, awaits each handle in turn instead: V8's
 * `Promise.all` takes its fast path only for promises whose prototype is
 * `Promise.prototype`, and a Future is a subclass instance, so the two
 * cases together tell what the pool costs from what `Promise.all` charges a
 * Future (see bench/README.md, "Where rxpool's time goes").
 */
import { submitAllAndAwait, type Awaiting } from '../libraries.js';
import { emptyTask, scaled, versusFloor, type Case, type Scenario } from '../scenario.js';

const concurrencies = [1, 16, 1024];
const libraries = ['floor', 'floor-thenable', 'p-limit', 'p-queue', 'rxjs', 'rxpool'];
const limit = 1.3;

/** The case awaiting each handle: every library that hands one out. */
const eachAwaited = (n: number): Case => ({
  label: 'c=16, each awaited',
  n,
  params: { concurrency: '16', awaiting: 'each' },
  libraries: libraries.filter((library) => library !== 'rxjs'),
});

export const throughput: Scenario = {
  number: 1,
  id: 'throughput',
  title: 'Throughput: `async () => {}` tasks submitted at once, every result awaited',
  unit: 'ms',
  cases: (scale) => [
    ...concurrencies.map((concurrency) => ({
      label: `c=${concurrency}`,
      n: scaled(200_000, scale),
      params: { concurrency: String(concurrency) },
      libraries,
    })),
    eachAwaited(scaled(200_000, scale)),
  ],
  async measure(library, n, params) {
    const awaiting = (params.awaiting ?? 'all') as Awaiting;
    if (awaiting !== 'all' && awaiting !== 'each') throw new Error(`unknown awaiting ${params.awaiting}`);
    return { value: await submitAllAndAwait(library, n, Number(params.concurrency), emptyTask, awaiting) };
  },
  targets: (results) => results.flatMap(({ case: { label } }) => versusFloor(results, label, limit)),
};
