import { Observable, type OperatorFunction } from 'rxjs';
import type { PoolEvent } from '../pool/events.js';
import { checkOptions, checkScheduler, checkWindow } from './checks.js';
import { Fifo } from './fifo.js';
import type { MetricOptions } from './throughput.js';

/** The 50th, 90th and 99th percentiles of a set of durations, in ms. */
export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/** What {@link latency} emits: percentiles of the wait and run times, in ms. */
export interface LatencySnapshot {
  /** Time from `task:queued` to `task:started`. */
  readonly wait: Percentiles;
  /** Time from `task:started` to `task:succeeded` or `task:failed`. */
  readonly run: Percentiles;
}

interface Sample {
  readonly at: number;
  readonly wait: number;
  readonly run: number;
}

/**
 * Maps a pool's events to latency percentiles over a sliding window. For
 * each task it measures the wait (`started.time − queued.time`) and the run
 * (`settled.time − started.time`) from the events' `time` fields. It emits
 * after each completion (`task:succeeded` or `task:failed`) the p50, p90 and
 * p99 of the tasks completed in the last `windowMs` (those at an instant `t`
 * with `now - windowMs < t <= now`).
 *
 * Percentiles use the nearest-rank rule: of `n` sorted durations, the p-th
 * percentile is the `⌈p·n/100⌉`-th smallest, always a measured value.
 *
 * - Cancelled and rejected tasks are not measured; their bookkeeping is
 *   dropped when they settle, as it is for completed ones, and all of it
 *   when the pool closes: nothing accumulates per task.
 * - A task whose `task:queued` or `task:started` was not seen (it was already
 *   queued or running at subscription) is not measured, and its completion
 *   emits nothing.
 * - Each emission costs O(window size): the window's durations are kept sorted.
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
        if (queued === undefined || started === undefined) return;
        const at = scheduler === undefined ? time : scheduler.now();
        const sample = { at, wait: started - queued, run: time - started };
        samples.push(sample);
        waits.add(sample.wait);
        runs.add(sample.run);
        const oldest = at - window;
        while (samples.peek()!.at <= oldest) {
          const expired = samples.shift();
          waits.remove(expired.wait);
          runs.remove(expired.run);
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

  /** Nearest rank: the ⌈p·n/100⌉-th smallest value. */
  #rank(percent: number): number {
    const count = this.#values.length;
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
