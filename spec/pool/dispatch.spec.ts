import { expect } from 'chai';
import { Pool } from '../../src/index.js';
import { deferred } from '../support/deferred.js';

describe("dispatch: 'dedicated'", () => {
  it('runs everything with the bound held', async () => {
    const pool = new Pool({ maxWorkers: 3, dispatch: 'dedicated' });
    let active = 0;
    let peak = 0;
    const futures = Array.from({ length: 50 }, (_, i) =>
      pool.submit(async () => {
        peak = Math.max(peak, ++active);
        for (let turn = 0; turn < i % 5; turn++) await Promise.resolve();
        active--;
        return i;
      }),
    );
    expect(await Promise.all(futures)).to.have.length(50);
    expect(peak).to.equal(3);
    await pool.close();
  });

  it('an idle worker steals what waits behind a long task', async () => {
    const pool = new Pool({ maxWorkers: 2, minWorkers: 2, dispatch: 'dedicated' });
    const long = deferred();
    const short = deferred();
    pool.submit(() => long.promise); // worker A
    pool.submit(() => short.promise); // worker B
    const behind = [1, 2, 3].map((n) => pool.submit(async () => n)); // spread over both queues
    short.resolve();
    expect(await Promise.all(behind)).to.deep.equal([1, 2, 3]); // B drained them all while A is stuck
    expect(pool.stats).to.include({ running: 1, busyWorkers: 1 });
    long.resolve();
    await pool.close();
  });

  it('keeps priority, capacity, cancel and keys working', async () => {
    const pool = new Pool({ maxWorkers: 1, dispatch: 'dedicated', queue: 'priority', queueCapacity: 3 });
    const gate = deferred();
    pool.submit(() => gate.promise);
    const order: string[] = [];
    const low = pool.submit(() => void order.push('low'), { priority: 1 });
    const high = pool.submit(() => void order.push('high'), { priority: 9 });
    const cancelled = pool.submit(() => void order.push('cancelled'), { priority: 5 });
    const refused = pool.submit(() => void order.push('refused'));
    cancelled.cancel();
    gate.resolve();
    await Promise.all([low, high]);
    expect(order).to.deep.equal(['high', 'low']);
    expect(refused.state).to.equal('failed');
    await pool.close();
  });

  it('queues tasks that arrive when no worker exists, then runs them', async () => {
    const pool = new Pool({ maxWorkers: 2, dispatch: 'dedicated' });
    pool.pause();
    const futures = [1, 2, 3].map((n) => pool.submit(async () => n));
    expect(pool.stats).to.include({ workers: 0, queued: 3 });
    pool.resume();
    expect(await Promise.all(futures)).to.deep.equal([1, 2, 3]);
    await pool.close();
  });

  it('a task cancelled by a listener of its own task:queued event is cancelled, and nothing breaks', async () => {
    const pool = new Pool({ maxWorkers: 1, dispatch: 'dedicated' });
    const gate = deferred();
    pool.submit(() => gate.promise);
    const controller = new AbortController();
    let ran = false;
    pool.events$.subscribe((event) => {
      if (event.type === 'task:queued' && event.taskId === 2) controller.abort('at once');
    });
    const cancelled = pool.submit(() => (ran = true), { signal: controller.signal });
    const after = pool.submit(() => 'after');
    expect(cancelled.state).to.equal('cancelled');
    gate.resolve();
    expect(await after).to.equal('after');
    expect(ran).to.equal(false);
    expect(pool.stats).to.include({ queued: 0, cancelled: 1, succeeded: 2 });
    await pool.close();
  });
});
