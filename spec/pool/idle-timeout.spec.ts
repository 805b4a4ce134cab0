import { expect } from 'chai';
import sinon from 'sinon';
import { Pool, type ScalingEvent } from '../../src/index.js';
import { deferred } from '../support/deferred.js';

describe('idle timeout (fake timers)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  const record = (pool: Pool): ScalingEvent[] => {
    const events: ScalingEvent[] = [];
    pool.scaling$.subscribe((event) => events.push(event));
    return events;
  };

  it('stops a worker at exactly idleTimeout, not a tick earlier', async () => {
    const pool = new Pool({ maxWorkers: 2, idleTimeout: 1000 });
    const scaling = record(pool);
    await pool.submit(async () => 'done');
    expect(pool.stats.workers).to.equal(1);
    await clock.tickAsync(999);
    expect(pool.stats.workers).to.equal(1);
    await clock.tickAsync(1);
    expect(pool.stats.workers).to.equal(0);
    expect(scaling.map(({ type, reason, workers }) => [type, reason, workers])).to.deep.equal([
      ['up', 'demand', 1],
      ['down', 'idle-timeout', 0],
    ]);
    await pool.close();
  });

  it('a task arriving just before the timeout keeps the worker for another full timeout', async () => {
    const pool = new Pool({ maxWorkers: 1, idleTimeout: 1000 });
    await pool.submit(() => 1);
    await clock.tickAsync(999);
    await pool.submit(() => 2);
    await clock.tickAsync(1);
    expect(pool.stats.workers).to.equal(1);
    await clock.tickAsync(998);
    expect(pool.stats.workers).to.equal(1);
    await clock.tickAsync(1);
    expect(pool.stats.workers).to.equal(0);
    await pool.close();
  });

  it('never stops workers below minWorkers', async () => {
    const pool = new Pool({ maxWorkers: 4, minWorkers: 2, idleTimeout: 100 });
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const futures = gates.map((gate) => pool.submit(() => gate.promise));
    expect(pool.stats.workers).to.equal(4);
    for (const gate of gates) gate.resolve();
    await Promise.all(futures);
    await clock.tickAsync(10_000);
    expect(pool.stats).to.include({ workers: 2, idleWorkers: 2 });
    await pool.close();
  });

  it('stops the worker that went idle first; the last to go idle is the last to stop', async () => {
    const pool = new Pool({ maxWorkers: 2, idleTimeout: 100 });
    const scaling = record(pool);
    const first = deferred();
    const second = deferred();
    const a = pool.submit(() => first.promise);
    const b = pool.submit(() => second.promise);
    first.resolve();
    await a;
    await clock.tickAsync(50);
    second.resolve();
    await b;
    await clock.tickAsync(50);
    expect(scaling.filter((e) => e.type === 'down').map((e) => e.workerId)).to.deep.equal([1]);
    await clock.tickAsync(50);
    expect(scaling.filter((e) => e.type === 'down').map((e) => e.workerId)).to.deep.equal([1, 2]);
    await pool.close();
  });

  it('idleTimeout 0 stops a worker as soon as it is idle; Infinity never', async () => {
    const eager = new Pool({ maxWorkers: 1, idleTimeout: 0 });
    await eager.submit(async () => 1);
    expect(eager.stats.workers).to.equal(0);
    const never = new Pool({ maxWorkers: 1, idleTimeout: Infinity });
    await never.submit(async () => 1);
    await clock.tickAsync(1e9);
    expect(never.stats.workers).to.equal(1);
    expect(clock.countTimers()).to.equal(0);
    await Promise.all([eager.close(), never.close()]);
  });

  it('idleTimeout 0 keeps a worker that has queued work: synchronous tasks run on one worker', async () => {
    for (const dispatch of ['shared', 'dedicated'] as const) {
      const pool = new Pool({ maxWorkers: 1, idleTimeout: 0, dispatch });
      const scaling = record(pool);
      const gate = deferred();
      const first = pool.submit(() => gate.promise);
      const rest = [1, 2, 3].map((n) => pool.submit(({ workerId }) => [n, workerId]));
      gate.resolve();
      await first;
      expect(await Promise.all(rest)).to.deep.equal([
        [1, 1],
        [2, 1],
        [3, 1],
      ]);
      expect(scaling.map(({ type, reason, workers }) => [type, reason, workers])).to.deep.equal([
        ['up', 'demand', 1],
        ['down', 'idle-timeout', 0],
      ]);
      await pool.close();
    }
  });

  it('after close no timer is left', async () => {
    const pool = new Pool({ maxWorkers: 2, minWorkers: 1, idleTimeout: 5000, taskTimeout: 10_000 });
    await Promise.all([pool.submit(async () => 1), pool.submit(async () => 2)]);
    expect(clock.countTimers()).to.be.greaterThan(0);
    const scaling = record(pool);
    await pool.close();
    expect(clock.countTimers()).to.equal(0);
    expect(scaling.every((event) => event.reason === 'shutdown')).to.equal(true);
    expect(pool.stats.workers).to.equal(0);
  });

  it('lowering minWorkers arms idle timers for the surplus', async () => {
    const pool = new Pool({ maxWorkers: 3, minWorkers: 3, idleTimeout: 100 });
    await clock.tickAsync(1000);
    expect(pool.stats.workers).to.equal(3);
    pool.resize({ minWorkers: 1 });
    await clock.tickAsync(100);
    expect(pool.stats.workers).to.equal(1);
    await pool.close();
  });
});

describe('reaper (fake timers)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  it('stops workers idle past idleTimeout at the next sweep, not before', async () => {
    const pool = new Pool({
      maxWorkers: 3,
      minWorkers: 1,
      idleTimeout: 150,
      scaleDown: { reaper: { interval: 100 } },
    });
    const reasons: string[] = [];
    pool.scaling$.subscribe((event) => reasons.push(`${event.type}:${event.reason}`));
    const gates = [deferred(), deferred(), deferred()];
    const futures = gates.map((gate) => pool.submit(() => gate.promise));
    for (const gate of gates) gate.resolve();
    await Promise.all(futures);
    expect(pool.stats.workers).to.equal(3);
    await clock.tickAsync(100); // first sweep: idle for 100 < 150
    expect(pool.stats.workers).to.equal(3);
    await clock.tickAsync(99);
    expect(pool.stats.workers).to.equal(3);
    await clock.tickAsync(1); // second sweep at 200: idle 200 >= 150
    expect(pool.stats.workers).to.equal(1);
    expect(reasons).to.deep.equal(['up:demand', 'up:demand', 'down:reaper', 'down:reaper']);
    await clock.tickAsync(10_000);
    expect(pool.stats.workers).to.equal(1);
    expect(clock.countTimers()).to.equal(0); // no sweep while nothing can be reaped
    await pool.close();
  });
});
