import { expect } from 'chai';
import { lastValueFrom, toArray } from 'rxjs';
import sinon from 'sinon';
import type { PoolEvent, PoolStats, ScalingEvent } from '../../src/index.js';
import { ThreadPool } from '../../src/threads/index.js';

type Work = typeof import('./fixtures/work.js');

const module = 'spec/threads/fixtures/work.ts';

const lifeOf = (events: PoolEvent[], taskId: number): string[] =>
  events.filter((event) => 'taskId' in event && event.taskId === taskId).map((event) => event.type);

const addsUp = (stats: PoolStats): boolean =>
  stats.submitted ===
    stats.queued +
      stats.blocked +
      stats.running +
      stats.succeeded +
      stats.failed +
      stats.cancelled +
      stats.rejected && stats.completed === stats.succeeded + stats.failed;

describe('ThreadPool stats and observables', () => {
  it('publishes the same events, stats, state and scaling as Pool', async () => {
    const pool = new ThreadPool<Work>({ module, maxWorkers: 1, queueCapacity: 1 });
    const events: PoolEvent[] = [];
    pool.events$.subscribe((event) => events.push(event));
    const states = lastValueFrom(pool.state$.pipe(toArray()));
    const depths = lastValueFrom(pool.queueDepth$.pipe(toArray()));
    const scaling = lastValueFrom(pool.scaling$.pipe(toArray()));

    const succeeded = pool.run('fib', 15);
    const failed = pool.run('throws', 'bad');
    const rejected = pool.run('fib', 1); // the queue holds one task: this one is refused
    expect(pool.stats).to.include({ running: 1, queued: 1, workers: 1, busyWorkers: 1, submitted: 3 });
    expect(addsUp(pool.stats)).to.equal(true);
    expect(await succeeded).to.equal(610);
    await failed.result();
    await rejected.result();
    await pool.close();

    expect(lifeOf(events, succeeded.id)).to.deep.equal(['task:queued', 'task:started', 'task:succeeded']);
    expect(lifeOf(events, failed.id)).to.deep.equal(['task:queued', 'task:started', 'task:failed']);
    expect(lifeOf(events, rejected.id)).to.deep.equal(['task:rejected']);
    const failure = events.find((event) => event.type === 'task:failed');
    expect(failure).to.include({ taskId: failed.id, workerId: 1 });
    expect(failure && 'error' in failure && (failure.error as Error).name).to.equal('FixtureError');
    const poolEvents = events.filter((event) => !event.type.startsWith('task:')).map((event) => event.type);
    expect(poolEvents).to.deep.equal(['worker:started', 'pool:drained', 'worker:stopped', 'pool:closed']);

    const last = (await states).at(-1)!;
    expect(last).to.include({ submitted: 3, succeeded: 1, failed: 1, rejected: 1, completed: 2, workers: 0 });
    expect(last.closed).to.equal(true);
    expect((await states).every(addsUp)).to.equal(true);
    expect(await depths).to.deep.equal([0, 1, 0, 1, 0]); // every task queues first, even one that starts at once
    expect((await scaling).map(({ type, reason, workers }) => [type, reason, workers])).to.deep.equal([
      ['up', 'demand', 1],
      ['down', 'shutdown', 0],
    ]);
  });

  it('starts warm threads for minWorkers and one per task up to maxWorkers', async () => {
    const pool = new ThreadPool<Work>({ module, minWorkers: 1, maxWorkers: 2 });
    expect(pool.stats).to.include({ workers: 1, idleWorkers: 1 });
    const threads = await Promise.all([pool.run('thread'), pool.run('thread')]);
    expect(new Set(threads).size).to.equal(2);
    expect(pool.stats).to.include({ workers: 2, succeeded: 2 });
    await pool.close();
  });

  describe('idle threads (fake timers)', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    });
    afterEach(() => clock.restore());

    it('stop after idleTimeout, as workers do; the next task starts a new thread', async () => {
      const pool = new ThreadPool<Work>({ module, maxWorkers: 1, idleTimeout: 1_000 });
      const scaling: ScalingEvent[] = [];
      pool.scaling$.subscribe((event) => scaling.push(event));
      const first = await pool.run('thread');
      await clock.tickAsync(999);
      expect(pool.stats.workers).to.equal(1);
      await clock.tickAsync(1);
      expect(pool.stats.workers).to.equal(0);
      expect(await pool.run('thread')).to.not.equal(first);
      await pool.close();
      expect(scaling.map(({ type, reason }) => `${type}:${reason}`)).to.deep.equal([
        'up:demand',
        'down:idle-timeout',
        'up:demand',
        'down:shutdown',
      ]);
    });
  });
});
