import { expect } from 'chai';
import sinon from 'sinon';
import { from } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { Pool, type PoolEvent } from '../../src/index.js';
import { latency, type LatencySnapshot } from '../../src/operators/index.js';
import { events } from '../support/events.js';
import { marbles } from '../support/marbles.js';

const snapshot = (wait: [number, number, number], run: [number, number, number]): LatencySnapshot => ({
  wait: { p50: wait[0], p90: wait[1], p99: wait[2] },
  run: { p50: run[0], p90: run[1], p99: run[2] },
});

/** queued → started → succeeded for one task. */
const life = (taskId: number, queued: number, started: number, done: number): PoolEvent[] => [
  events.queued(taskId, queued),
  events.started(taskId, started),
  events.succeeded(taskId, done),
];

describe('latency', () => {
  let scheduler: TestScheduler;
  beforeEach(() => (scheduler = marbles()));

  it('emits wait and run percentiles after each completion, over the last windowMs (event time)', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('abcdefghijkl|', {
        a: events.queued(1, 0),
        b: events.started(1, 0),
        c: events.succeeded(1, 10), // wait 0, run 10
        d: events.queued(2, 5),
        e: events.started(2, 10),
        f: events.failed(2, 40), // wait 5, run 30: failures count
        g: events.queued(3, 6),
        h: events.started(3, 40),
        i: events.cancelled(3, 45), // not measured
        j: events.queued(4, 50),
        k: events.started(4, 50),
        l: events.succeeded(4, 1015), // wait 0, run 965; task 1 (done at 10) has left the window
      });
      expectObservable(source.pipe(latency(1000))).toBe('--c--f-----l|', {
        c: snapshot([0, 0, 0], [10, 10, 10]),
        f: snapshot([0, 5, 5], [10, 30, 30]),
        l: snapshot([0, 5, 5], [30, 965, 965]),
      });
    });
  });

  it('uses nearest-rank percentiles', () => {
    // 100 tasks, queued at 0, waiting 2 ms; run times 1..100 ms, finishing in shuffled order.
    const runs = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
    const lives = runs.flatMap((run, i) => life(i + 1, 0, 2, 2 + run)).sort((a, b) => a.time - b.time);
    const snapshots: LatencySnapshot[] = [];
    from(lives)
      .pipe(latency(10_000))
      .subscribe((value) => snapshots.push(value));
    expect(snapshots).to.have.length(100);
    expect(snapshots[6]).to.deep.equal(snapshot([2, 2, 2], [4, 7, 7])); // runs 1..7: ⌈6.3⌉ = 7th for p90
    expect(snapshots[9]).to.deep.equal(snapshot([2, 2, 2], [5, 9, 10])); // over runs 1..10
    expect(snapshots[99]).to.deep.equal(snapshot([2, 2, 2], [50, 90, 99]));
  });

  it('forgets a task once it settles: a second completion of the same id adds no sample', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('abcdefghij|', {
        a: events.queued(1, 0),
        b: events.started(1, 1),
        c: events.succeeded(1, 3),
        d: events.succeeded(1, 4), // already forgotten: the figures stay
        e: events.queued(2, 5),
        f: events.started(2, 6),
        g: events.cancelled(2, 7),
        h: events.succeeded(2, 8), // forgotten when cancelled
        i: events.queued(3, 9),
        j: events.rejected(3, 9),
      });
      const figures = snapshot([1, 1, 1], [2, 2, 2]);
      expectObservable(source.pipe(latency(100))).toBe('--cd---h--|', { c: figures, d: figures, h: figures });
    });
  });

  it('forgets every task when the pool closes, and measures only what it saw of a task', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('abcdefg|', {
        a: events.succeeded(1, 3), // never seen queued nor started: no sample
        b: events.started(2, 4),
        c: events.succeeded(2, 5), // seen started only: its run, no wait
        d: events.queued(3, 6),
        e: events.started(3, 7),
        f: events.closed(8),
        g: events.succeeded(3, 9), // forgotten at close: no sample
      });
      expectObservable(source.pipe(latency(100))).toBe('a-c---g|', {
        a: snapshot([NaN, NaN, NaN], [NaN, NaN, NaN]),
        c: snapshot([NaN, NaN, NaN], [1, 1, 1]),
        g: snapshot([NaN, NaN, NaN], [1, 1, 1]),
      });
    });
  });

  describe('tasks it did not see from the start', () => {
    it('emits after every completion, with the window’s current figures when it adds no sample', () => {
      scheduler.run(({ cold, expectObservable }) => {
        const source = cold('abcde|', {
          a: events.queued(1, 0),
          b: events.started(1, 2),
          c: events.succeeded(1, 10), // wait 2, run 8
          d: events.failed(7, 20), // queued and started before the subscription
          e: events.succeeded(8, 30), // the same
        });
        const figures = snapshot([2, 2, 2], [8, 8, 8]);
        expectObservable(source.pipe(latency(1000))).toBe('--cde|', { c: figures, d: figures, e: figures });
      });
    });

    it('a task seen started but not queued adds its run time and no wait', () => {
      scheduler.run(({ cold, expectObservable }) => {
        const source = cold('abcdefg|', {
          a: events.started(1, 0), // queued before the subscription
          b: events.succeeded(1, 50), // run 50
          c: events.queued(2, 50),
          d: events.started(2, 54),
          e: events.succeeded(2, 64), // wait 4, run 10
          f: events.started(3, 64), // queued before the subscription
          g: events.succeeded(3, 94), // run 30
        });
        expectObservable(source.pipe(latency(1000))).toBe('-b--e-g|', {
          b: snapshot([NaN, NaN, NaN], [50, 50, 50]),
          e: snapshot([4, 4, 4], [10, 50, 50]),
          g: snapshot([4, 4, 4], [30, 50, 50]),
        });
      });
    });

    it('reads NaN for a side with no sample in the window, as samples leave it', () => {
      scheduler.run(({ cold, expectObservable }) => {
        const source = cold('abcdef|', {
          a: events.queued(1, 0),
          b: events.started(1, 0),
          c: events.succeeded(1, 5), // wait 0, run 5
          d: events.started(2, 40),
          e: events.succeeded(2, 60), // run 20; task 1 is still in the window
          f: events.succeeded(9, 170), // unmeasured; both samples have left the 100 ms window
        });
        expectObservable(source.pipe(latency(100))).toBe('--c-ef|', {
          c: snapshot([0, 0, 0], [5, 5, 5]),
          e: snapshot([0, 0, 0], [5, 20, 20]),
          f: snapshot([NaN, NaN, NaN], [NaN, NaN, NaN]),
        });
      });
    });

    it('on a real pool, a task already running or queued at subscription still emits on completion', async () => {
      const clock = sinon.useFakeTimers();
      try {
        const pool = new Pool({ maxWorkers: 1 });
        const sleep = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));
        pool.submit(sleep); // running at subscription
        pool.submit(sleep); // queued at subscription
        const snapshots: LatencySnapshot[] = [];
        pool.events$.pipe(latency(1000)).subscribe((value) => snapshots.push(value));
        pool.submit(sleep); // seen from the start: waits 20 ms, runs 10 ms
        await clock.tickAsync(30);
        expect(snapshots).to.deep.equal([
          snapshot([NaN, NaN, NaN], [NaN, NaN, NaN]),
          snapshot([NaN, NaN, NaN], [10, 10, 10]),
          snapshot([20, 20, 20], [10, 10, 10]),
        ]);
        await pool.close();
      } finally {
        clock.restore();
      }
    });
  });

  it('with a scheduler, windows completions by scheduler.now()', () => {
    scheduler.run(({ hot, expectObservable }) => {
      // Durations still come from the events' times; the window from the scheduler.
      const source = hot('(abc) 95ms (def) 895ms (ghi)', {
        a: events.queued(1, 0),
        b: events.started(1, 0),
        c: events.succeeded(1, 10),
        d: events.queued(2, 0),
        e: events.started(2, 0),
        f: events.succeeded(2, 20),
        g: events.queued(3, 0),
        h: events.started(3, 0),
        i: events.succeeded(3, 30),
      });
      // Completions arrive at frames 0, 100 and 1000: by then the one at 0 has left.
      expectObservable(source.pipe(latency(1000, { scheduler }))).toBe('c 99ms f 899ms i', {
        c: snapshot([0, 0, 0], [10, 10, 10]),
        f: snapshot([0, 0, 0], [10, 20, 20]),
        i: snapshot([0, 0, 0], [20, 30, 30]),
      });
    });
  });

  it('measures a real pool', async () => {
    const clock = sinon.useFakeTimers();
    try {
      const pool = new Pool({ maxWorkers: 1 });
      const snapshots: LatencySnapshot[] = [];
      pool.events$.pipe(latency(1000)).subscribe((value) => snapshots.push(value));
      for (let i = 0; i < 3; i++) pool.submit(() => new Promise((resolve) => setTimeout(resolve, 10)));
      await clock.tickAsync(30);
      // One worker: the three wait 0, 10 and 20 ms, and each runs 10 ms.
      expect(snapshots).to.deep.equal([
        snapshot([0, 0, 0], [10, 10, 10]),
        snapshot([0, 10, 10], [10, 10, 10]),
        snapshot([10, 20, 20], [10, 10, 10]),
      ]);
      await pool.close();
    } finally {
      clock.restore();
    }
  });

  describe('arguments', () => {
    it('windowMs must be a finite number > 0', () => {
      expect(() => latency(null as never)).to.throw(
        TypeError,
        'latency windowMs must be a number of ms, received null',
      );
      expect(() => latency(-1)).to.throw(
        RangeError,
        'latency windowMs must be a finite number of ms > 0, received -1',
      );
    });
    it('options.scheduler must be a scheduler', () => {
      expect(() => latency(10, { scheduler: 'now' as never })).to.throw(
        TypeError,
        'latency options.scheduler must be an RxJS scheduler, received "now"',
      );
    });
  });
});
