import { expect } from 'chai';
import sinon from 'sinon';
import { map, Subject, type SchedulerLike } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { Pool, type PoolStats, type ResizeOptions } from '../../src/index.js';
import { autoscale, type AutoscalePolicy } from '../../src/operators/index.js';
import { deferred, flush } from '../support/deferred.js';
import { marbles } from '../support/marbles.js';

/** A snapshot of a pool with `demand` tasks running or queued, under `maxWorkers`. */
function stats(demand: number, maxWorkers: number, minWorkers = 0): PoolStats {
  const running = Math.min(demand, maxWorkers);
  return {
    workers: running,
    idleWorkers: 0,
    busyWorkers: running,
    minWorkers,
    maxWorkers,
    queued: demand - running,
    blocked: 0,
    running,
    submitted: demand,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    rejected: 0,
    completed: 0,
    paused: false,
    closed: false,
  };
}

interface FakePool {
  resize(bounds: ResizeOptions): void;
  /** Each maxWorkers applied. */
  readonly sizes: number[];
  maxWorkers: number;
  minWorkers: number;
}

/** A pool stand-in that records each resize and keeps its bounds. */
function fakePool(maxWorkers = 1, minWorkers = 0): FakePool {
  const pool: FakePool = {
    sizes: [],
    maxWorkers,
    minWorkers,
    resize: (bounds) => {
      if (bounds.minWorkers !== undefined) pool.minWorkers = bounds.minWorkers;
      if (bounds.maxWorkers !== undefined) pool.sizes.push((pool.maxWorkers = bounds.maxWorkers));
    },
  };
  return pool;
}

/** Snapshots that show the fake pool's bounds at the time they are emitted, as a real pool's do. */
const live = (pool: FakePool) =>
  map((snapshot: PoolStats): PoolStats => ({
    ...snapshot,
    maxWorkers: pool.maxWorkers,
    minWorkers: pool.minWorkers,
  }));

/** The maxWorkers values `autoscale` emits for a real pool, as they come. */
function appliedTo(pool: Pool, policy: AutoscalePolicy): number[] {
  const applied: number[] = [];
  pool.state$.pipe(autoscale(pool, policy)).subscribe((workers) => applied.push(workers));
  return applied;
}

/** Runs `test` on sinon's fake clock, restored after it whatever happens. */
async function onFakeClock(test: (clock: sinon.SinonFakeTimers) => Promise<void>): Promise<void> {
  const clock = sinon.useFakeTimers();
  try {
    await test(clock);
  } finally {
    clock.restore();
  }
}

