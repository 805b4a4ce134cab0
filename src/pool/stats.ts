/**
 * A snapshot of a pool's counters, as `pool.stats` and `state$` hand it out.
 * It never changes after it is taken.
 *
 * Invariants: `submitted = queued + blocked + running + succeeded + failed +
 * cancelled + rejected`, `completed = succeeded + failed`, and
 * `workers = idleWorkers + busyWorkers`.
 */
export interface PoolStats {
  /** Live workers. */
  readonly workers: number;
  /** Workers with nothing to do. */
  readonly idleWorkers: number;
  /** Occupied worker slots (a cancelled task still returning keeps its slot). */
  readonly busyWorkers: number;
  /** The bound workers never go below (warm workers). */
  readonly minWorkers: number;
  /** The bound on tasks running at once on workers. */
  readonly maxWorkers: number;
  /** Tasks waiting to start (in the queue or behind their key). */
  readonly queued: number;
  /** Submissions waiting for room under `onFull: 'block'`. */
  readonly blocked: number;
  /** Futures in state `running` (caller-runs tasks included). */
  readonly running: number;
  /** Every call to `submit`, refused ones included. */
  readonly submitted: number;
  /** Tasks whose function returned a value. */
  readonly succeeded: number;
  /** Tasks that ran and threw, rejected or timed out. */
  readonly failed: number;
  /** Accepted tasks cancelled later (cancel, signal, terminate, discard-oldest victims). */
  readonly cancelled: number;
  /** Submissions refused at the door (full queue, closed pool, discard). */
  readonly rejected: number;
  /** `succeeded + failed`. */
  readonly completed: number;
  /** True between `pause()` and `resume()`. */
  readonly paused: boolean;
  /** True once `close()` or `terminate()` was called. */
  readonly closed: boolean;
}
