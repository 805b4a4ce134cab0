import { expect } from 'chai';
import type { TestScheduler } from 'rxjs/testing';
import { Pool, type PoolStats } from '../../src/index.js';
import { utilization } from '../../src/operators/index.js';
import { deferred, flush } from '../support/deferred.js';
import { marbles } from '../support/marbles.js';

const load = (busyWorkers: number, maxWorkers: number): Pick<PoolStats, 'busyWorkers' | 'maxWorkers'> => ({
  busyWorkers,
  maxWorkers,
});

describe('utilization', () => {
  let scheduler: TestScheduler;
  beforeEach(() => (scheduler = marbles()));

  it('maps each snapshot to busyWorkers / maxWorkers', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const stats = cold('a-b-c-d|', { a: load(0, 4), b: load(1, 4), c: load(3, 4), d: load(4, 4) });
      expectObservable(stats.pipe(utilization())).toBe('a-b-c-d|', { a: 0, b: 0.25, c: 0.75, d: 1 });
    });
  });

  it('reads 0 for a pool with maxWorkers: Infinity, busy or not', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const stats = cold('ab|', { a: load(0, Infinity), b: load(7, Infinity) });
      expectObservable(stats.pipe(utilization())).toBe('ab|', { a: 0, b: 0 });
    });
  });

  it('is capped at 1 while busy workers above a lowered maxWorkers finish', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const stats = cold('ab|', { a: load(6, 4), b: load(4, 4) });
      expectObservable(stats.pipe(utilization())).toBe('ab|', { a: 1, b: 1 });
    });
  });

  it('follows a real pool', async () => {
    const pool = new Pool({ maxWorkers: 4 });
    const shares: number[] = [];
    pool.state$.pipe(utilization()).subscribe((share) => shares.push(share));
    const gate = deferred();
    pool.submit(() => gate.promise);
    pool.submit(() => gate.promise);
    pool.submit(() => gate.promise);
    await flush();
    expect(shares).to.deep.equal([0, 0.75]);
    gate.resolve();
    await pool.close();
    expect(shares.at(-1)).to.equal(0);
  });
});
