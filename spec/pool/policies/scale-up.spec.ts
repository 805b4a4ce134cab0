import { expect } from 'chai';
import { Pool, type ScaleUpPolicyName } from '../../../src/index.js';
import { scaleUpPolicies } from '../../../src/pool/policies/scale-up.js';
import { deferred, flush } from '../../support/deferred.js';

/** The tasks of a burst: pending until a gate opens, returning at once, or throwing at once. */
type TaskKind = 'pending' | 'sync' | 'throwing';

/** Workers started by a burst of `burst` tasks of one kind on an empty pool. */
async function startedBy(
  policy: ScaleUpPolicyName,
  burst: number,
  maxWorkers: number,
  kind: TaskKind = 'pending',
): Promise<number> {
  const pool = new Pool({ maxWorkers, scaleUp: policy });
  let started = 0;
  pool.scaling$.subscribe((event) => (started += event.type === 'up' ? 1 : 0));
  const gate = deferred();
  const task: () => unknown = {
    pending: () => gate.promise,
    sync: () => 'at once',
    throwing: () => {
      throw new Error('at once');
    },
  }[kind];
  const futures = Array.from({ length: burst }, () => pool.submit(task));
  const workers = pool.stats.workers;
  gate.resolve();
  await Promise.all(futures.map((future) => future.result()));
  await pool.close();
  expect(started).to.equal(workers);
  return workers;
}

