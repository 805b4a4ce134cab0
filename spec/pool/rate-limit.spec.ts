import { expect } from 'chai';
import fc from 'fast-check';
import sinon from 'sinon';
import { Pool, QueueFullError, type PoolOptions } from '../../src/index.js';
import { ThreadPool } from '../../src/threads/index.js';
import { deferred, flush } from '../support/deferred.js';

describe('rateLimit (fake timers)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  /** A pool of one worker that starts one task a minute, with no idle timer. */
  const oncePerMinute = (queueCapacity: number): Pool =>
    new Pool({
      maxWorkers: 1,
      queueCapacity,
      idleTimeout: Infinity,
      rateLimit: { limit: 1, interval: 60_000 },
    });

  /** Submits `count` tasks that note when they started and return at once. */
  const submitMany = (pool: Pool, count: number, starts: number[]) =>
    Array.from({ length: count }, () => pool.submit(() => void starts.push(performance.now())));

  it('starts at most `limit` tasks in any `interval` ms; the rest wait, queued', async () => {
    const pool = new Pool({ maxWorkers: 10, rateLimit: { limit: 3, interval: 1000 } });
    const starts: number[] = [];
    const futures = submitMany(pool, 7, starts);
    expect(starts).to.deep.equal([0, 0, 0]);
    expect(pool.stats).to.include({ queued: 4, running: 3 });
    await clock.tickAsync(999);
    expect(starts).to.have.length(3);
    await clock.tickAsync(1);
    expect(starts).to.deep.equal([0, 0, 0, 1000, 1000, 1000]);
    await clock.tickAsync(1000);
    expect(starts).to.deep.equal([0, 0, 0, 1000, 1000, 1000, 2000]);
    await Promise.all(futures);
    expect(pool.stats).to.include({ queued: 0, succeeded: 7 });
    await pool.close();
  });

  it('forgets the starts of an earlier clock: a pool shared by tests that each install their own', async () => {
    const pool = new Pool({ maxWorkers: 2, rateLimit: { limit: 1, interval: 100 } });
    const earlier: number[] = [];
    await clock.tickAsync(5_000);
    const first = submitMany(pool, 3, earlier);
    await clock.tickAsync(200);
    await Promise.all(first);
    expect(earlier).to.deep.equal([5_000, 5_100, 5_200]);
    clock.restore();
    clock = sinon.useFakeTimers(); // a new test's clock, back at 0
    const later: number[] = [];
    const futures = submitMany(pool, 2, later);
    expect(later).to.deep.equal([0]);
    await clock.tickAsync(100);
    expect(later).to.deep.equal([0, 100]);
    await Promise.all(futures);
    await pool.close();
  });

  it('close() and drain() start again what waits for a window whose timer a removed fake clock took', async () => {
    for (const settle of ['close', 'drain'] as const) {
      const pool = oncePerMinute(Infinity);
      await pool.submit(() => 'a');
      const waiting = pool.submit(() => 'b'); // held: its timer is on this clock
      clock.restore(); // the test ends: that timer never fires
      clock = sinon.useFakeTimers(); // the next test's clock, on which the window is empty
      await pool[settle]();
      expect(waiting.state, settle).to.equal('succeeded');
      await pool.close();
    }
  });

  it('slides: a start leaves the window `interval` ms after it, not at a fixed edge', async () => {
    const pool = new Pool({ maxWorkers: 10, rateLimit: { limit: 2, interval: 1000 } });
    const starts: number[] = [];
    submitMany(pool, 1, starts); // t = 0
    await clock.tickAsync(600);
    submitMany(pool, 2, starts); // t = 600: one fits, one waits for the start at 0 to leave
    expect(starts).to.deep.equal([0, 600]);
    await clock.tickAsync(400);
    expect(starts).to.deep.equal([0, 600, 1000]);
    submitMany(pool, 1, starts); // t = 1000: fixed windows would start it now, a third in [600, 1600)
    await clock.tickAsync(599);
    expect(starts).to.have.length(3);
    await clock.tickAsync(1);
    expect(starts).to.deep.equal([0, 600, 1000, 1600]);
    await pool.close();
  });

  it('holds under any arrivals, durations and bounds (property)', async () => {
    const arrival = fc.record({ after: fc.nat({ max: 300 }), runs: fc.nat({ max: 400 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(arrival, { minLength: 1, maxLength: 30, size: 'max' }),
        async (limit, interval, maxWorkers, arrivals) => {
          const pool = new Pool({ maxWorkers, rateLimit: { limit, interval } });
          const starts: number[] = [];
          let running = 0;
          let most = 0;
          const futures = [];
          for (const { after, runs } of arrivals) {
            await clock.tickAsync(after);
            futures.push(
              pool.submit(async () => {
                starts.push(performance.now());
                most = Math.max(most, ++running);
                await new Promise((resolve) => setTimeout(resolve, runs));
                running--;
              }),
            );
          }
          const closed = pool.close();
          await clock.runAllAsync();
          await closed;
          expect(starts).to.have.length(arrivals.length);
          expect(most).to.be.at.most(maxWorkers);
          // Any `limit + 1` starts in a row span at least `interval` ms.
          for (let i = limit; i < starts.length; i++) {
            expect(starts[i]! - starts[i - limit]!).to.be.at.least(interval);
          }
          // Every task ran, and the window left no timer behind.
          expect(clock.countTimers()).to.equal(0);
          await Promise.all(futures);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a task waiting for a worker then waits for the window, and starts the moment it opens', async () => {
    const pool = new Pool({ maxWorkers: 1, rateLimit: { limit: 1, interval: 100 } });
    const starts: number[] = [];
    const gate = deferred();
    pool.submit(() => gate.promise); // starts at 0, holds the only worker
    submitMany(pool, 2, starts);
    await clock.tickAsync(50);
    gate.resolve(); // the worker frees at 50, inside the window of the start at 0
    await clock.tickAsync(49);
    expect(starts).to.deep.equal([]);
    await clock.tickAsync(1);
    expect(starts).to.deep.equal([100]);
    await clock.tickAsync(100);
    expect(starts).to.deep.equal([100, 200]);
    await pool.close();
  });

  it('with no room to wait, the full-queue policy applies while the window is full; ready() waits for it', async () => {
    const pool = new Pool({
      maxWorkers: 4,
      queueCapacity: 0,
      onFull: 'reject',
      rateLimit: { limit: 2, interval: 1000 },
    });
    const starts: number[] = [];
    submitMany(pool, 2, starts);
    expect(pool.hasRoom()).to.equal(false);
    const refused = await pool.submit(() => 'late').result();
    expect(refused.isErr() && refused.error).to.be.instanceOf(QueueFullError);
    let ready = false;
    void pool.ready().then(() => (ready = true));
    await clock.tickAsync(999);
    expect(ready).to.equal(false);
    await clock.tickAsync(1);
    expect(ready).to.equal(true);
    expect(await pool.submit(() => 'on time')).to.equal('on time');
    await pool.close();
  });

  it('close() finishes the queue at the rate, then leaves no timer behind', async () => {
    const pool = new Pool({ maxWorkers: 2, rateLimit: { limit: 1, interval: 500 } });
    const starts: number[] = [];
    submitMany(pool, 3, starts);
    let closed = false;
    void pool.close().then(() => (closed = true));
    await clock.tickAsync(999);
    expect(closed).to.equal(false);
    await clock.tickAsync(1);
    expect(starts).to.deep.equal([0, 500, 1000]);
    expect(closed).to.equal(true);
    expect(clock.countTimers()).to.equal(0);
  });

  it('terminate() cancels what waits for the window and clears its timer', async () => {
    const pool = new Pool({ maxWorkers: 2, rateLimit: { limit: 1, interval: 500 } });
    const starts: number[] = [];
    const [first, second] = submitMany(pool, 2, starts);
    await pool.terminate();
    // The first had started; its outcome was not told yet: it is cancelled as a running task is.
    expect(first!.state).to.equal('cancelled');
    expect(second!.state).to.equal('cancelled');
    expect(clock.countTimers()).to.equal(0);
    expect(starts).to.deep.equal([0]);
  });

  it('holds the process open only while something waits for the window', async () => {
    const pool = new Pool({
      maxWorkers: 2,
      idleTimeout: Infinity,
      rateLimit: { limit: 1, interval: 60_000 },
    });
    const [, waiting] = submitMany(pool, 2, []);
    expect(clock.countTimers()).to.equal(1);
    waiting!.cancel();
    expect(clock.countTimers()).to.equal(0);
    expect(pool.hasRoom()).to.equal(true); // unbounded: room to wait
    const bounded = oncePerMinute(0);
    expect(await bounded.submit(() => 'first')).to.equal('first');
    expect(bounded.hasRoom()).to.equal(false);
    const refused = await bounded.submit(() => 'refused').result();
    expect(refused.isErr()).to.equal(true);
    expect(clock.countTimers()).to.equal(0);
    await Promise.all([pool.close(), bounded.close()]);
  });

  it('stops its timer once the last producer waiting for the window gives up or is let in', async () => {
    const pool = oncePerMinute(0);
    await pool.submit(() => 'first'); // the window is full for a minute
    const controller = new AbortController();
    const givenUp = pool.ready({ signal: controller.signal }).catch((error: unknown) => error);
    await flush();
    expect(clock.countTimers()).to.equal(1);
    controller.abort('gave up');
    expect(await givenUp).to.equal('gave up');
    await flush();
    expect(clock.countTimers()).to.equal(0);

    const queueing = oncePerMinute(1);
    await queueing.submit(() => 'first');
    const waiting = queueing.submit(() => 'waits for the window');
    let ready = false;
    void queueing.ready().then(() => (ready = true));
    await flush();
    expect(clock.countTimers()).to.equal(1);
    waiting.cancel(); // the producer is let in, and submits nothing
    await flush();
    expect(ready).to.equal(true);
    expect(clock.countTimers()).to.equal(0);
    await Promise.all([pool.close(), queueing.close()]);
  });

  it("'discard-oldest': a task submitted by a listener of an eviction starts when it is submitted, within the window", async () => {
    const pool = new Pool({
      maxWorkers: 3,
      minWorkers: 3,
      idleTimeout: Infinity,
      queueCapacity: 1,
      onFull: 'discard-oldest',
      rateLimit: { limit: 1, interval: 100 },
    });
    const from = performance.now();
    const starts: number[] = [];
    const task = () => () => void starts.push(performance.now() - from);
    pool.submit(task()); // starts at 0
    const evicted = pool.submit(task()); // waits for the window
    let late: ReturnType<Pool['submit']> | undefined;
    pool.events$.subscribe((event) => {
      if (event.type !== 'task:cancelled' || event.taskId !== evicted.id) return;
      clock.tick(60); // a listener that takes 60 ms
      pool.clear();
      if (pool.hasRoom()) late = pool.submit(task());
    });
    await clock.tickAsync(50);
    pool.submit(task()); // at 50, evicts the waiting one
    await clock.tickAsync(300);
    // Submitted at 110, after the listener's 60 ms: the window, open since 100, lets it start then.
    expect(late!.timing.startedAt).to.equal(late!.timing.submittedAt);
    expect(starts).to.deep.equal([0, 110]);
    await pool.close();
  });

  it('a paused pool starts nothing when the window opens; resume() starts what it allows', async () => {
    const pool = new Pool({ maxWorkers: 4, rateLimit: { limit: 1, interval: 100 } });
    const starts: number[] = [];
    submitMany(pool, 3, starts);
    pool.pause();
    await clock.tickAsync(300);
    expect(starts).to.deep.equal([0]);
    pool.resume();
    expect(starts).to.deep.equal([0, 300]);
    await clock.tickAsync(100);
    expect(starts).to.deep.equal([0, 300, 400]);
    await pool.close();
  });

  it('counts a start on every queue kind and dispatch mode', async () => {
    for (const options of [
      { queue: 'lifo' },
      { queue: 'priority' },
      { dispatch: 'dedicated' },
    ] satisfies Partial<PoolOptions>[]) {
      const pool = new Pool({ maxWorkers: 3, ...options, rateLimit: { limit: 1, interval: 100 } });
      const starts: number[] = [];
      const from = performance.now();
      submitMany(pool, 3, starts);
      await clock.tickAsync(200);
      expect(
        starts.map((at) => at - from),
        JSON.stringify(options),
      ).to.deep.equal([0, 100, 200]);
      await pool.close();
    }
  });
});

describe('rateLimit validation', () => {
  const make =
    (rateLimit: unknown, extra: Partial<PoolOptions> = {}) =>
    () =>
      new Pool({ maxWorkers: 1, ...extra, rateLimit: rateLimit as PoolOptions['rateLimit'] });

  it('names the option and the value it received', () => {
    expect(make(5)).to.throw(TypeError, 'rateLimit must be an object { limit, interval }, received 5');
    expect(make({ limit: '2', interval: 1 })).to.throw(TypeError, 'rateLimit.limit must be a number');
    expect(make({ limit: 0, interval: 1 })).to.throw(RangeError, 'rateLimit.limit must be an integer >= 1');
    expect(make({ limit: 1.5, interval: 1 })).to.throw(RangeError, 'received 1.5');
    expect(make({ limit: Infinity, interval: 1 })).to.throw(RangeError, 'rateLimit.limit');
    expect(make({ limit: 1 })).to.throw(TypeError, 'rateLimit.interval must be a number, received undefined');
    for (const interval of [0, -1, Infinity]) {
      expect(make({ limit: 1, interval })).to.throw(
        RangeError,
        'rateLimit.interval must be a finite duration',
      );
    }
    expect(make({ limit: 1, interval: NaN })).to.throw(RangeError, 'rateLimit.interval must be a number');
  });

  it("refuses onFull: 'caller-runs', whose tasks would start outside the limit", () => {
    expect(make({ limit: 1, interval: 10 }, { onFull: 'caller-runs' })).to.throw(RangeError, 'caller-runs');
  });

  it('ThreadPool takes it too, validated the same way', () => {
    const module = new URL('../threads/fixtures/settings.mjs', import.meta.url);
    expect(() => new ThreadPool({ module, rateLimit: { limit: 0, interval: 1 } })).to.throw(
      RangeError,
      'rateLimit.limit',
    );
  });
});
