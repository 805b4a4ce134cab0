/**
 * 5. Streams: an array through the pool as an RxJS operator, against plain
 * `mergeMap` with the same concurrency. Both receive the whole array at once
 * and emit every result.
 */
import { count, from, lastValueFrom, mergeMap, type OperatorFunction } from 'rxjs';
import { Pool } from '../../src/index.js';
import { runInPool } from '../../src/operators/index.js';
import { atMost, medianOf, scaled, type Scenario } from '../scenario.js';

const concurrency = 16;
const limit = 5;
const label = `c=${concurrency}`;

export const streams: Scenario = {
  number: 5,
  id: 'streams',
  title: 'Streams: `from(array).pipe(runInPool(pool, …))` against `mergeMap(…, 16)`',
  unit: 'ms',
  cases: (scale) => [{ label, n: scaled(200_000, scale), params: {}, libraries: ['rxjs', 'rxpool'] }],
  async measure(library, n) {
    const items = Array.from({ length: n }, (_, i) => i);
    const pool = library === 'rxpool' ? new Pool({ maxWorkers: concurrency }) : undefined;
    const stream: OperatorFunction<number, number> =
      pool === undefined
        ? mergeMap(async (value: number) => value, concurrency)
        : runInPool(pool, (value: number) => async () => value);
    const start = performance.now();
    const emitted = await lastValueFrom(from(items).pipe(stream, count()));
    const value = performance.now() - start;
    await pool?.close();
    if (emitted !== n) throw new Error(`${library} emitted ${emitted} of ${n}`);
    return { value };
  },
  // "At least 5× mergeMap's throughput", stated as time: at most a fifth of mergeMap's.
  targets: (results) => [
    atMost(
      `runInPool ≤ 1/${limit} of mergeMap's time`,
      medianOf(results, label, 'rxpool') / medianOf(results, label, 'rxjs'),
      1 / limit,
    ),
  ],
};
