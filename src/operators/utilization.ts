import { map, type OperatorFunction } from 'rxjs';
import type { PoolStats } from '../pool/stats.js';

/**
 * Maps each stats snapshot to the busy share of the pool:
 * `busyWorkers / maxWorkers`, from 0 (nothing running) to 1 (saturated).
 *
 * - A pool with `maxWorkers: Infinity` is never saturated: it reads 0 however
 *   many workers are busy.
 * - Right after a shrinking `resize`, busy workers above the new `maxWorkers`
 *   finish their tasks first; meanwhile the value is capped at 1.
 * - It emits once per snapshot (`state$` coalesces bursts); add
 *   `distinctUntilChanged()` to see changes only. It completes with `state$`,
 *   when the pool has closed.
 *
 * @example
 * ```ts
 * import { Pool } from 'rxpool';
 * import { utilization } from 'rxpool/operators';
 *
 * const pool = new Pool({ maxWorkers: 4 });
 * pool.state$.pipe(utilization()).subscribe((share) => console.log(`${Math.round(share * 100)}% busy`));
 * ```
 */
export function utilization(): OperatorFunction<Pick<PoolStats, 'busyWorkers' | 'maxWorkers'>, number> {
  return map(({ busyWorkers, maxWorkers }) =>
    maxWorkers === Infinity || busyWorkers <= 0 ? 0 : Math.min(1, busyWorkers / maxWorkers),
  );
}