describe('autoscale', () => {
  let scheduler: TestScheduler;
  beforeEach(() => (scheduler = marbles()));

  it('scales up at once when the forecast exceeds the current maxWorkers', () => {
    const pool = fakePool(2);
    scheduler.run(({ hot, expectObservable }) => {
      const source = hot('a-b', { a: stats(0, 2), b: stats(6, 2) }).pipe(live(pool));
      const policy = { minWorkers: 2, maxWorkers: 8, alpha: 1, cooldownMs: 100, scheduler };
      expectObservable(source.pipe(autoscale(pool, policy))).toBe('--x', { x: 6 });
    });
    expect(pool.sizes).to.deep.equal([6]);
  });

  it('forecasts an exponentially weighted moving average of running + queued + blocked', () => {
    const pool = fakePool(1);
    scheduler.run(({ hot, expectObservable }) => {
      const blocked = { ...stats(6, 1), blocked: 2 }; // 1 running + 5 queued + 2 blocked
      const source = hot('a-b-c-d', { a: stats(0, 1), b: blocked, c: stats(8, 4), d: stats(8, 6) }).pipe(
        live(pool),
      );
      const policy = { minWorkers: 1, maxWorkers: 16, alpha: 0.5, cooldownMs: 1000, scheduler };
      // F: 0, 4, 6, 7; then, silent for 1000 ms, the last sample (8) again: 7.5.
      expectObservable(source.pipe(autoscale(pool, policy))).toBe('--a-b-c 999ms d', {
        a: 4,
        b: 6,
        c: 7,
        d: 8,
      });
    });
    expect(pool.sizes).to.deep.equal([4, 6, 7, 8]);
  });

  it('scales down only after the forecast stayed low for cooldownMs; a sample that is not low restarts the wait', () => {
    const pool = fakePool(1);
    scheduler.run(({ hot, expectObservable }) => {
      const source = hot('a 9ms b 39ms c 9ms d 39ms e', {
        a: stats(8, 1), // 0: up to 8
        b: stats(3, 8), // 10: ⌈3 / 0.5⌉ = 6 < 8: low
        c: stats(5, 8), // 50: ⌈5 / 0.5⌉ = 10: not low
        d: stats(3, 8), // 60: low again, from here
        e: stats(2, 8), // 100: still low: ⌈2 / 0.5⌉ = 4
      }).pipe(live(pool));
      const policy = {
        minWorkers: 1,
        maxWorkers: 10,
        alpha: 1,
        scaleDownThreshold: 0.5,
        cooldownMs: 100,
        scheduler,
      };
      expectObservable(source.pipe(autoscale(pool, policy))).toBe('x 159ms y', { x: 8, y: 4 });
    });
    expect(pool.sizes).to.deep.equal([8, 4]);
  });

  it('does not flap when demand oscillates', () => {
    const pool = fakePool(4);
    scheduler.run(({ hot, expectObservable }) => {
      const marbles = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 'l' : 'h')).join(' 9ms ');
      const source = hot(marbles, { l: stats(7, 4), h: stats(9, 4) }).pipe(live(pool));
      const policy = { minWorkers: 1, maxWorkers: 16, alpha: 0.5, cooldownMs: 100, scheduler };
      // F swings between about 7.7 and 8.3: up to 9 once, and never down.
      expectObservable(source.pipe(autoscale(pool, policy))).toBe('a 9ms b 19ms c', { a: 7, b: 8, c: 9 });
    });
    expect(pool.sizes).to.deep.equal([7, 8, 9]);
  });

  it('re-samples a silent pool every cooldownMs, steps down to minWorkers, then holds no timer', () => {
    const pool = fakePool(1);
    scheduler.run(({ hot, expectObservable }) => {
      const source = hot('a 9ms b', { a: stats(8, 1), b: stats(0, 8) }).pipe(live(pool));
      const policy = { minWorkers: 1, maxWorkers: 8, alpha: 0.5, cooldownMs: 100, scheduler };
      // F: 8; 4 at 10 (low: ⌈4 / 0.75⌉ = 6 < 8); re-sampled 0 at 110: F 2, down to ⌈2 / 0.75⌉ = 3;
      // at 210: F 1, low again (⌈1.33⌉ = 2 < 3); at 310: F 0.5, down to 1.
      expectObservable(source.pipe(autoscale(pool, policy))).toBe('a 109ms b 199ms c', { a: 8, b: 3, c: 1 });
    });
    expect(pool.sizes).to.deep.equal([8, 3, 1]);
  });

  it('brings maxWorkers within the policy bounds at the first snapshot', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const policy = { minWorkers: 2, maxWorkers: 8, cooldownMs: 100, scheduler };
      expectObservable(cold('a', { a: stats(8, 32) }).pipe(autoscale(fakePool(32), policy))).toBe('a', {
        a: 8,
      });
      expectObservable(cold('a', { a: stats(0, 1) }).pipe(autoscale(fakePool(1), policy))).toBe('a', {
        a: 2,
      });
    });
  });

  it('emits only when the value it applies changes', () => {
    const pool = fakePool(4);
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('abcdef|', {
        a: stats(4, 4),
        b: stats(4, 4),
        c: stats(5, 4),
        d: stats(5, 5),
        e: stats(5, 5),
        f: stats(3, 5),
      }).pipe(live(pool));
      const policy = { minWorkers: 1, maxWorkers: 8, alpha: 1, cooldownMs: 100, scheduler };
      expectObservable(source.pipe(autoscale(pool, policy))).toBe('--c---|', { c: 5 });
    });
    expect(pool.sizes).to.deep.equal([5]);
  });

  it('reads time from asyncScheduler by default', () => {
    const pool = fakePool(6);
    scheduler.run(({ hot, expectObservable }) => {
      const source = hot('a 9ms b', { a: stats(6, 6), b: stats(0, 6) }).pipe(live(pool));
      const policy = { minWorkers: 1, maxWorkers: 8, alpha: 1, cooldownMs: 50 };
      expectObservable(source.pipe(autoscale(pool, policy))).toBe('10ms 50ms x', { x: 1 });
    });
  });

  it('completes with its source and passes errors on', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const policy = { minWorkers: 1, maxWorkers: 8, alpha: 1, cooldownMs: 100, scheduler };
      expectObservable(cold('a|', { a: stats(4, 1) }).pipe(autoscale(fakePool(), policy))).toBe('a|', {
        a: 4,
      });
      expectObservable(cold<PoolStats>('#').pipe(autoscale(fakePool(), policy))).toBe('#');
    });
  });

  it('errors if resize throws', () => {
    const failing = {
      resize: () => {
        throw new RangeError('minWorkers (4) must be <= maxWorkers (2)');
      },
    };
    scheduler.run(({ cold, expectObservable }) => {
      const policy = { minWorkers: 1, maxWorkers: 8, alpha: 1, cooldownMs: 0, scheduler };
      expectObservable(cold('a', { a: stats(2, 4) }).pipe(autoscale(failing, policy))).toBe(
        '#',
        undefined,
        new RangeError('minWorkers (4) must be <= maxWorkers (2)'),
      );
    });
  });

  describe("the pool's own bounds", () => {
    it("never applies a maxWorkers below the pool's minWorkers, read from each snapshot", () => {
      const pool = fakePool(8, 2);
      scheduler.run(({ hot, expectObservable }) => {
        const source = hot('a 9ms b 9ms c', {
          a: stats(8, 8), // 0: F 8
          b: stats(0, 8), // 10: F 0: low; down to max(1, minWorkers 2) = 2 after the cooldown
          c: stats(0, 2, 3), // 20: somebody raised minWorkers to 3 (and maxWorkers with it)
        }).pipe(
          map((snapshot) => {
            if (snapshot.minWorkers === 3) pool.resize({ minWorkers: 3, maxWorkers: 3 });
            return snapshot;
          }),
          live(pool),
        );
        const policy = { minWorkers: 1, maxWorkers: 8, alpha: 1, cooldownMs: 5, scheduler };
        // Down to the pool's minWorkers (2) rather than 1; then 3 is the floor: nothing below it.
        expectObservable(source.pipe(autoscale(pool, policy))).toBe('15ms a', { a: 2 });
      });
      expect(pool.sizes).to.deep.equal([2, 3]); // the 3 is the resize made by somebody else
      expect(pool.maxWorkers).to.equal(3);
    });

    it("raises the floor to the pool's minWorkers even above policy.maxWorkers", async () => {
      const pool = new Pool({ minWorkers: 4, maxWorkers: 8 });
      const applied: number[] = [];
      let failure: unknown;
      pool.state$.pipe(autoscale(pool, { minWorkers: 1, maxWorkers: 2, cooldownMs: 0 })).subscribe({
        next: (workers) => applied.push(workers),
        error: (error: unknown) => (failure = error),
      });
      await flush();
      expect(failure).to.equal(undefined);
      expect(applied).to.deep.equal([4]);
      expect(pool.stats).to.include({ minWorkers: 4, maxWorkers: 4 });
      await pool.close();
    });

    it('leaves a closed pool alone: its last snapshot resizes nothing', async () => {
      const pool = new Pool({ maxWorkers: 10 });
      await pool.close();
      const applied: number[] = [];
      let completed = false;
      pool.state$.pipe(autoscale(pool, { minWorkers: 1, maxWorkers: 4 })).subscribe({
        next: (workers) => applied.push(workers),
        complete: () => (completed = true),
      });
      expect(completed).to.equal(true);
      expect(applied).to.deep.equal([]);
      expect(pool.stats.maxWorkers).to.equal(10);
    });

    it('drops a scale down still pending when the pool closes', () => {
      const pool = fakePool(8);
      scheduler.run(({ hot, expectObservable }) => {
        const source = hot('a 9ms b 1ms c', {
          a: stats(8, 8), // 0: F 8
          b: stats(0, 8), // 10: F 0: low; down to 1 once it has been low for 5 ms
          c: { ...stats(0, 8), closed: true }, // 12: closed before the cooldown ends
        }).pipe(live(pool));
        const policy = { minWorkers: 1, maxWorkers: 8, alpha: 1, cooldownMs: 5, scheduler };
        expectObservable(source.pipe(autoscale(pool, policy))).toBe('');
      });
      expect(pool.sizes).to.deep.equal([]);
    });

    it('scales a real pool down to its minWorkers, not below, instead of erroring', async () => {
      await onFakeClock(async (clock) => {
        const pool = new Pool({ maxWorkers: 4 });
        const applied: number[] = [];
        let failure: unknown;
        pool.state$
          .pipe(autoscale(pool, { minWorkers: 1, maxWorkers: 8, alpha: 1, cooldownMs: 100 }))
          .subscribe({
            next: (workers) => applied.push(workers),
            error: (error: unknown) => (failure = error),
          });
        const gate = deferred();
        for (let i = 0; i < 4; i++) pool.submit(() => gate.promise);
        await flush();
        pool.resize({ minWorkers: 3 }); // after the subscription: read from a later snapshot
        gate.resolve();
        await clock.tickAsync(100);
        expect(failure).to.equal(undefined);
        expect(applied).to.deep.equal([3]);
        expect(pool.stats).to.include({ minWorkers: 3, maxWorkers: 3 });
        await pool.close();
      });
    });

    it("takes the pool's maxWorkers from each snapshot: another resize is not undone from stale state", async () => {
      await onFakeClock(async (clock) => {
        const pool = new Pool({ maxWorkers: 1 });
        const applied = appliedTo(pool, { minWorkers: 1, maxWorkers: 8, alpha: 1, cooldownMs: 100 });
        const gate = deferred();
        for (let i = 0; i < 4; i++) pool.submit(() => gate.promise);
        await flush();
        expect(applied).to.deep.equal([4]);
        pool.resize({ maxWorkers: 6 }); // the user's own
        await flush();
        pool.submit(() => gate.promise); // demand 5: still within the 6 in force
        await clock.tickAsync(50);
        expect(applied).to.deep.equal([4]);
        expect(pool.stats.maxWorkers).to.equal(6);
        pool.resize({ maxWorkers: 2 }); // below the demand: scaled up at once, from 2
        await flush();
        expect(applied).to.deep.equal([4, 5]);
        expect(pool.stats.maxWorkers).to.equal(5);
        gate.resolve();
        await pool.close();
      });
    });
  });

  it('emits a value once from snapshots that do not follow its resizes (a stand-in pool)', () => {
    const pool = fakePool(2);
    scheduler.run(({ cold, expectObservable }) => {
      // The same snapshot four times: maxWorkers stays 2 whatever is applied.
      const source = cold('a 9ms a 9ms a 9ms a|', { a: stats(8, 2) });
      const policy = { minWorkers: 1, maxWorkers: 8, alpha: 1, cooldownMs: 100, scheduler };
      expectObservable(source.pipe(autoscale(pool, policy))).toBe('x 30ms |', { x: 8 });
    });
    expect(pool.sizes).to.deep.equal([8]);
  });

  it('scales a pool resized below the demand back up, without emitting the same value again', async () => {
    await onFakeClock(async () => {
      const pool = new Pool({ maxWorkers: 2 });
      const applied = appliedTo(pool, { minWorkers: 1, maxWorkers: 8, alpha: 1, cooldownMs: 10_000 });
      const gate = deferred();
      for (let i = 0; i < 20; i++) pool.submit(() => gate.promise);
      await flush();
      expect(applied).to.deep.equal([8]);
      pool.resize({ maxWorkers: 3 }); // the user's own, below the demand
      await flush();
      expect(pool.stats.maxWorkers).to.equal(8); // scaled up at once, from 3
      expect(applied).to.deep.equal([8]);
      gate.resolve();
      await pool.close();
    });
  });

  it('drives a real pool: grows with the backlog, shrinks after the cooldown, completes on close', async () => {
    await onFakeClock(async (clock) => {
      const pool = new Pool({ maxWorkers: 1 });
      const applied: number[] = [];
      let completed = false;
      pool.state$
        .pipe(autoscale(pool, { minWorkers: 1, maxWorkers: 4, alpha: 1, cooldownMs: 100 }))
        .subscribe({ next: (workers) => applied.push(workers), complete: () => (completed = true) });
      const gate = deferred();
      for (let i = 0; i < 6; i++) pool.submit(() => gate.promise);
      await flush();
      expect(applied).to.deep.equal([4]);
      expect(pool.stats).to.include({ maxWorkers: 4, running: 4, queued: 2 });
      gate.resolve();
      await clock.tickAsync(99);
      expect(pool.stats).to.include({ maxWorkers: 4, running: 0 });
      await clock.tickAsync(1);
      expect(applied).to.deep.equal([4, 1]);
      expect(pool.stats.maxWorkers).to.equal(1);
      await pool.close();
      expect(completed).to.equal(true);
    });
  });

  it('counts snapshots of one moment as one sample: its own resizes do not feed the forecast', async () => {
    await onFakeClock(async (clock) => {
      const pool = new Pool({ maxWorkers: 2 });
      const applied: number[] = [];
      pool.state$
        .pipe(autoscale(pool, { minWorkers: 2, maxWorkers: 64, alpha: 0.1, cooldownMs: 1_000 }))
        .subscribe((workers) => applied.push(workers));
      const gate = deferred();
      await clock.tickAsync(1); // the seed is 0: a burst at the moment of subscribing would replace it
      for (let i = 0; i < 30; i++) pool.submit(() => gate.promise);
      await flush();
      // One sample of 30 against the seed of 0, whatever snapshots the resize made: ⌈0.1 · 30⌉.
      expect(applied).to.deep.equal([3]);
      await clock.tickAsync(1_000); // the demand holds: sampled again, the forecast moves on
      expect(applied.at(-1)).to.equal(6); // ⌈0.1 · 30 + 0.9 · 3⌉
      gate.resolve();
      await pool.close();
    });
  });

  it('seeds the forecast with the last sample of the first moment: a burst at subscription', async () => {
    await onFakeClock(async (clock) => {
      const pool = new Pool({ maxWorkers: 2 });
      const applied = appliedTo(pool, { minWorkers: 2, maxWorkers: 64, alpha: 0.1, cooldownMs: 1_000 });
      const gate = deferred();
      for (let i = 0; i < 20; i++) pool.submit(() => gate.promise);
      await flush();
      expect(applied).to.deep.equal([20]); // not ⌈0.1 · 20⌉: the snapshot of 0 at that moment is replaced
      await clock.tickAsync(1);
      pool.submit(() => gate.promise); // 21: F = 0.1 · 21 + 0.9 · 20 = 20.1
      await flush();
      expect(applied).to.deep.equal([20, 21]);
      gate.resolve();
      await pool.close();
    });
  });

  it('waits for a cooldown longer than a timer takes in steps a timer can take', () => {
    const pool = fakePool(1);
    const delays: number[] = [];
    const recording: SchedulerLike = {
      now: () => scheduler.now(),
      schedule: (...args: Parameters<SchedulerLike['schedule']>) => {
        delays.push(args[1] ?? 0);
        return scheduler.schedule(...args);
      },
    };
    const source = new Subject<PoolStats>();
    const policy = { minWorkers: 1, maxWorkers: 8, alpha: 1, cooldownMs: Number.MAX_SAFE_INTEGER };
    const subscription = source
      .pipe(live(pool), autoscale(pool, { ...policy, scheduler: recording }))
      .subscribe();
    source.next(stats(8, 1)); // up to 8 at once
    source.next(stats(1, 8)); // low: a scale down waits for the cooldown
    subscription.unsubscribe();
    expect(pool.sizes).to.deep.equal([8]);
    expect(delays).to.deep.equal([2 ** 31 - 1]);
  });

  describe('policy', () => {
    const pool = fakePool();
    const valid: AutoscalePolicy = { minWorkers: 1, maxWorkers: 4 };
    const cases: [string, unknown, ErrorConstructor, string][] = [
      ['no policy', undefined, TypeError, 'autoscale policy must be an object, received undefined'],
      ['a number', 5, TypeError, 'autoscale policy must be an object, received 5'],
      [
        'no minWorkers',
        { maxWorkers: 4 },
        TypeError,
        'policy.minWorkers must be a number, received undefined',
      ],
      [
        'minWorkers 0',
        { ...valid, minWorkers: 0 },
        RangeError,
        'policy.minWorkers must be an integer >= 1, received 0',
      ],
      [
        'fractional minWorkers',
        { ...valid, minWorkers: 1.5 },
        RangeError,
        'policy.minWorkers must be an integer >= 1, received 1.5',
      ],
      [
        'maxWorkers "4"',
        { ...valid, maxWorkers: '4' },
        TypeError,
        'policy.maxWorkers must be a number, received "4"',
      ],
      [
        'maxWorkers < minWorkers',
        { minWorkers: 3, maxWorkers: 2 },
        RangeError,
        'policy.maxWorkers must be >= policy.minWorkers (3), received 2',
      ],
      [
        'alpha 0',
        { ...valid, alpha: 0 },
        RangeError,
        'policy.alpha must be a number > 0 and <= 1, received 0',
      ],
      [
        'alpha 1.5',
        { ...valid, alpha: 1.5 },
        RangeError,
        'policy.alpha must be a number > 0 and <= 1, received 1.5',
      ],
      [
        'alpha NaN',
        { ...valid, alpha: NaN },
        RangeError,
        'policy.alpha must be a number > 0 and <= 1, received NaN',
      ],
      ['alpha "x"', { ...valid, alpha: 'x' }, TypeError, 'policy.alpha must be a number, received "x"'],
      [
        'scaleDownThreshold 0',
        { ...valid, scaleDownThreshold: 0 },
        RangeError,
        'policy.scaleDownThreshold must be a number > 0 and <= 1, received 0',
      ],
      [
        'cooldownMs -1',
        { ...valid, cooldownMs: -1 },
        RangeError,
        'policy.cooldownMs must be a duration in ms >= 0, received -1',
      ],
      [
        'cooldownMs Infinity',
        { ...valid, cooldownMs: Infinity },
        RangeError,
        'policy.cooldownMs must be a duration in ms >= 0, received Infinity',
      ],
      [
        'scheduler {}',
        { ...valid, scheduler: {} },
        TypeError,
        'policy.scheduler must be an RxJS scheduler, received an object',
      ],
    ];
    for (const [name, policy, errorClass, message] of cases) {
      it(`${name}: ${errorClass.name}`, () => {
        expect(() => autoscale(pool, policy as AutoscalePolicy)).to.throw(errorClass, message);
      });
    }

    it('a pool without resize: TypeError', () => {
      expect(() => autoscale({} as never, valid)).to.throw(
        TypeError,
        'autoscale expects a pool, received an object',
      );
    });

    it('maxWorkers may be Infinity', () => {
      expect(() => autoscale(pool, { minWorkers: 1, maxWorkers: Infinity })).not.to.throw();
    });
  });
});
