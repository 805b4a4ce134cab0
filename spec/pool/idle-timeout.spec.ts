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

  it('waits exactly idleTimeout from a moment with a fraction of a ms, though sums of such moments round', async () => {
    // 24.1 + 1000 - 24.1 is 1000.0000000000001 in floating point: a delay sinon cuts to 1000 (and
    // a clock at 24.3 gives 999.9999999999999, cut to 999). The delay is the timeout itself.
    for (const start of [24.1, 24.3, 0.7]) {
      await clock.tickAsync(start);
      const pool = new Pool({ maxWorkers: 1, idleTimeout: 1000 });
      await pool.submit(() => 'done');
      await clock.tickAsync(999);
      expect(pool.stats.workers, `idle since ${performance.now() - 999}`).to.equal(1);
      await clock.tickAsync(1);
      expect(pool.stats.workers, `idle since ${performance.now() - 1000}`).to.equal(0);
      await pool.close();
    }
  });

  it('waits exactly idleTimeout for a worker busy in between, from moments with fractions of a ms', async () => {
    // Its timer, armed when it first went idle, waits out the rest: 512 - (513.7 - 2.7) is
    // 0.99999999999994 in floating point, which sinon would cut to 0.
    for (const [start, idleTimeout] of [
      [0.7, 512],
      [93.3, 1955],
      [0.3, 2048],
    ] as const) {
      await clock.tickAsync(start);
      const pool = new Pool({ maxWorkers: 1, idleTimeout });
      await pool.submit(() => 'first');
      const busy = pool.submit(() => new Promise((resolve) => setTimeout(resolve, 2)));
      await clock.tickAsync(2);
      await busy;
      await clock.tickAsync(idleTimeout - 1);
      expect(pool.stats.workers, `${start}, ${idleTimeout}`).to.equal(1);
      await clock.tickAsync(1);
      expect(pool.stats.workers, `${start}, ${idleTimeout}`).to.equal(0);
      await pool.close();
    }
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

  it('a worker idle past idleTimeout while close() waits for a task stops for the shutdown', async () => {
    for (const scaleDown of ['idle-timeout', { reaper: { interval: 50 } }] as const) {
      const pool = new Pool({ maxWorkers: 2, idleTimeout: 100, scaleDown });
      const scaling = record(pool);
      const gate = deferred();
      pool.submit(() => gate.promise);
      await pool.submit(async () => 'quick'); // its worker is idle now
      const closed = pool.close();
      await clock.tickAsync(150);
      expect(pool.stats.workers).to.equal(1);
      gate.resolve();
      await closed;
      expect(scaling.map(({ type, reason }) => `${type}:${reason}`)).to.deep.equal([
        'up:demand',
        'up:demand',
        'down:shutdown',
        'down:shutdown',
      ]);
    }
  });

  it('after close no timer is left', async () => {
    const pool = new Pool({ maxWorkers: 2, minWorkers: 1, idleTimeout: 5000, taskTimeout: 10_000 });
    await Promise.all([pool.submit(async () => 1), pool.submit(async () => 2)]);
    expect(clock.countTimers()).to.be.greaterThan(0);
    const scaling = record(pool);
    await pool.close();
    expect(clock.countTimers()).to.equal(0);
    expect(scaling.map(({ type, reason }) => `${type}:${reason}`)).to.deep.equal([
      'down:shutdown',
      'down:shutdown',
    ]);
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

describe('a pool that outlives a fake clock', () => {
  /** The timers keeping the process alive (unref'd ones do not count). */
  const liveTimers = (): number =>
    process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;

  it('a worker that went idle on real timers stops at the fake idleTimeout once fakes are installed', async () => {
    const pool = new Pool({ maxWorkers: 1, idleTimeout: 1000 });
    await pool.submit(() => 'before'); // its idle timer runs on real time
    const clock = sinon.useFakeTimers();
    try {
      await pool.submit(() => 'under the fake clock');
      await clock.tickAsync(999);
      expect(pool.stats.workers).to.equal(1);
      await clock.tickAsync(1);
      expect(pool.stats.workers).to.equal(0);
      await pool.close();
    } finally {
      clock.restore();
    }
  });

  it('idle timers and the reaper start again on the next clock: a pool shared by two tests', async () => {
    const timed = new Pool({ maxWorkers: 1, idleTimeout: 1000 });
    const reaped = new Pool({ maxWorkers: 1, idleTimeout: 1000, scaleDown: { reaper: { interval: 100 } } });
    const both = (): Promise<unknown> => Promise.all([timed.submit(() => 1), reaped.submit(() => 2)]);
    const first = sinon.useFakeTimers();
    await both();
    await first.tickAsync(500);
    first.restore(); // its pending timers never fire now
    const second = sinon.useFakeTimers();
    try {
      await both();
      await second.tickAsync(1100);
      expect([timed.stats.workers, reaped.stats.workers]).to.deep.equal([0, 0]);
      await Promise.all([timed.close(), reaped.close()]);
      expect(second.countTimers()).to.equal(0);
    } finally {
      second.restore();
    }
  });

  it('a timeout started on real timers is cleared on them, even under a fake clock', async () => {
    await Promise.resolve(); // mocha starts its own timer once the test has returned its promise
    const before = liveTimers();
    const pool = new Pool({ maxWorkers: 1 });
    const gate = deferred();
    const future = pool.submit(() => gate.promise, { timeout: 60_000 });
    expect(liveTimers()).to.equal(before + 1);
    const clock = sinon.useFakeTimers();
    try {
      gate.resolve();
      await future;
      await pool.close();
    } finally {
      clock.restore();
    }
    expect(liveTimers()).to.equal(before); // a real timer left would hold the process for a minute
  });

  it('with only setTimeout and clearTimeout faked, an idle worker stops on the fake clock', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const pool = new Pool({ maxWorkers: 1, idleTimeout: 1000 });
      await pool.submit(() => 1);
      await clock.tickAsync(1000); // performance.now() barely moved: the timer's own clock decides
      expect(pool.stats.workers).to.equal(0);
      await pool.close();
    } finally {
      clock.restore();
    }
  });

  it('with only setTimeout and clearTimeout faked, the reaper counts its own sweeps: at most one interval late', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const pool = new Pool({ maxWorkers: 2, idleTimeout: 1000, scaleDown: { reaper: { interval: 250 } } });
      await pool.submit(() => 1);
      await clock.tickAsync(1000); // performance.now() barely moved: four sweeps, the first maybe at once
      expect(pool.stats.workers).to.equal(1);
      await clock.tickAsync(250); // five sweeps after it went idle: 1000 ms idle at least
      expect(pool.stats.workers).to.equal(0);
      await pool.close();
    } finally {
      clock.restore();
    }
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

  it('an interval longer than a timer can wait is waited for in full', async () => {
    const interval = 2 ** 32;
    const pool = new Pool({ maxWorkers: 1, idleTimeout: 10, scaleDown: { reaper: { interval } } });
    await pool.submit(() => 1);
    await clock.tickAsync(2 ** 31 - 1); // the longest a timer takes: one step of the interval
    expect(pool.stats.workers).to.equal(1);
    await clock.tickAsync(interval - (2 ** 31 - 1) - 1);
    expect(pool.stats.workers).to.equal(1);
    await clock.tickAsync(1);
    expect(pool.stats.workers).to.equal(0);
    await pool.close();
  });
});
