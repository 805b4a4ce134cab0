/**
 * 4. Observed pool: the throughput workload at concurrency 16, three ways:
 * with one subscriber on `events$` and one on `state$` (`rxpool-observed`),
 * with none (`rxpool`), and built with the event code removed
 * (`rxpool-stripped`, see `bench/build.ts`). Watching a busy pool may cost up
 * to 2×; not watching it must cost nothing next to the stripped build.
 */
import { poolLimiter, submitAllAndAwait, timeSubmitAll } from '../libraries.js';
import { atMost, emptyTask, medianOf, scaled, type Scenario } from '../scenario.js';
import { Pool } from '../../src/index.js';

const concurrency = 16;
const observedLimit = 2;
const unobservedLimit = 1.05;
const label = `c=${concurrency}`;

/** The Pool of the build in `src-stripped/`, which exists only in the compiled run. */
async function strippedPool(): Promise<typeof Pool> {
  const url = new URL('../../src-stripped/index.js', import.meta.url);
  try {
    return ((await import(url.href)) as { Pool: typeof Pool }).Pool;
  } catch (error) {
    throw new Error('rxpool-stripped exists only in the compiled run (not with --tsx)', { cause: error });
  }
}

export const observed: Scenario = {
  number: 4,
  id: 'observed',
  title: 'Observed pool: throughput at c=16 with subscribers on `events$` and `state$`, and without',
  unit: 'ms',
  cases: (scale) => [
    {
      label,
      n: scaled(200_000, scale),
      params: {},
      libraries: ['floor', 'rxpool-stripped', 'rxpool', 'rxpool-observed'],
    },
  ],
  async measure(library, n) {
    if (library === 'rxpool-stripped') {
      const Stripped = await strippedPool();
      return {
        value: await timeSubmitAll(poolLimiter(new Stripped({ maxWorkers: concurrency })), n, emptyTask),
      };
    }
    if (library !== 'rxpool-observed') {
      return { value: await submitAllAndAwait(library, n, concurrency, emptyTask) };
    }
    const pool = new Pool({ maxWorkers: concurrency });
    let events = 0;
    let snapshots = 0;
    pool.events$.subscribe(() => events++);
    pool.state$.subscribe(() => snapshots++);
    const value = await timeSubmitAll(poolLimiter(pool), n, emptyTask);
    return { value, extra: { events, snapshots } };
  },
  targets: (results) => {
    const unobserved = medianOf(results, label, 'rxpool');
    return [
      atMost(
        `observed ≤ ${observedLimit}× unobserved`,
        medianOf(results, label, 'rxpool-observed') / unobserved,
        observedLimit,
      ),
      atMost(
        `unobserved ≤ ${unobservedLimit}× the build without event code`,
        unobserved / medianOf(results, label, 'rxpool-stripped'),
        unobservedLimit,
      ),
    ];
  },
};
