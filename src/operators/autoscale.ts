import {
  asyncScheduler,
  Observable,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import type { BasePool } from '../pool/base-pool.js';
import { MAX_DELAY } from '../pool/clock.js';
import { checkCount, checkDuration, describeValue } from '../pool/options.js';
import type { PoolStats } from '../pool/stats.js';
import { checkOptions, checkScheduler } from './checks.js';

/** The policy of {@link autoscale}. */
export interface AutoscalePolicy {
  /**
   * The fewest `maxWorkers` it applies: an integer ≥ 1. The pool's own
   * `minWorkers` raises this floor when it is higher (see {@link autoscale}).
   */
  readonly minWorkers: number;
  /** The most `maxWorkers` it applies: an integer ≥ `minWorkers`, or `Infinity`. */
  readonly maxWorkers: number;
  /**
   * Smoothing factor of the forecast, in (0, 1]: the weight of the newest
   * demand sample. Higher follows demand faster; lower smooths bursts more.
   * Default 0.5.
   */
  readonly alpha?: number;
  /**
   * Scale-down threshold, in (0, 1]: the forecast is low when even
   * `forecast / scaleDownThreshold` workers would be fewer than the current
   * `maxWorkers`. Lower keeps more headroom and scales down later. Default 0.75.
   */
  readonly scaleDownThreshold?: number;
  /**
   * How long (ms) the forecast must stay low before a scale down; also how
   * long a silent source waits before its last stats are sampled again.
   * Default 1000.
   */
  readonly cooldownMs?: number;
  /** The clock and timers it uses. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

// A forecast this close to the demand it tracks is taken as equal, so that
// re-sampling a silent pool ends after a few rounds.
const SNAP = 0.01;

// Rounds up, ignoring float noise (2.8 / 0.7 is 4.000000000000001).
const roundUp = (value: number): number => Math.ceil(value - 1e-9);

/**
 * Proactive scaling: reads a pool's own stats (`pool.state$`), forecasts
 * demand and sets the pool's `maxWorkers` through `pool.resize({ maxWorkers })`
 * within its bounds (below). Emits each `maxWorkers` it applies, and only
 * when the value changes: never the same value twice in a row (scaling a
 * pool someone else resized back to the value it last emitted resizes the
 * pool, and emits nothing). It only ever changes `maxWorkers`, never
 * `minWorkers`.
 *
 * **Bounds.** Every value it applies is `policy.minWorkers` ≤ value ≤
 * `policy.maxWorkers`, then raised to the pool's own `minWorkers` if that is
 * higher: it never applies a `maxWorkers` below the pool's `minWorkers`
 * (which `resize` would refuse), even when that exceeds `policy.maxWorkers`.
 * The pool's `minWorkers` is read from each stats snapshot, so a later
 * `resize({ minWorkers })` is honoured.
 *
 * **Forecast.** Each stats snapshot is a demand sample
 * `d = running + queued + blocked`. The forecast is an exponentially weighted
 * moving average, `F = alpha·d + (1 − alpha)·F`, seeded with the first
 * sample; it snaps to `d` once within 0.01 of it. Samples taken at the same
 * moment (`scheduler.now()`) count as one, the last: a burst of snapshots,
 * or the one each resize makes, moves the forecast once, not once each; a
 * burst submitted at the moment of subscribing is the seed. When the source
 * is silent for `cooldownMs` (a pool emits stats only when something
 * changes), the last stats still hold, so they are sampled again, every
 * `cooldownMs`, while that could still change the decision.
 *
 * **Damping.** Let `current` be the `maxWorkers` in force: the last value
 * applied, or the pool's own when a snapshot shows it moved since the
 * previous snapshot to another value (a `resize` by someone else is taken as
 * the new starting point rather than undone), brought within the bounds at
 * once if it is outside them. A source whose snapshots do not follow the
 * resizes (a stand-in pool in a marble test) is not taken to undo them.
 * Then, after each sample:
 * - **Scale up at once** when the forecast exceeds the current capacity:
 *   `⌈F⌉ > current` applies `⌈F⌉` (within the bounds).
 * - **Scale down only after a cooldown**: the forecast is low when
 *   `⌈F / scaleDownThreshold⌉ < current`; once it has stayed low for
 *   `cooldownMs` (any sample that is not low restarts the wait; a timer
 *   checks again when the cooldown ends, so no sample is needed), it applies
 *   `⌈F / scaleDownThreshold⌉` (within the bounds). The new value
 *   leaves headroom above the forecast, so the next scale up needs the
 *   forecast to grow by a factor of about `1 / scaleDownThreshold`, and the
 *   next scale down needs a new cooldown: it does not flap.
 *
 * Time is read from `policy.scheduler` (`asyncScheduler` by default, so an
 * RxJS `TestScheduler` drives it in specs). While subscribed it holds at
 * most one timer, and only while a scale down is pending or the forecast is
 * still moving. It completes with the source (`state$` completes when the
 * pool closes); from a closed pool's snapshot on, it resizes nothing (a
 * pending scale down is dropped); if `resize` throws
 * nonetheless, the stream errors with that error.
 *
 * @throws TypeError | RangeError when the policy is invalid; the message
 *   names the field and the value received.
 *
 * @example
 * ```ts
 * import { Pool } from 'rxpool';
 * import { autoscale } from 'rxpool/operators';
 *
 * const pool = new Pool({ maxWorkers: 2 });
 * pool.state$
 *   .pipe(autoscale(pool, { minWorkers: 2, maxWorkers: 16, alpha: 0.5, cooldownMs: 2000 }))
 *   .subscribe((maxWorkers) => console.log(`maxWorkers → ${maxWorkers}`));
 * ```
 */
export function autoscale(
  pool: Pick<BasePool<unknown>, 'resize'>,
  policy: AutoscalePolicy,
): OperatorFunction<PoolStats, number> {
  if (typeof pool !== 'object' || pool === null || typeof pool.resize !== 'function') {
    throw new TypeError(`autoscale expects a pool, received ${describeValue(pool)}`);
  }
  const { minWorkers, maxWorkers, alpha, scaleDownThreshold, cooldownMs, scheduler } = checkPolicy(policy);
  return (source) =>
    new Observable<number>((subscriber) => {
      let seededAt = NaN; // the moment of the first sample: its last one is the forecast's seed
      let current = NaN; // the maxWorkers in force: the last value applied, or the pool's when it moved
      let seen = NaN; // the pool's maxWorkers in the last snapshot
      let emitted = NaN; // the last value emitted
      let poolMinWorkers = 0; // the pool's own minWorkers, as of the last snapshot
      let forecast = 0;
      // The forecast before the moment of the last sample: samples at one moment count as one.
      let before = 0;
      let demand = 0;
      let sampledAt = 0;
      let lowSince: number | undefined;
      let timer: Subscription | undefined;
      let active = true;
      let closed = false; // the pool has closed: nothing is left to scale for

      // Within the policy, and never below the pool's minWorkers: resize would refuse it.
      const clamp = (workers: number): number =>
        Math.max(poolMinWorkers, Math.min(maxWorkers, Math.max(minWorkers, workers)));

      const apply = (workers: number): void => {
        if (workers === current) return;
        try {
          pool.resize({ maxWorkers: workers });
        } catch (error) {
          active = false;
          subscriber.error(error);
          return;
        }
        current = workers;
        // Back to the value last emitted, after someone else's resize: nothing new to tell.
        if (workers !== emitted) subscriber.next((emitted = workers));
      };

      // A later sample at the same moment replaces the one before instead of adding to it: a
      // resize's own snapshot (or a burst's many) must not weigh as many samples.
      // The first moment's last sample is the seed.
      const sample = (value: number, now: number): void => {
        if (Number.isNaN(seededAt) || now === seededAt) {
          seededAt = now;
          forecast = value;
        } else {
          if (now !== sampledAt) before = forecast;
          forecast = alpha * value + (1 - alpha) * before;
          if (Math.abs(forecast - value) < SNAP) forecast = value;
        }
        demand = value;
        sampledAt = now;
      };

      const evaluate = (now: number): void => {
        const up = clamp(roundUp(forecast));
        const down = clamp(roundUp(forecast / scaleDownThreshold));
        if (up > current) {
          lowSince = undefined;
          apply(up);
        } else if (down < current) {
          lowSince ??= now;
          if (now - lowSince >= cooldownMs) {
            lowSince = undefined;
            apply(down);
          }
        } else {
          lowSince = undefined;
        }
        if (active) arm(now);
      };

      // A timer is worth holding while a scale down is pending, or while
      // re-sampling the last demand would move the forecast across a threshold.
      const timerNeeded = (): boolean =>
        lowSince !== undefined ||
        (forecast > demand && clamp(roundUp(demand / scaleDownThreshold)) < current) ||
        (forecast < demand && clamp(roundUp(demand)) > current);

      // Due when the low spell has lasted cooldownMs, or after cooldownMs of silence.
      const dueAt = (): number => (lowSince ?? sampledAt) + cooldownMs;

      // The due time only ever moves later, so a pending timer is kept and,
      // if it fires early, re-armed, rather than rescheduled on every sample.
      // A cooldown longer than a timer takes is waited for in such steps.
      const arm = (now: number): void => {
        if (timer === undefined && timerNeeded()) {
          timer = scheduler.schedule(fire, Math.min(MAX_DELAY, Math.max(0, dueAt() - now)));
        }
      };

      const fire = (): void => {
        timer = undefined;
        if (!active || closed || !timerNeeded()) return;
        const now = scheduler.now();
        if (now < dueAt()) {
          arm(now);
          return;
        }
        // Nothing changed for cooldownMs: the last stats still hold.
        if (now - sampledAt >= cooldownMs) sample(demand, now);
        evaluate(now);
      };

      const subscription = source.subscribe({
        next: (stats) => {
          if (!active || closed) return;
          // A closed pool has nothing left to scale for: its snapshot changes nothing, and a
          // scale down still pending is dropped.
          if (stats.closed) {
            closed = true;
            timer?.unsubscribe();
            timer = undefined;
            return;
          }
          const now = scheduler.now();
          const value = stats.running + stats.queued + stats.blocked;
          poolMinWorkers = stats.minWorkers;
          // The pool's maxWorkers moved: to the value applied, or by someone else's resize (the new starting point).
          if (stats.maxWorkers !== seen) {
            seen = stats.maxWorkers;
            current = seen;
          }
          apply(clamp(current));
          if (!active) return;
          sample(value, now);
          evaluate(now);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });

      return () => {
        active = false;
        subscription.unsubscribe();
        timer?.unsubscribe();
        timer = undefined;
      };
    });
}

interface Policy {
  readonly minWorkers: number;
  readonly maxWorkers: number;
  readonly alpha: number;
  readonly scaleDownThreshold: number;
  readonly cooldownMs: number;
  readonly scheduler: SchedulerLike;
}

function checkPolicy(policy: unknown): Policy {
  if (policy === undefined) {
    throw new TypeError('autoscale policy must be an object, received undefined');
  }
  const p = checkOptions<AutoscalePolicy>('autoscale policy', policy);
  const minWorkers = checkCount('policy.minWorkers', p.minWorkers, 1, false);
  const maxWorkers = checkCount('policy.maxWorkers', p.maxWorkers, 1, true);
  if (maxWorkers < minWorkers) {
    throw new RangeError(
      `policy.maxWorkers must be >= policy.minWorkers (${minWorkers}), received ${maxWorkers}`,
    );
  }
  return {
    minWorkers,
    maxWorkers,
    alpha: checkFraction('policy.alpha', p.alpha, 0.5),
    scaleDownThreshold: checkFraction('policy.scaleDownThreshold', p.scaleDownThreshold, 0.75),
    cooldownMs: p.cooldownMs === undefined ? 1000 : checkDuration('policy.cooldownMs', p.cooldownMs, false),
    scheduler: checkScheduler('policy.scheduler', p.scheduler) ?? asyncScheduler,
  };
}

/** A number in (0, 1]. */
function checkFraction(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be a number, received ${describeValue(value)}`);
  }
  if (!(value > 0 && value <= 1)) {
    throw new RangeError(`${name} must be a number > 0 and <= 1, received ${describeValue(value)}`);
  }
  return value;
}
