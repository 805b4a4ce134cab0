import { Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { PoolEvent } from '../pool/events.js';
import { checkOptions, checkScheduler, checkWindow } from './checks.js';
import { Fifo } from './fifo.js';

/** Options of the metric operators {@link throughput} and `latency`. */
export interface MetricOptions {
  /**
   * The clock that places completions in the window. By default each
   * completion is placed at its event's own `time` (`performance.now()` ms);
   * with a scheduler, at `scheduler.now()` when the event arrives (so an
   * RxJS `TestScheduler` drives the window).
   */
  readonly scheduler?: SchedulerLike;
}

/**
 * Maps a pool's events to its throughput: tasks completed per second over a
 * sliding window. It emits after each completion (`task:succeeded` or
 * `task:failed`), counting the completions of the last `windowMs`
 * (those at an instant `t` with `now - windowMs < t <= now`), as
 * `count * 1000 / windowMs`. Other events are ignored; so are cancelled and
 * rejected tasks, which never completed.
 *
 * Until `windowMs` has passed since the first completion the window is
 * partly empty, so the rate reads low. Nothing is emitted while nothing
 * completes. It completes with `events$`, when the pool has closed.
 *
 * @throws TypeError | RangeError if `windowMs` is not a finite number > 0
 *   or `options.scheduler` is not a scheduler.
 *
 * @example
 * ```ts
 * import { Pool } from 'rxpool';
 * import { throughput } from 'rxpool/operators';
 *
 * const pool = new Pool({ maxWorkers: 4 });
 * pool.events$.pipe(throughput(1000)).subscribe((perSecond) => console.log(`${perSecond} tasks/s`));
 * ```
 */
export function throughput(windowMs: number, options?: MetricOptions): OperatorFunction<PoolEvent, number> {
  const window = checkWindow('throughput windowMs', windowMs);
  const scheduler = checkScheduler(
    'throughput options.scheduler',
    checkOptions<MetricOptions>('throughput options', options).scheduler,
  );
  const perSecond = 1000 / window;
  return (source) =>
    new Observable<number>((subscriber) => {
      const completedAt = new Fifo<number>();
      return source.subscribe({
        next: (event) => {
          if (event.type !== 'task:succeeded' && event.type !== 'task:failed') return;
          const now = scheduler === undefined ? event.time : scheduler.now();
          completedAt.push(now);
          const oldest = now - window;
          while (completedAt.peek()! <= oldest) completedAt.shift();
          subscriber.next(completedAt.size * perSecond);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