describe('scale-up policies', () => {
  for (const [burst, max] of [
    [2, 2],
    [3, 2],
    [8, 8],
    [10, 3],
    [10, 4],
    [20, 8],
    [50, 5],
    [64, 16],
    [200, 8],
    [5, 100],
  ] as const) {
    it(`burst ${burst} on maxWorkers ${max}: eager = min(burst, max) ≥ balanced ≥ lazy, lazy fewer`, async () => {
      const eager = await startedBy('eager', burst, max);
      const balanced = await startedBy('balanced', burst, max);
      const lazy = await startedBy('lazy', burst, max);
      expect(eager).to.equal(Math.min(burst, max));
      expect(eager).to.be.at.least(balanced);
      expect(balanced).to.be.at.least(lazy);
      expect(lazy).to.be.lessThan(eager);
      expect(lazy).to.be.at.least(1);
    });
  }

  for (const kind of ['sync', 'throwing'] as const) {
    it(`a burst of tasks that ${kind === 'sync' ? 'return' : 'throw'} at once holds the workers as one of pending tasks does`, async () => {
      for (const [burst, max] of [
        [3, 3],
        [10, 4],
        [64, 16],
      ] as const) {
        const eager = await startedBy('eager', burst, max, kind);
        const balanced = await startedBy('balanced', burst, max, kind);
        const lazy = await startedBy('lazy', burst, max, kind);
        expect([eager, balanced, lazy]).to.deep.equal([
          await startedBy('eager', burst, max),
          await startedBy('balanced', burst, max),
          await startedBy('lazy', burst, max),
        ]);
        expect(eager).to.equal(Math.min(burst, max));
        expect(lazy).to.be.lessThan(eager);
      }
    });
  }

  it('a pool that has emptied again starts as many workers for a burst as a new pool', async () => {
    /** Workers started by a burst of `size` pending tasks. */
    const burst = async (pool: Pool, size: number): Promise<number> => {
      let started = 0;
      const subscription = pool.scaling$.subscribe((event) => (started += event.type === 'up' ? 1 : 0));
      const gate = deferred();
      const futures = Array.from({ length: size }, () => pool.submit(() => gate.promise));
      gate.resolve();
      await Promise.all(futures);
      subscription.unsubscribe();
      return started;
    };
    for (const scaleUp of ['eager', 'balanced', 'lazy'] as const) {
      const fresh = new Pool({ maxWorkers: 2, scaleUp, idleTimeout: 0 });
      const reused = new Pool({ maxWorkers: 2, scaleUp, idleTimeout: 0 });
      await burst(reused, 3);
      expect(reused.stats.workers).to.equal(0);
      expect(await burst(reused, 4), scaleUp).to.equal(await burst(fresh, 4));
      await Promise.all([fresh.close(), reused.close()]);
    }
  });

  it('under every policy, a task that finds the queue full while a worker may start is never refused', async () => {
    for (const scaleUp of ['eager', 'balanced', 'lazy'] as const) {
      for (const onFull of ['reject', 'discard', 'block'] as const) {
        const label = `${scaleUp}, ${onFull}`;
        const pool = new Pool({ maxWorkers: 3, queueCapacity: 1, scaleUp, onFull });
        const gate = deferred();
        const first = pool.submit(() => gate.promise);
        const second = pool.submit(() => gate.promise);
        expect(pool.hasRoom(), label).to.equal(true);
        const third = pool.submit(() => gate.promise);
        const fourth = pool.submit(() => gate.promise);
        // Each arrival that found the queue full started a worker for the task at its head.
        expect(
          [first, second, third, fourth].map((future) => future.state),
          label,
        ).to.deep.equal(['running', 'running', 'running', 'queued']);
        expect(pool.stats, label).to.include({ workers: 3, queued: 1, rejected: 0 });
        expect(pool.hasRoom(), label).to.equal(false); // now it is full, and no worker may start
        gate.resolve();
        await Promise.all([first, second, third, fourth]);
        await pool.close();
      }
    }
  });

  it('every policy starts a worker when a task waits and none exists', () => {
    for (const make of Object.values(scaleUpPolicies)) {
      expect(make().grow(0, 1, 8, false)).to.equal(true);
      expect(make().grow(0, 1, Infinity, true)).to.equal(true);
    }
  });

  it('balanced grows while the waiting tasks outnumber the workers', () => {
    const balanced = scaleUpPolicies.balanced();
    expect(balanced.grow(2, 2, 4, false)).to.equal(false);
    expect(balanced.grow(2, 3, 4, false)).to.equal(true);
  });

  it('lazy grows for an arrival once per turn, while more tasks wait than workers run, up to half of maxWorkers', async () => {
    const lazy = scaleUpPolicies.lazy();
    expect(lazy.grow(1, 1, 8, false)).to.equal(false); // no more waiting than working
    expect(lazy.grow(1, 2, 8, false)).to.equal(true);
    expect(lazy.grow(2, 50, 8, false)).to.equal(false); // this turn has had its worker
    await Promise.resolve();
    expect(lazy.grow(2, 50, 8, false)).to.equal(true);
    await Promise.resolve();
    expect(lazy.grow(4, 50, 8, false)).to.equal(false); // half of maxWorkers
    expect(lazy.grow(3, 50, 7, false)).to.equal(true); // half of 7, rounded up
    const empty = scaleUpPolicies.lazy();
    expect(empty.grow(0, 1, 8, false)).to.equal(true); // the first worker is not this turn's growth
    expect(empty.grow(1, 50, 8, false)).to.equal(true);
    expect(empty.grow(2, 50, 8, false)).to.equal(false);
  });

  it('lazy runs a burst on two workers, so that a first task that runs long holds none of it back', async () => {
    const pool = new Pool({ maxWorkers: 8, scaleUp: 'lazy' });
    const gate = deferred();
    const long = pool.submit(() => gate.promise);
    const burst = Array.from({ length: 100 }, (_, i) => pool.submit(async () => i));
    await flush(400);
    expect(burst.filter((future) => future.state === 'succeeded')).to.have.length(100);
    expect(pool.stats).to.include({ workers: 2, running: 1 });
    gate.resolve();
    await long;
    await pool.close();
  });

  it('lazy grows for a completion only when it finds the backlog longer than the last one did', () => {
    const lazy = scaleUpPolicies.lazy();
    expect(lazy.grow(1, 99, 4, true)).to.equal(false); // the first completion only takes note
    expect(lazy.grow(1, 98, 4, true)).to.equal(false); // draining
    expect(lazy.grow(1, 98, 4, true)).to.equal(false); // holding
    expect(lazy.grow(1, 99, 4, true)).to.equal(true); // growing
    expect(lazy.grow(2, 150, 4, false)).to.equal(false);
    expect(lazy.grow(2, 120, 4, true)).to.equal(true);
    expect(lazy.grow(3, 119, 4, true)).to.equal(false);
  });

  it('lazy adds workers to tasks that arrive over time behind work that never finishes, never as many as eager', async () => {
    const pool = new Pool({ maxWorkers: 4, scaleUp: 'lazy' });
    const gate = deferred();
    for (let i = 0; i < 12; i++) {
      pool.submit(() => gate.promise);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(pool.stats).to.include({ workers: 2, running: 2, queued: 10 });
    gate.resolve();
    await pool.close();
  });

  it('lazy adds workers to a stream that outruns them, and stops when it no longer does', async () => {
    const pool = new Pool({ maxWorkers: 64, scaleUp: 'lazy' });
    const gates: (() => void)[] = [];
    const submit = (): unknown => pool.submit(() => new Promise<void>((resolve) => gates.push(resolve)));
    submit();
    for (let round = 0; round < 6; round++) {
      // Three arrive while one finishes: the backlog grows by two each round.
      submit();
      submit();
      submit();
      gates.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const grown = pool.stats.workers;
    expect(grown).to.be.within(2, 12); // more than one, fewer than the backlog of 13
    // Now nothing arrives: finishing drains the backlog and starts no worker.
    const ups: number[] = [];
    pool.scaling$.subscribe(({ type, workers }) => type === 'up' && ups.push(workers));
    while (gates.length > 0) {
      gates.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await pool.drain();
    expect(ups).to.deep.equal([]);
    expect(pool.stats.workers).to.equal(grown);
    await pool.close();
  });
});
