import type { ScaleUpPolicyName } from '../options.js';

/**
 * When the pool starts another worker for waiting tasks. It is asked only
 * when a task waits, no worker is idle and `workers < maxWorkers`; every
 * policy says yes when there is no worker at all.
 */
export interface ScaleUpPolicy {
  /**
   * @param workers live workers (all busy)
   * @param waiting tasks waiting in the queue, the new one included
   * @param maxWorkers the current bound
   */
  grow(workers: number, waiting: number, maxWorkers: number): boolean;
}

/** Above this many, `'lazy'` treats `maxWorkers` as this many for its threshold. */
const LAZY_STEP_CAP = 64;

/**
 * The scale-up policies, by name.
 *
 * - `'eager'`: start a worker whenever a task waits and none is idle. A burst
 *   of `n` tasks on an empty pool starts `min(n, maxWorkers)` workers.
 * - `'balanced'`: start one when the waiting tasks outnumber the workers
 *   (`waiting > workers`): at most about one waiting task per worker. A burst
 *   starts about half as many workers as `'eager'`.
 * - `'lazy'`: start one only when `waiting >= workers × min(maxWorkers, 64)`:
 *   each worker may have a backlog of `maxWorkers` tasks before another starts.
 *   Fewest workers; a burst of up to `maxWorkers` tasks runs on one.
 */
export const scaleUpPolicies: Readonly<Record<ScaleUpPolicyName, ScaleUpPolicy>> = {
  eager: { grow: () => true },
  balanced: { grow: (workers, waiting) => waiting > workers },
  lazy: {
    grow: (workers, waiting, maxWorkers) => waiting >= workers * Math.min(maxWorkers, LAZY_STEP_CAP),
  },
};
