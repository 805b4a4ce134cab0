import { expect } from 'chai';
import sinon from 'sinon';
import { BasePool, WorkerCrashedError, type ScalingEvent } from '../../src/index.js';
import { resolveOptions, type PoolOptions } from '../../src/pool/options.js';
import type { Runtime, TaskFunction } from '../../src/pool/runtime.js';

/** A runtime whose workers can be made to crash, as a thread that exits would. */
class CrashingRuntime implements Runtime<TaskFunction<unknown>> {
  readonly crashers: ((error: unknown, stopped?: boolean) => void)[] = [];
  crashOnRun = false;
  started = 0;

  startWorker(workerId: number, crashed: (error: unknown, stopped?: boolean) => void) {
    this.started++;
    this.crashers.push(crashed);
    return {
      run: (job: TaskFunction<unknown>, ctx: Parameters<TaskFunction<unknown>>[0]) => {
        if (!this.crashOnRun) return job(ctx);
        crashed(new WorkerCrashedError(workerId, { taskId: ctx.taskId }));
        return new Promise(() => {}); // the thread is gone: its result never comes
      },
      stop: () => {},
    };
  }
}

class TestPool extends BasePool<TaskFunction<unknown>> {
  constructor(runtime: CrashingRuntime, options: PoolOptions) {
    super(runtime, resolveOptions(options));
  }
  submit<T>(task: TaskFunction<T>) {
    return this.submitJob<T>(task as TaskFunction<unknown>, undefined);
  }
}

describe('worker crashes (fake timers)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  it('fails the running task with WorkerCrashedError, replaces the worker and goes on', async () => {
    const runtime = new CrashingRuntime();
    const pool = new TestPool(runtime, { maxWorkers: 1, minWorkers: 1 });
    const events: string[] = [];
    pool.scaling$.subscribe((e: ScalingEvent) => events.push(`${e.type}:${e.reason}`));
    expect(await pool.submit(() => 'fine')).to.equal('fine');
    runtime.crashOnRun = true;
    const lost = pool.submit(() => 'lost');
    const result = await lost.result();
    expect(result.isErr() && result.error).to.be.instanceOf(WorkerCrashedError);
    expect(events).to.deep.equal(['down:crash', 'up:warm-up']); // it had finished a task: replaced at once
    runtime.crashOnRun = false;
    expect(await pool.submit(() => 'after')).to.equal('after');
    expect(pool.stats).to.include({ workers: 1, failed: 1, succeeded: 2 });
    await pool.close();
  });

  it('replaces at once a worker its runtime ended (its aborted task would not return), however many in a row', async () => {
    const runtime = new CrashingRuntime();
    const pool = new TestPool(runtime, { maxWorkers: 2, minWorkers: 1 });
    const events: string[] = [];
    pool.scaling$.subscribe((e: ScalingEvent) => events.push(`${e.type}:${e.reason}`));
    for (let i = 0; i < 4; i++) runtime.crashers.at(-1)!(new Error('stopped by its runtime'), true);
    // No backoff: each replacement started in the same step, no timer needed.
    expect(runtime.started).to.equal(5);
    expect(pool.stats.workers).to.equal(1);
    expect(events).to.deep.equal(Array.from({ length: 4 }, () => ['down:crash', 'up:warm-up']).flat());
    await pool.close();
  });

  it('replaces a worker that dies before any task at once, and the next ones in a row after a doubling backoff', async () => {
    const runtime = new CrashingRuntime();
    const pool = new TestPool(runtime, { maxWorkers: 2, minWorkers: 1 });
    const crashIdle = (): void => runtime.crashers.at(-1)!(new Error('exit on load'));
    crashIdle();
    expect(runtime.started).to.equal(2);
    expect(pool.stats.workers).to.equal(1);
    crashIdle();
    expect(pool.stats.workers).to.equal(0);
    await clock.tickAsync(99);
    expect(runtime.started).to.equal(2);
    await clock.tickAsync(1);
    expect(runtime.started).to.equal(3);
    crashIdle();
    await clock.tickAsync(199);
    expect(runtime.started).to.equal(3);
    await clock.tickAsync(1);
    expect(runtime.started).to.equal(4);
    expect(pool.stats.workers).to.equal(1);
    crashIdle();
    await pool.close();
    expect(clock.countTimers()).to.equal(0); // the pending replacement was cancelled
  });
});
