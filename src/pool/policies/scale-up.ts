import type { ScaleUpPolicyName } from '../options.js';

/**
 * When the pool starts another worker for waiting tasks. It is asked only
 * when a task waits, no worker is idle and `workers < maxWorkers`; every
 * policy says yes when there is no worker at all. A pool has its own
 * instance: a policy may remember what it saw.
 */
export interface ScaleUpPolicy {
  /**
   * @param workers live workers (all busy)
   * @param waiting tasks waiting in the queue, the new one included
   * @param maxWorkers the current bound
   * @param completion true when a task has just finished (its worker took the
   *   next one), false when a task has just arrived
   */
  grow(workers: number, waiting: number, maxWorkers: number, completion: boolean): boolean;
  /**
   * How many tasks, arriving one at a time at an empty queue while no worker
   * is idle, get a worker started for them at once, before any has to wait.
   * The pool's room (`ready()`, `hasRoom()`) counts on no more than this.
   * Pure: it asks, where `grow` decides.
   */
  startsOnArrival(workers: number, maxWorkers: number): number;
}

/** Only an empty pool starts a worker for an arriving task: the first one; then tasks wait. */
const firstOnly = (workers: number, maxWorkers: number): number => (workers === 0 && maxWorkers > 0 ? 1 : 0);

/**
 * `'lazy'`: a worker for the first waiting task; after that, another when a
 * task finishes and finds more tasks waiting than when the previous one
 * finished (the backlog grows: tasks arrive faster than the workers finish
 * them), and, while no task finishes, one for an arrival that finds the
 * waiting tasks outnumbering the workers, at most once per synchronous run
 * of code (until the microtasks queued meanwhile have run) and up to half of
 * `maxWorkers` (the first worker of an empty pool is not that growth). A
 * burst submitted at once runs on two workers, the second so that a first
 * task that runs long holds none of it back, and only drains; tasks that
 * arrive over time behind work that never finishes still get workers,
 * though never as many as under `'eager'`.
 */
class Lazy implements ScaleUpPolicy {
  /** Waiting tasks when a task last finished; none seen yet. */
  #backlog = Infinity;
  /** A worker was started for an arrival in this run of code: the next arrival's waits for the next run. */
  #grewThisTurn = false;
  readonly #turnOver = (): void => {
    this.#grewThisTurn = false;
  };

  grow(workers: number, waiting: number, maxWorkers: number, completion: boolean): boolean {
    if (workers === 0) {
      // An empty pool starts afresh: a burst now is not measured against an earlier one's backlog.
      // Its first worker is not the run's growth: a burst behind a first task that runs long gets one more.
      this.#backlog = Infinity;
      return true;
    }
    if (!completion) {
      if (this.#grewThisTurn || waiting <= workers || workers >= Math.ceil(maxWorkers / 2)) return false;
      this.#grewForArrival();
      return true;
    }
    const grew = waiting > this.#backlog;
    this.#backlog = waiting;
    return grew;
  }

  /** The run ends when the microtasks queued so far have run: a native promise, which no fake timer holds. */
  #grewForArrival(): void {
    this.#grewThisTurn = true;
    void Promise.resolve().then(this.#turnOver);
  }

  startsOnArrival(workers: number, maxWorkers: number): number {
    return firstOnly(workers, maxWorkers);
  }
}

const eager: ScaleUpPolicy = {
  grow: () => true,
  startsOnArrival: (workers, maxWorkers) => maxWorkers - workers,
};
// A second arrival waits (1 waiting, 1 worker); more may start later, as the queue fills. Behind
// workers that stay busy, up to one task each waits as long as they do.
const balanced: ScaleUpPolicy = { grow: (workers, waiting) => waiting > workers, startsOnArrival: firstOnly };

/**
 * The scale-up policies, by name: each makes the instance of one pool.
 *
 * - `'eager'`: start a worker whenever a task waits and none is idle. A burst
 *   of `n` tasks on an empty pool starts `min(n, maxWorkers)` workers.
 * - `'balanced'`: start one when the waiting tasks outnumber the workers
 *   (`waiting > workers`): at most about one waiting task per worker. A burst
 *   of `n` on an empty pool starts about `n / 2` workers, within `maxWorkers`:
 *   half as many as `'eager'` for a burst up to `maxWorkers`, as many for one
 *   of `2 · maxWorkers` or more.
 * - `'lazy'`: start one for a task that waits when there is none; after that,
 *   when a task finishes and more tasks wait than when the previous one
 *   finished, or, at most once per synchronous run of code (until the
 *   microtasks queued meanwhile have run), when an arriving task finds the
 *   waiting tasks outnumbering the workers, up to half of `maxWorkers`. A
 *   burst on an empty pool runs on two workers (one, with `maxWorkers` of 2 or
 *   less); a stream that arrives faster than it is served adds one worker per
 *   finished task until the backlog stops growing.
 */
export const scaleUpPolicies: Readonly<Record<ScaleUpPolicyName, () => ScaleUpPolicy>> = {
  eager: () => eager,
  balanced: () => balanced,
  lazy: () => new Lazy(),
};
