import { expect } from 'chai';
import { Pool } from '../../src/index.js';
import { deferred, flush } from '../support/deferred.js';
import { heapInUse } from '../support/gc.js';

describe('keyed tasks', () => {
  it('run one at a time per key, in submission order, while keys run concurrently', async () => {
    const pool = new Pool({ maxWorkers: 4 });
    const log: string[] = [];
    const active = new Map<string, number>();
    let peakPerKey = 0;
    const task = (key: string, n: number) => async () => {
      const now = (active.get(key) ?? 0) + 1;
      active.set(key, now);
      peakPerKey = Math.max(peakPerKey, now);
      log.push(`${key}${n}`);
      for (let i = 0; i < (n * 7) % 5; i++) await Promise.resolve();
      active.set(key, active.get(key)! - 1);
    };
    const futures = [];
    for (let n = 0; n < 5; n++)
      for (const key of ['a', 'b', 'c']) futures.push(pool.submit(task(key, n), { key }));
    expect(pool.stats.running).to.equal(3); // one per key
    expect(pool.stats.queued).to.equal(12);
    await Promise.all(futures);
    expect(peakPerKey).to.equal(1);
    for (const key of ['a', 'b', 'c']) {
      expect(log.filter((entry) => entry.startsWith(key))).to.deep.equal(
        [0, 1, 2, 3, 4].map((n) => `${key}${n}`),
      );
    }
    await pool.close();
  });

  for (const onFull of ['caller-runs', 'discard-oldest'] as const) {
    it(`${onFull}: a task of a key never overtakes one of that key made to wait blocked (runInPool's)`, async () => {
      const pool = new Pool({ maxWorkers: 1, queueCapacity: 1, onFull });
      const started: string[] = [];
      const gate = deferred();
      pool.submit(() => gate.promise);
      pool.submit(() => void started.push('filler')); // the queue is full
      const waiting = pool.submitWaiting(() => started.push('waiting'), { key: 'k' });
      expect(waiting.state).to.equal('blocked');
      const later = pool.submit(() => started.push('later'), { key: 'k' });
      gate.resolve();
      await Promise.all([waiting, later]);
      expect(started).to.deep.equal(['filler', 'waiting', 'later']);
      await pool.close();
    });
  }

  it('reject: a task of a key one waits blocked for is refused as any other, not blocked behind it', async () => {
    const pool = new Pool({ maxWorkers: 1, queueCapacity: 1, onFull: 'reject' });
    const gate = deferred();
    pool.submit(() => gate.promise);
    pool.submit(() => 'filler'); // the queue is full
    const waiting = pool.submitWaiting(() => 'waiting', { key: 'k' });
    const refused = pool.submit(() => 'refused', { key: 'k' });
    expect([waiting.state, refused.state]).to.deep.equal(['blocked', 'failed']);
    expect(pool.stats).to.include({ blocked: 1, rejected: 1 });
    gate.resolve();
    expect(await waiting).to.equal('waiting');
    await pool.close();
  });

  it('a failure does not block the key, nor does a cancellation', async () => {
    const pool = new Pool({ maxWorkers: 2 });
    const gate = deferred();
    const first = pool.submit(() => gate.promise.then(() => Promise.reject(new Error('x'))), { key: 'k' });
    const second = pool.submit(() => 'cancelled', { key: 'k' });
    const third = pool.submit(() => 'third', { key: 'k' });
    second.cancel();
    gate.resolve();
    expect((await first.result()).isErr()).to.equal(true);
    expect(await third).to.equal('third');
    await pool.close();
  });

  it('keeps key order whatever the queue kind, and priority across keys', async () => {
    const pool = new Pool({ maxWorkers: 1, queue: 'priority' });
    const gate = deferred();
    pool.submit(() => gate.promise);
    const order: string[] = [];
    const run = (name: string) => () => void order.push(name);
    const futures = [
      pool.submit(run('k-low'), { key: 'k', priority: 0 }),
      pool.submit(run('k-high'), { key: 'k', priority: 10 }), // waits behind k-low
      pool.submit(run('other-mid'), { priority: 5 }),
    ];
    gate.resolve();
    await Promise.all(futures);
    expect(order).to.deep.equal(['other-mid', 'k-low', 'k-high']);
    await pool.close();
  });

  it('counts tasks waiting for their key as queued, toward queueCapacity', async () => {
    const pool = new Pool({ maxWorkers: 4, queueCapacity: 1 });
    const gate = deferred();
    pool.submit(() => gate.promise, { key: 'k' });
    pool.submit(() => 'waits', { key: 'k' });
    const refused = pool.submit(() => 'refused', { key: 'k' });
    expect(pool.stats).to.include({ queued: 1, running: 1, rejected: 1 });
    expect(refused.state).to.equal('failed');
    gate.resolve();
    await pool.close();
  });

  it('a running keyed task holds its key until its function returns, even when cancelled', async () => {
    const pool = new Pool({ maxWorkers: 2 });
    const gate = deferred();
    const first = pool.submit(() => gate.promise, { key: 'k' });
    const second = pool.submit(() => 'second', { key: 'k' });
    first.cancel();
    await flush();
    expect(second.state).to.equal('queued');
    gate.resolve();
    expect(await second).to.equal('second');
    await pool.close();
  });

  it('terminate cancels tasks waiting for their key', async () => {
    const pool = new Pool({ maxWorkers: 1 });
    const gate = deferred();
    pool.submit(() => gate.promise, { key: 'k' });
    const waiting = pool.submit(() => 'x', { key: 'k' });
    const terminating = pool.terminate();
    expect(waiting.state).to.equal('cancelled');
    gate.resolve();
    await terminating;
    expect(pool.stats).to.include({ queued: 0, cancelled: 2 });
  });

  for (const [queue, expected] of [
    ['fifo', ['A', 'B', 'C', 'D']],
    ['lifo', ['A', 'D', 'C', 'B']],
    ['priority', ['A', 'B', 'C', 'D']],
  ] as const) {
    for (const dispatch of ['shared', 'dedicated'] as const)
      it(`across keys the queue kind applies once a key frees (${queue}, ${dispatch})`, async () => {
        const pool = new Pool({ maxWorkers: 1, queue, dispatch });
        const order: string[] = [];
        const gate = deferred();
        const task = (name: string, wait?: Promise<void>) => async () => {
          order.push(name);
          await wait;
        };
        const futures = [
          pool.submit(task('A', gate.promise), { key: 'k' }),
          pool.submit(task('B'), { key: 'k' }), // waits for A; then it is the oldest waiting
          pool.submit(task('C')),
          pool.submit(task('D'), { key: 'j' }),
        ];
        gate.resolve();
        await Promise.all(futures);
        expect(order).to.deep.equal(expected);
        await pool.close();
      });
  }

  it("a task its key frees is back in the queue before a listener of the key's last task submits", async () => {
    const pool = new Pool({ maxWorkers: 2 });
    const order: number[] = [];
    const gates: (() => void)[] = [];
    const task = (n: number) => (): Promise<void> => {
      order.push(n);
      return new Promise<void>((resolve) => gates.push(resolve));
    };
    const first = pool.submit(task(1), { key: 'k' });
    pool.submit(task(2), { key: 'k' }); // waits behind its key
    pool.events$.subscribe((event) => {
      if (event.type === 'task:succeeded' && event.taskId === first.id) pool.submit(task(3));
    });
    gates[0]!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).to.deep.equal([1, 2, 3]);
    gates.forEach((resolve) => resolve());
    await pool.close();
  });

  it('a task its key freed leaves the queue, cancelled or evicted, with the counts right', async () => {
    const pool = new Pool({ maxWorkers: 1, queueCapacity: 2, onFull: 'discard-oldest' });
    const gate = deferred();
    const a = pool.submit(() => gate.promise, { key: 'k' });
    const b = pool.submit(() => 'b', { key: 'k' });
    const c = pool.submit(() => 'c', { key: 'k' });
    pool.pause();
    gate.resolve();
    await a;
    // b now waits in the queue proper, c still behind the key.
    expect(pool.stats).to.include({ queued: 2, running: 0 });
    expect(b.cancel()).to.equal(true); // frees the key for c
    expect(pool.stats).to.include({ queued: 1, cancelled: 1 });
    const d = pool.submit(() => 'd');
    const e = pool.submit(() => 'e'); // full: evicts c, the oldest waiting
    expect([c.state, d.state, e.state]).to.deep.equal(['cancelled', 'queued', 'queued']);
    pool.resume();
    expect(await Promise.all([d, e])).to.deep.equal(['d', 'e']);
    expect(pool.stats).to.include({ queued: 0, succeeded: 3, cancelled: 2 });
    await pool.close();
  });

  describe('memory', function () {
    this.timeout(20_000);

    it('a key that stays busy, with tasks always waiting behind it, keeps nothing per task', async () => {
      const pool = new Pool({ maxWorkers: 4 });
      const task = () => new Promise<void>((resolve) => setImmediate(resolve));
      // Three always in flight for the key: one running, two waiting behind it.
      const window = [1, 2, 3].map(() => pool.submit(task, { key: 'hot' }));
      const run = async (n: number) => {
        for (let i = 0; i < n; i++) {
          await window.shift();
          window.push(pool.submit(task, { key: 'hot' }));
        }
      };
      await run(1_000);
      const before = await heapInUse();
      await run(150_000);
      const perTask = ((await heapInUse()) - before) / 150_000;
      expect(perTask).to.be.below(6); // a lane that only grew kept 12 to 16 B
      await Promise.all(window);
      await pool.close();
    });

    it('tasks cancelled while they wait behind a busy key are let go', async () => {
      const pool = new Pool({ maxWorkers: 1 });
      const gate = deferred();
      pool.submit(() => gate.promise, { key: 'k' });
      const cancelAll = (n: number) => {
        for (let i = 0; i < n; i++) pool.submit(() => i, { key: 'k' }).cancel();
      };
      cancelAll(1_000);
      const before = await heapInUse();
      cancelAll(20_000);
      const perTask = ((await heapInUse()) - before) / 20_000;
      expect(perTask).to.be.below(50); // kept until the key freed: over 900 B each
      expect(pool.stats).to.include({ queued: 0, cancelled: 21_000 });
      gate.resolve();
      await pool.close();
    });
  });
});
