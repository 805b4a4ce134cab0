import { expect } from 'chai';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { WorkerCrashedError, type PoolEvent, type ScalingEvent } from '../../src/index.js';
import { ThreadPool, WorkerCrashedError as FromThreads } from '../../src/threads/index.js';

type Work = typeof import('./fixtures/work.js');

const module = 'spec/threads/fixtures/work.ts';

describe('ThreadPool threads', () => {
  describe('a thread that crashes', () => {
    let pool: ThreadPool<Work>;
    let scaling: ScalingEvent[];
    let events: PoolEvent[];
    beforeEach(() => {
      pool = new ThreadPool<Work>({ module, maxWorkers: 1, minWorkers: 1 });
      scaling = [];
      events = [];
      pool.scaling$.subscribe((event) => scaling.push(event));
      pool.events$.subscribe((event) => events.push(event));
    });
    afterEach(() => pool.close());

    it('by exiting fails its task with WorkerCrashedError, and a replacement runs the next ones', async () => {
      const before = await pool.run('thread');
      const crashed = pool.run('crash', 3);
      const result = await crashed.result();
      const error = result.isErr() ? (result.error as WorkerCrashedError) : undefined;
      expect(error).to.be.instanceOf(WorkerCrashedError);
      expect(error).to.include({ code: 'ERR_WORKER_CRASHED', workerId: 1, taskId: crashed.id });
      expect(error!.cause)
        .to.be.instanceOf(Error)
        .and.have.property('message', 'The thread exited with code 3');
      expect(crashed.state).to.equal('failed');
      expect(scaling.map(({ type, reason, workers }) => [type, reason, workers])).to.deep.equal([
        ['down', 'crash', 0],
        ['up', 'warm-up', 1],
      ]);
      const failed = events.find((event) => event.type === 'task:failed');
      expect(failed).to.include({ taskId: crashed.id, workerId: 1, error });
      expect(await pool.run('fib', 10)).to.equal(55);
      expect(await pool.run('thread')).to.not.equal(before);
      expect(pool.stats).to.include({ workers: 1, failed: 1, succeeded: 3, running: 0 });
    });

    it('on its first task is replaced at once as well', async () => {
      const result = await pool.run('crash', 3).result();
      expect(result.isErr() && result.error).to.be.instanceOf(WorkerCrashedError);
      expect(scaling.map(({ type, reason }) => `${type}:${reason}`)).to.deep.equal([
        'down:crash',
        'up:warm-up',
      ]);
      expect(pool.stats.workers).to.equal(1);
    });

    it('while idle is told with its error, the one word of it: on worker:stopped and the crash scaling event', async () => {
      expect(await pool.run('explodeLater', 10)).to.equal('returned');
      const warmed = new Promise<void>((resolve) =>
        pool.scaling$.subscribe(({ reason }) => reason === 'warm-up' && resolve()),
      );
      await warmed;
      const [down] = scaling;
      expect(down).to.include({ type: 'down', reason: 'crash', workerId: 1 });
      expect(down!.error)
        .to.be.instanceOf(WorkerCrashedError)
        .and.include({ workerId: 1, taskId: undefined });
      expect((down!.error as Error).cause).to.include({
        name: 'FixtureError',
        message: 'exploded while idle',
      });
      const stopped = events.find((event) => event.type === 'worker:stopped');
      expect(stopped).to.deep.include({ workerId: 1, error: down!.error });
      // Stops of any other kind carry no error.
      await pool.close();
      expect(scaling.slice(1).map(({ type, reason, error }) => [type, reason, error])).to.deep.equal([
        ['up', 'warm-up', undefined],
        ['down', 'shutdown', undefined],
      ]);
    });

    it('by an uncaught error fails its task with that error as the cause; queued tasks go on', async () => {
      const exploded = pool.run('explode');
      const queued = pool.run('add', 20, 22);
      const result = await exploded.result();
      const error = result.isErr() ? (result.error as WorkerCrashedError) : undefined;
      expect(error).to.be.instanceOf(WorkerCrashedError);
      expect(error!.cause).to.be.instanceOf(Error).and.include({ name: 'FixtureError', message: 'exploded' });
      expect(await queued).to.equal(42);
    });
  });

  it('rxpool/threads exports the WorkerCrashedError of rxpool, the one its tasks fail with', () => {
    expect(FromThreads).to.equal(WorkerCrashedError);
  });

  it('without minWorkers, a crashed thread is replaced when a task needs one', async () => {
    const pool = new ThreadPool<Work>({ module, maxWorkers: 1 });
    const scaling: string[] = [];
    pool.scaling$.subscribe(({ type, reason }) => scaling.push(`${type}:${reason}`));
    await pool.run('crash').result();
    expect(pool.stats.workers).to.equal(0);
    expect(await pool.run('add', 1, 1)).to.equal(2);
    await pool.close();
    expect(scaling).to.deep.equal(['up:demand', 'down:crash', 'up:demand', 'down:shutdown']);
  });

  it('a thread that cannot even be made fails its task with WorkerCrashedError; the pool goes on', async () => {
    // As `new Worker` throws under a permission model that denies threads.
    const threads = createRequire(import.meta.url)('node:worker_threads') as { Worker: unknown };
    const Worker = threads.Worker;
    const denied = Object.assign(new Error('Access to this API has been restricted'), {
      code: 'ERR_ACCESS_DENIED',
    });
    threads.Worker = function DeniedWorker() {
      throw denied;
    };
    syncBuiltinESMExports();
    const pool = new ThreadPool<Work>({ module, maxWorkers: 1 });
    try {
      const future = pool.run('add', 1, 2);
      const result = await future.result();
      const error = result.isErr() ? (result.error as WorkerCrashedError) : undefined;
      expect(error).to.be.instanceOf(WorkerCrashedError);
      expect(error).to.include({ taskId: future.id, cause: denied });
      expect(pool.stats).to.include({ failed: 1, running: 0, busyWorkers: 0 });
    } finally {
      threads.Worker = Worker;
      syncBuiltinESMExports();
    }
    expect(await pool.run('add', 2, 2)).to.equal(4);
    await pool.close();
  });
});
