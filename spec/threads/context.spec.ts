import { expect } from 'chai';
import sinon from 'sinon';
import { CancelledError, TimeoutError, type PoolEvent } from '../../src/index.js';
import { ThreadPool, taskSignal } from '../../src/threads/index.js';

type Work = typeof import('./fixtures/work.js');

const module = 'spec/threads/fixtures/work.ts';

/** Resolves when the pool emits an event of `type`. */
const nextEvent = (pool: ThreadPool<Work>, type: PoolEvent['type']): Promise<PoolEvent> =>
  new Promise((resolve) => {
    const subscription = pool.events$.subscribe((event) => {
      if (event.type !== type) return;
      subscription.unsubscribe();
      resolve(event);
    });
  });

describe('taskSignal()', () => {
  describe('in a thread', () => {
    let pool: ThreadPool<Work>;
    before(async () => {
      pool = new ThreadPool<Work>({ module, maxWorkers: 1 });
      // Its thread has loaded the module: a task aborted before its function runs never reads its signal.
      await pool.run('thread');
    });
    after(() => pool.close());

    it('is the running task signal, also after an await', async () => {
      expect(await pool.run('signalAfterAwait')).to.equal(true);
    });

    it("aborts when the Future is cancelled, with a CancelledError of the thread's rxpool", async () => {
      const future = pool.run('sleep', 60_000);
      future.cancel('no longer needed');
      expect(future.state).to.equal('cancelled');
      const returned = nextEvent(pool, 'pool:drained');
      expect(pool.stats.busyWorkers).to.equal(1); // until the function returns
      await returned;
      expect((await pool.run('abortReasons')).at(-1)).to.deep.equal({
        name: 'CancelledError',
        message: 'The task was cancelled',
        code: 'ERR_CANCELLED',
        instanceOf: ['PoolError', 'CancelledError'],
        readable: true, // in its abort listener
      });
      const result = await future.result();
      expect(result.isErr() && result.error).to.be.instanceOf(CancelledError);
    });

    it('aborts when the task times out (fake timers), and the Future fails with TimeoutError', async () => {
      const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
      try {
        const future = pool.submit<string>({ fn: 'sleep', args: [60_000] }, { timeout: 5_000 });
        await clock.tickAsync(5_000);
        expect(future.state).to.equal('failed');
        const result = await future.result();
        expect(result.isErr() && result.error).to.be.instanceOf(TimeoutError);
      } finally {
        clock.restore();
      }
      await pool.drain();
      expect((await pool.run('abortReasons')).at(-1)).to.deep.equal({
        name: 'TimeoutError',
        message: 'The task timed out after 5000 ms',
        code: 'ERR_TIMEOUT',
        instanceOf: ['PoolError', 'TimeoutError'],
        readable: true,
      });
    });

    it('aborts when the task signal given to submit aborts', async () => {
      const controller = new AbortController();
      const future = pool.submit({ fn: 'sleep', args: [60_000] }, { signal: controller.signal });
      controller.abort('stop');
      await pool.drain();
      expect(future.state).to.equal('cancelled');
      expect((await pool.run('abortReasons')).at(-1)).to.include({ name: 'CancelledError' });
    });
  });

  it('aborts every running task when the pool terminates; terminate() waits for them to return', async () => {
    const pool = new ThreadPool<Work>({ module, maxWorkers: 2, minWorkers: 2 });
    const sleeping = [pool.run('sleep', 60_000), pool.run('sleep', 60_000)];
    const queued = pool.run('fib', 5);
    await pool.terminate('shutting down');
    expect(sleeping.map((future) => future.state)).to.deep.equal(['cancelled', 'cancelled']);
    expect(queued.state).to.equal('cancelled');
    expect(pool.stats).to.include({ workers: 0, busyWorkers: 0, cancelled: 3 });
  });

  it('aborts a task run on the caller (onFull: caller-runs), in the thread started for it', async () => {
    const pool = new ThreadPool<Work>({ module, maxWorkers: 1, queueCapacity: 0, onFull: 'caller-runs' });
    const onWorker = pool.run('sleep', 60_000);
    const onCaller = pool.run('sleep', 60_000);
    expect(pool.stats).to.include({ running: 2, busyWorkers: 1 });
    onCaller.cancel('enough');
    onWorker.cancel('enough');
    // Resolves once both functions have returned: only their aborts make them return.
    await pool.drain();
    expect([onWorker.state, onCaller.state]).to.deep.equal(['cancelled', 'cancelled']);
    await pool.close();
  });

  it('throws outside a ThreadPool task', () => {
    expect(() => taskSignal()).to.throw(Error, 'taskSignal() must be called while a ThreadPool task runs');
  });

  it('reads the storage from the globalThis slot at each call, so every copy of the package shares it', async () => {
    const { AsyncLocalStorage } = await import('node:async_hooks');
    const slots = globalThis as unknown as Record<symbol, unknown>;
    const slot = Symbol.for('rxpool.threads.context');
    const previous = slots[slot];
    // As if another copy (the CommonJS build, say) had made the storage first.
    const storage = new AsyncLocalStorage<{ signal: AbortSignal }>();
    slots[slot] = storage;
    try {
      const { signal } = new AbortController();
      expect(storage.run({ signal }, () => taskSignal())).to.equal(signal);
    } finally {
      slots[slot] = previous;
    }
  });
});
