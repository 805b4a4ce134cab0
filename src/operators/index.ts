/**
 * rxpool/operators: RxJS operators over pools, futures, events and stats.
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { Pool } from 'rxpool';
 * import { autoscale, latency, runInPool, throughput } from 'rxpool/operators';
 *
 * const pool = new Pool({ maxWorkers: 2 });
 * pool.state$.pipe(autoscale(pool, { minWorkers: 2, maxWorkers: 8 })).subscribe();
 * pool.events$.pipe(throughput(1000)).subscribe((perSecond) => console.log(perSecond));
 * pool.events$.pipe(latency(1000)).subscribe(({ run }) => console.log(run.p90));
 * from([1, 2, 3]).pipe(runInPool(pool, (n) => () => n * n)).subscribe(console.log);
 * ```
 * @packageDocumentation
 */
export { autoscale, type AutoscalePolicy } from './autoscale.js';
export { latency, type LatencySnapshot, type Percentiles } from './latency.js';
export { runInPool, type RunInPoolOptions, type TaskSubmitter } from './run-in-pool.js';
export { settle } from './settle.js';
export { throughput, type MetricOptions } from './throughput.js';
export { utilization } from './utilization.js';
