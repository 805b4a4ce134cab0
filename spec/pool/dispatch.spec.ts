import { expect } from 'chai';
import fc from 'fast-check';
import { Pool, type Future, type PoolOptions } from '../../src/index.js';
import { OWN_QUEUE_CAPACITY } from '../../src/pool/dispatch.js';
import { deferred, flush, type Deferred } from '../support/deferred.js';
import { fullPolicy, queueKind } from '../support/arbitraries.js';
import { settlementLog } from '../support/settlements.js';

/** A dedicated pool of two workers, A held by `long` and B by `short`. */
function twoBusyWorkers(queue: PoolOptions['queue'] = 'fifo'): {
  pool: Pool;
  long: Deferred<void>;
  short: Deferred<void>;
} {
  const pool = new Pool({ maxWorkers: 2, minWorkers: 2, dispatch: 'dedicated', queue });
  const long = deferred();
  const short = deferred();
  pool.submit(() => long.promise); // worker A
  pool.submit(() => short.promise); // worker B
  return { pool, long, short };
}

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
    const { pool, long, short } = twoBusyWorkers();
    const behind = [1, 2, 3].map((n) => pool.submit(async () => n)); // spread over both queues
    short.resolve();
    expect(await Promise.all(behind)).to.deep.equal([1, 2, 3]); // B drained them all while A is stuck
    expect(pool.stats).to.include({ running: 1, busyWorkers: 1 });
    long.resolve();
    await pool.close();
  });

  for (const queue of ['fifo', 'lifo', 'priority'] as const) {
    it(`a thief takes what the busy worker would start next: stolen tasks start in the queue's order (${queue})`, async () => {
      const { pool, long, short } = twoBusyWorkers(queue);
      const started: number[] = [];
      // Spread over both queues; under 'priority', the later the higher.
      const behind = [1, 2, 3, 4, 5, 6].map((n) => pool.submit(() => void started.push(n), { priority: n }));
      short.resolve(); // B runs its own queue, then steals all of A's
      await Promise.all(behind);
      const fromA = started.filter((n) => n % 2 === 1); // A's queue took the odd ones
      expect(fromA).to.deep.equal(queue === 'fifo' ? [1, 3, 5] : [5, 3, 1]);
      long.resolve();
      await pool.close();
    });
  }

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

  describe('own queues and the overflow', () => {
    const capacity = OWN_QUEUE_CAPACITY;

    /** Runs `count` tasks, queued behind a gate on one worker; returns the indexes in the order they ran. */
    async function runOrder(queue: PoolOptions['queue'], priorities: number[]): Promise<number[]> {
      const pool = new Pool({ maxWorkers: 1, dispatch: 'dedicated', queue });
      const gate = deferred();
      pool.submit(() => gate.promise, { priority: Infinity });
      const ran: number[] = [];
      const futures = priorities.map((priority, i) => pool.submit(() => void ran.push(i), { priority }));
      gate.resolve();
      await Promise.all(futures);
      await pool.close();
      return ran;
    }

    // More than one worker's own queue holds, so some wait in the overflow.
    const count = 3 * capacity + 5;
    const indexes = Array.from({ length: count }, (_, i) => i);

    it('one worker runs its own queue and the overflow together in FIFO order', async () => {
      expect(await runOrder('fifo', new Array<number>(count).fill(0))).to.deep.equal(indexes);
    });

    it('one worker runs its own queue and the overflow together in LIFO order', async () => {
      expect(await runOrder('lifo', new Array<number>(count).fill(0))).to.deep.equal(indexes.toReversed());
    });

    it('one worker runs its own queue and the overflow together in priority order', async () => {
      const priorities = indexes.map((i) => (i * 7) % 5);
      const expected = indexes.toSorted((a, b) => priorities[b]! - priorities[a]! || a - b);
      expect(await runOrder('priority', priorities)).to.deep.equal(expected);
    });

    for (const queue of ['fifo', 'lifo', 'priority'] as const) {
      it(`a stopping worker's queue keeps its place in ${queue} order among the rest`, async () => {
        const { pool, long, short } = twoBusyWorkers(queue);
        const ran: number[] = [];
        // Both workers' queues full, a few in the overflow; then A stops when its task returns.
        const submitted = indexes.slice(0, 2 * capacity + 4);
        const futures = submitted.map((i) => pool.submit(() => void ran.push(i)));
        pool.resize({ minWorkers: 1, maxWorkers: 1 });
        long.resolve();
        await flush();
        short.resolve();
        await Promise.all(futures);
        expect(pool.stats.workers).to.equal(1);
        expect(ran).to.deep.equal(queue === 'lifo' ? submitted.toReversed() : submitted);
        await pool.close();
      });
    }

    it('a worker holds at most its capacity; the rest waits in the overflow, taken before stealing', async () => {
      const { pool, long, short } = twoBusyWorkers();
      const extra = 4;
      const ran: number[] = [];
      const futures = Array.from({ length: 2 * capacity + extra }, (_, i) =>
        pool.submit(() => void ran.push(i)),
      );
      short.resolve();
      await Promise.all(futures); // all on B, while A is stuck
      // B's own queue first, then the overflow (the last submitted), then A's queue stolen from its head.
      const own = ran.slice(0, capacity);
      const overflow = ran.slice(capacity, capacity + extra);
      const stolen = ran.slice(capacity + extra);
      expect(own.every((i) => i < 2 * capacity)).to.equal(true);
      expect(own).to.deep.equal(own.toSorted((a, b) => a - b));
      expect(overflow).to.deep.equal([0, 1, 2, 3].map((i) => 2 * capacity + i));
      expect(stolen).to.have.length(capacity);
      expect(stolen).to.deep.equal(stolen.toSorted((a, b) => a - b));
      expect([...own, ...stolen].toSorted((a, b) => a - b)).to.deep.equal(indexes.slice(0, 2 * capacity));
      long.resolve();
      await pool.close();
    });

    type Step =
      | { op: 'burst'; count: number; key: boolean }
      | { op: 'release' | 'cancel'; index: number }
      | { op: 'resize'; maxWorkers: number }
      | { op: 'tick' };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({
        op: fc.constant('burst' as const),
        count: fc.integer({ min: 1, max: 2 * capacity + 8 }),
        key: fc.boolean(),
      }),
      fc.record({ op: fc.constantFrom('release' as const, 'cancel' as const), index: fc.nat() }),
      fc.record({ op: fc.constant('resize' as const), maxWorkers: fc.integer({ min: 1, max: 3 }) }),
      fc.constant({ op: 'tick' as const }),
    );

    it('with bursts past the own queues, under every onFull policy: every task settles once, the counts hold, the bound holds', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 3 }),
          queueKind,
          fc.record({
            queueCapacity: fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 3 * capacity })),
            onFull: fullPolicy,
          }),
          fc.array(step, { maxLength: 25 }),
          fc.boolean(),
          async (maxWorkers, queue, bound, steps, terminate) => {
            const pool = new Pool({ maxWorkers, queue, ...bound, dispatch: 'dedicated', idleTimeout: 0 });
            const futures: Future<unknown>[] = [];
            const gates: Deferred<void>[] = [];
            const settlements = settlementLog(pool);
            let running = 0;
            let overBound = 0;
            for (const s of steps) {
              if (s.op === 'burst') {
                const gate = deferred();
                gates.push(gate);
                for (let i = 0; i < s.count; i++) {
                  const future = pool.submit(
                    async ({ workerId }) => {
                      const onWorker = workerId !== -1; // not run on the caller
                      if (onWorker && ++running > pool.stats.maxWorkers) overBound++;
                      await gate.promise;
                      if (onWorker) running--;
                    },
                    { priority: i % 3, ...(s.key && i % 4 === 0 ? { key: 'k' } : {}) },
                  );
                  settlements.watch(future);
                  futures.push(future);
                }
              } else if (s.op === 'release') gates[s.index % Math.max(1, gates.length)]?.resolve();
              else if (s.op === 'cancel') futures[s.index % Math.max(1, futures.length)]?.cancel();
              else if (s.op === 'resize') pool.resize({ maxWorkers: s.maxWorkers });
              else await flush(3);
              const stats = pool.stats;
              expect(stats.queued).to.equal(futures.filter((future) => future.state === 'queued').length);
              expect(stats.running).to.equal(futures.filter((future) => future.state === 'running').length);
              expect(stats.blocked).to.equal(futures.filter((future) => future.state === 'blocked').length);
            }
            if (terminate) await Promise.all([pool.terminate(), ...gates.map((gate) => gate.resolve())]);
            for (const gate of gates) gate.resolve();
            await pool.close();
            await flush();
            expect(pool.stats).to.include({ queued: 0, running: 0, workers: 0 });
            expect(futures.every((future) => future.settled)).to.equal(true);
            settlements.check(futures);
            expect(overBound, 'a task started above the bound').to.equal(0);
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});
