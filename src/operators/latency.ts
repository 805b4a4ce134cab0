import { Observable, type OperatorFunction } from 'rxjs';
import type { PoolEvent } from '../pool/events.js';
import { checkOptions, checkScheduler, checkWindow } from './checks.js';
import { Fifo } from './fifo.js';
import type { MetricOptions } from './throughput.js';

/** The 50th, 90th and 99th percentiles of a set of durations, in ms; `NaN` for an empty set. */
export interface Percentiles {
  /** The median: half the durations are at most this. */
  readonly p50: number;
  /** 90% of the durations are at most this. */
  readonly p90: number;
  /** 99% of the durations are at most this. */
  readonly p99: number;
}

/** What {@link latency} emits: percentiles of the wait and run times, in ms. */
export interface LatencySnapshot {
  /**
   * Time from `task:queued` to `task:started`: in the queue. A submission
   * blocked under `onFull: 'block'` is queued only once room frees, so its
   * time blocked is not in it (it is in `future.timing`, from `submittedAt`).
   */
  readonly wait: Percentiles;
  /** Time from `task:started` to `task:succeeded` or `task:failed`. */
  readonly run: Percentiles;
}

interface Sample {
  readonly at: number;
  /** Undefined when the task's `task:queued` was not seen. */
  readonly wait: number | undefined;
  readonly run: number;
}

/**
 * Maps a pool's events to latency percentiles over a sliding window. For
 * each task it measures the wait (`started.time − queued.time`) and the run
 * (`settled.time − started.time`) from the events' `time` fields. It emits
 * after every completion it sees (`task:succeeded` or `task:failed`), measured
 * or not, the p50, p90 and p99 of the tasks completed in the last `windowMs`
 * (those at an instant `t` with `now - windowMs < t <= now`).
 *
 * Percentiles use the nearest-rank rule: of `n` sorted durations, the p-th
 * percentile is the `⌈p·n/100⌉`-th smallest, always a measured value (or
 * `NaN` when there is none, see below).
 *
 * - Cancelled and rejected tasks are not measured; their bookkeeping is
 *   dropped when they settle, as it is for completed ones, and all of it
 *   when the pool closes: nothing accumulates per task.
 * - A task is measured from what was seen of it: a task already running at
 *   subscription (no `task:started` seen) adds no sample; one already queued
 *   (`task:started` seen, not `task:queued`) adds its run time but no wait.
 *   Either way its completion still emits, with the window's current figures
 *   (older samples may leave the window at that instant).
 * - A side (`wait` or `run`) with no sample in the window reads `NaN` for all
 *   three percentiles: there is no duration to report, and `NaN` cannot be
 *   taken for a measured one (filter on `Number.isNaN` to skip such snapshots).
 * - Each emission costs O(window size): the window's durations are kept sorted.
 * - It reads one pool's events: task ids are the pool's own, from 1, so the
 *   merged events of two pools would mix their tasks. To follow several,
 *   apply it to each pool's `events$` (and combine the results, with
 *   `combineLatest` for one). `throughput`, which only counts, takes merged
 *   streams.
 *
 * @throws TypeError | RangeError if `windowMs` is not a finite number > 0
 *   or `options.scheduler` is not a scheduler.
 *
 * @example
 * ```ts
 * import { Pool } from 'rxpool';
 * import { latency } from 'rxpool/operators';
 *
 * const pool = new Pool({ maxWorkers: 4 });
 * pool.events$.pipe(latency(5000)).subscribe(({ wait, run }) => {
 *   console.log(`wait p99 ${wait.p99.toFixed(1)} ms, run p50 ${run.p50.toFixed(1)} ms`);
 * });
 * ```
 */
export function latency(
  windowMs: number,
  options?: MetricOptions,
): OperatorFunction<PoolEvent, LatencySnapshot> {
  const window = checkWindow('latency windowMs', windowMs);
  const scheduler = checkScheduler(
    'latency options.scheduler',
    checkOptions<MetricOptions>('latency options', options).scheduler,
  );
  return (source) =>
    new Observable<LatencySnapshot>((subscriber) => {
      const queuedAt = new Map<number, number>();
      const startedAt = new Map<number, number>();
      const samples = new Fifo<Sample>();
      const waits = new SortedDurations();
      const runs = new SortedDurations();

      const completed = (taskId: number, time: number): void => {
        const queued = queuedAt.get(taskId);
        const started = startedAt.get(taskId);
        queuedAt.delete(taskId);
        startedAt.delete(taskId);
        const at = scheduler === undefined ? time : scheduler.now();
        if (started !== undefined) {
          const sample = {
            at,
            wait: queued === undefined ? undefined : started - queued,
            run: time - started,
          };
          samples.push(sample);
          if (sample.wait !== undefined) waits.add(sample.wait);
          runs.add(sample.run);
        }
        const oldest = at - window;
        for (
          let sample = samples.peek();
          sample !== undefined && sample.at <= oldest;
          sample = samples.peek()
        ) {
          samples.shift();
          if (sample.wait !== undefined) waits.remove(sample.wait);
          runs.remove(sample.run);
        }
        subscriber.next({ wait: waits.percentiles(), run: runs.percentiles() });
      };

      const subscription = source.subscribe({
        next: (event) => {
          switch (event.type) {
            case 'task:queued':
              queuedAt.set(event.taskId, event.time);
              break;
            case 'task:started':
              startedAt.set(event.taskId, event.time);
              break;
            case 'task:succeeded':
            case 'task:failed':
              completed(event.taskId, event.time);
              break;
            case 'task:cancelled':
            case 'task:rejected':
              queuedAt.delete(event.taskId);
              startedAt.delete(event.taskId);
              break;
            case 'pool:closed':
              queuedAt.clear();
              startedAt.clear();
              break;
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        queuedAt.clear();
        startedAt.clear();
        samples.clear();
      };
    });
}

/** Durations kept in ascending order: O(log n) search, O(n) insert and remove. */
class SortedDurations {
  readonly #values: number[] = [];

  add(value: number): void {
    this.#values.splice(this.#lowerBound(value), 0, value);
  }

  remove(value: number): void {
    const index = this.#lowerBound(value);
    if (this.#values[index] === value) this.#values.splice(index, 1);
  }

  percentiles(): Percentiles {
    return { p50: this.#rank(50), p90: this.#rank(90), p99: this.#rank(99) };
  }

  /** Nearest rank: the ⌈p·n/100⌉-th smallest value; NaN when there is none. */
  #rank(percent: number): number {
    const count = this.#values.length;
    if (count === 0) return NaN;
    return this.#values[Math.max(0, Math.ceil((percent * count) / 100) - 1)]!;
  }

  #lowerBound(value: number): number {
    const values = this.#values;
    let low = 0;
    let high = values.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (values[middle]! < value) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
