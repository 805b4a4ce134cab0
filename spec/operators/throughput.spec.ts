import { expect } from 'chai';
import sinon from 'sinon';
import type { TestScheduler } from 'rxjs/testing';
import { Pool, type PoolEvent } from '../../src/index.js';
import { throughput } from '../../src/operators/index.js';
import { events } from '../support/events.js';
import { marbles } from '../support/marbles.js';

describe('throughput', () => {
  let scheduler: TestScheduler;
  beforeEach(() => (scheduler = marbles()));

  it('emits after each completion the completions per second of the last windowMs (event time)', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('abcdefgh|', {
        a: events.succeeded(1, 0),
        b: events.queued(9, 50), // not a completion: nothing
        c: events.failed(2, 100), // a failure completes too
        d: events.cancelled(3, 200), // never completed: nothing
        e: events.succeeded(4, 999),
        f: events.succeeded(5, 1000), // the one at 0 leaves the window (0, 1000]
        g: events.rejected(6, 1200),
        h: events.succeeded(7, 2500), // alone in (1500, 2500]
      });
      expectObservable(source.pipe(throughput(1000))).toBe('a-c-ef-h|', { a: 1, c: 2, e: 3, f: 3, h: 1 });
    });
  });

  it('scales the count to a rate per second', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('abc|', {
        a: events.succeeded(1, 10),
        b: events.succeeded(2, 20),
        c: events.succeeded(3, 260), // 10 left (10 <= 260 - 250)
      });
      expectObservable(source.pipe(throughput(250))).toBe('abc|', { a: 4, b: 8, c: 8 });
    });
  });

  it('with a scheduler, places completions at scheduler.now()', () => {
    scheduler.run(({ hot, expectObservable }) => {
      const done = events.succeeded(1, 0); // its own time is ignored
      const source = hot('a 99ms b 899ms c 99ms d', { a: done, b: done, c: done, d: done });
      expectObservable(source.pipe(throughput(1000, { scheduler }))).toBe('a 99ms b 899ms c 99ms d', {
        a: 1,
        b: 2,
        c: 2, // at 1000 the one at 0 left
        d: 2, // at 1100 the one at 100 left
      });
    });
  });

  it('passes errors and completion on', () => {
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('a#', { a: events.succeeded(1, 0) }).pipe(throughput(10))).toBe('a#', { a: 100 });
      expectObservable(cold<PoolEvent>('|').pipe(throughput(10))).toBe('|');
    });
  });

  it('measures a real pool', async () => {
    const clock = sinon.useFakeTimers();
    try {
      const pool = new Pool({ maxWorkers: 1 });
      const rates: number[] = [];
      pool.events$.pipe(throughput(25)).subscribe((rate) => rates.push(rate));
      for (let i = 0; i < 5; i++) pool.submit(() => new Promise((resolve) => setTimeout(resolve, 10)));
      await clock.tickAsync(50);
      // Completions at 10, 20, 30, 40 and 50 ms; a 25 ms window holds at most three.
      expect(rates).to.deep.equal([40, 80, 120, 120, 120]);
      await pool.close();
    } finally {
      clock.restore();
    }
  });

  describe('arguments', () => {
    it('windowMs must be a number', () => {
      expect(() => throughput('1000' as never)).to.throw(
        TypeError,
        'throughput windowMs must be a number of ms, received "1000"',
      );
    });
    for (const bad of [0, -5, Infinity, NaN]) {
      it(`windowMs ${bad} is a RangeError`, () => {
        expect(() => throughput(bad)).to.throw(
          RangeError,
          `throughput windowMs must be a finite number of ms > 0, received ${bad}`,
        );
      });
    }
    it('options.scheduler must be a scheduler', () => {
      expect(() => throughput(10, { scheduler: {} as never })).to.throw(
        TypeError,
        'throughput options.scheduler must be an RxJS scheduler, received an object',
      );
      expect(() => throughput(10, 5 as never)).to.throw(
        TypeError,
        'throughput options must be an object, received 5',
      );
    });
  });
});
