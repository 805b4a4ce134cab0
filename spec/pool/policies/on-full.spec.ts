import { expect } from 'chai';
import fc from 'fast-check';
import sinon from 'sinon';
import {
  DiscardedError,
  Pool,
  QueueFullError,
  type Future,
  type PoolStats,
  type PoolEvent,
} from '../../../src/index.js';
import { deferred, flush, type Deferred } from '../../support/deferred.js';
import { collected, heapInUse } from '../../support/gc.js';

// The real setImmediate, taken before any spec fakes it.
const nextTurn = globalThis.setImmediate;

const conserved = (s: PoolStats): number =>
  s.queued + s.blocked + s.running + s.succeeded + s.failed + s.cancelled + s.rejected;

/** A pool with one busy worker and a full queue of one. */
function fullPool(onFull: 'reject' | 'discard' | 'discard-oldest' | 'caller-runs' | 'block') {
  const pool = new Pool({ maxWorkers: 1, queueCapacity: 1, onFull });
  const events: PoolEvent[] = [];
  pool.events$.subscribe((event) => events.push(event));
  const gate = deferred();
  const running = pool.submit(() => gate.promise);
  const queued = pool.submit(async () => 'queued');
  return { pool, gate, running, queued, events };
}

describe('full-queue policies', () => {
  it("'reject' fails the Future with QueueFullError and counts it rejected", async () => {
    const { pool, gate, events } = fullPool('reject');
    const refused = pool.submit(() => 'x');
    expect(refused.state).to.equal('failed');
    const result = await refused.result();
    expect(result.isErr() && result.error)
      .to.be.instanceOf(QueueFullError)
      .with.property('capacity', 1);
    expect(events.filter((e) => 'taskId' in e && e.taskId === refused.id).map((e) => e.type)).to.deep.equal([
      'task:rejected',
    ]);
    expect(pool.stats).to.include({ rejected: 1, failed: 0 });
    gate.resolve();
    await pool.close();
  });

  it("'discard' cancels the new task with DiscardedError; nothing is thrown", async () => {
    const { pool, gate } = fullPool('discard');
    const dropped = pool.submit(() => 'x');
    expect(dropped.state).to.equal('cancelled');
    const result = await dropped.result();
    expect(result.isErr() && result.error).to.be.instanceOf(DiscardedError);
    expect(pool.stats).to.include({ rejected: 1, cancelled: 0 });
    gate.resolve();
    await pool.close();
  });

  it("'discard-oldest' cancels the oldest queued task and queues the new one", async () => {
    const { pool, gate, queued } = fullPool('discard-oldest');
    const newer = pool.submit(async () => 'newer');
    expect(queued.state).to.equal('cancelled');
    const result = await queued.result();
    expect(result.isErr() && result.error).to.be.instanceOf(DiscardedError);
    gate.resolve();
    expect(await newer).to.equal('newer');
    expect(pool.stats).to.include({ cancelled: 1, rejected: 0, succeeded: 2 });
    await pool.close();
  });

  it("'discard-oldest' with nothing queued discards the newcomer", async () => {
    const pool = new Pool({ maxWorkers: 1, queueCapacity: 0, onFull: 'discard-oldest' });
    const gate = deferred();
    pool.submit(() => gate.promise);
    const dropped = pool.submit(() => 'x');
    expect(dropped.state).to.equal('cancelled');
    expect(pool.stats.rejected).to.equal(1);
    gate.resolve();
    await pool.close();
  });

  it("'caller-runs' starts the task at once outside the worker limit, counted in running", async () => {
    const { pool, gate, events } = fullPool('caller-runs');
    const extra = deferred<string>();
    let workerId = 0;
    const onCaller = pool.submit((ctx) => {
      workerId = ctx.workerId;
      return extra.promise;
    });
    expect(onCaller.state).to.equal('running');
    expect(workerId).to.equal(-1);
    expect(pool.stats).to.include({ running: 2, workers: 1, busyWorkers: 1, queued: 1 });
    expect(events.filter((e) => 'taskId' in e && e.taskId === onCaller.id).map((e) => e.type)).to.deep.equal([
      'task:queued',
      'task:started',
    ]);
    extra.resolve('ran on caller');
    expect(await onCaller).to.equal('ran on caller');
    gate.resolve();
    await pool.close();
    expect(pool.stats).to.include({ succeeded: 3, running: 0 });
  });

  it("'caller-runs': a task that returns at once is running on the caller until its outcome is told", async () => {
    const { pool, gate } = fullPool('caller-runs');
    const onCaller = pool.submit(() => 'at once');
    const throwing = pool.submit(() => {
      throw new Error('at once');
    });
    expect([onCaller.state, throwing.state]).to.deep.equal(['running', 'running']);
    expect(pool.stats).to.include({ running: 3, workers: 1, busyWorkers: 1 });
    expect(await onCaller).to.equal('at once');
    expect(throwing.state).to.equal('failed');
    expect(pool.stats).to.include({ running: 1, succeeded: 1, failed: 1 });
    gate.resolve();
    await pool.close();
  });

  it("'block' parks submissions in order and admits them as room frees", async () => {
    const { pool, gate, queued } = fullPool('block');
    const blocked = [1, 2, 3].map((n) => pool.submit(async () => n));
    expect(blocked.map((f) => f.state)).to.deep.equal(['blocked', 'blocked', 'blocked']);
    expect(pool.stats).to.include({ blocked: 3, queued: 1 });
    expect(conserved(pool.stats)).to.equal(pool.stats.submitted);
    blocked[1]!.cancel();
    expect(pool.stats).to.include({ blocked: 2, cancelled: 1 });
    gate.resolve();
    expect(await queued).to.equal('queued');
    expect(await blocked[0]).to.equal(1);
    expect(await blocked[2]).to.equal(3);
    await pool.close();
    expect(pool.stats).to.include({ succeeded: 4, cancelled: 1, blocked: 0 });
  });

  it("'block' keeps admission order strict", async () => {
    const pool = new Pool({ maxWorkers: 1, queueCapacity: 1, onFull: 'block' });
    const order: number[] = [];
    const futures = Array.from({ length: 10 }, (_, n) => pool.submit(async () => void order.push(n)));
    await Promise.all(futures);
    expect(order).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await pool.close();
  });

  it("'block' admits a keyed submission only when its key allows it", async () => {
    const pool = new Pool({ maxWorkers: 2, queueCapacity: 1, onFull: 'block' });
    const log: string[] = [];
    const gates = { t0: deferred(), t1: deferred(), t2: deferred(), t3: deferred() };
    const task = (name: keyof typeof gates) => async () => {
      log.push(`${name} starts`);
      await gates[name].promise;
      log.push(`${name} ends`);
    };
    const futures = [
      pool.submit(task('t0')),
      pool.submit(task('t1'), { key: 'b' }),
      pool.submit(task('t2'), { key: 'b' }), // waits for its key: the queue is full
      pool.submit(task('t3'), { key: 'b' }), // blocked
    ];
    expect(futures.map((f) => f.state)).to.deep.equal(['running', 'running', 'queued', 'blocked']);
    gates.t0.resolve(); // a worker frees, but key b is still busy
    await flush();
    expect(futures[3]!.state).to.equal('blocked');
    gates.t1.resolve();
    gates.t2.resolve();
    gates.t3.resolve();
    await pool.close();
    expect(log.filter((line) => !line.startsWith('t0'))).to.deep.equal([
      't1 starts',
      't1 ends',
      't2 starts',
      't2 ends',
      't3 starts',
      't3 ends',
    ]);
  });

  it('terminate cancels blocked submissions', async () => {
    const { pool, gate } = fullPool('block');
    const blocked = pool.submit(() => 'x');
    const terminating = pool.terminate();
    expect(blocked.state).to.equal('cancelled');
    gate.resolve();
    await terminating;
    expect(pool.stats).to.include({ blocked: 0, cancelled: 3 });
  });

  it('blocked submissions sharing a signal that aborts are all cancelled: none starts in a place another freed', async () => {
    const pool = new Pool({ maxWorkers: 2, queueCapacity: 0, onFull: 'block' });
    const holding = deferred();
    pool.submit(() => holding.promise, { key: 'a' }); // runs, and keeps key 'a' busy
    const controller = new AbortController();
    const called: number[] = [];
    const behindKey = pool.submit(() => called.push(1), { key: 'a', signal: controller.signal });
    const behindIt = pool.submit(() => called.push(2), { signal: controller.signal });
    expect([behindKey.state, behindIt.state]).to.deep.equal(['blocked', 'blocked']);
    controller.abort('stop');
    expect([behindKey.state, behindIt.state]).to.deep.equal(['cancelled', 'cancelled']);
    expect(called).to.deep.equal([]);
    holding.resolve();
    await pool.close();
  });

  for (const queueCapacity of [1, 0]) {
    it(`'block' lets in 20,000 synchronous tasks one after another without growing the stack (queueCapacity ${queueCapacity})`, async () => {
      const pool = new Pool({ maxWorkers: 1, queueCapacity, onFull: 'block' });
      const gate = deferred();
      pool.submit(() => gate.promise);
      const futures = Array.from({ length: 20_000 }, (_, i) => pool.submit(() => i));
      expect(pool.stats.blocked).to.equal(20_000 - queueCapacity);
      gate.resolve();
      const values = await Promise.all(futures);
      expect(values[19_999]).to.equal(19_999);
      expect(pool.stats).to.include({ succeeded: 20_001, blocked: 0, queued: 0, busyWorkers: 0 });
      await pool.close();
    });
  }

  it('queueCapacity 0: a task starts at once or the policy applies', async () => {
    const pool = new Pool({ maxWorkers: 2, queueCapacity: 0, scaleUp: 'lazy' });
    const gate = deferred();
    const a = pool.submit(() => gate.promise);
    const b = pool.submit(() => gate.promise);
    const c = pool.submit(() => 'refused');
    expect([a.state, b.state, c.state]).to.deep.equal(['running', 'running', 'failed']);
    gate.resolve();
    await pool.close();
  });

  describe('ready()', () => {
    it('resolves at once when the queue is unbounded', async () => {
      const pool = new Pool({ maxWorkers: 1 });
      const gate = deferred();
      pool.submit(() => gate.promise);
      pool.submit(() => 'queued');
      await pool.ready();
      gate.resolve();
      await pool.close();
    });

    it('under fake timers, a place a producer took and left unused frees without a tick', async () => {
      const clock = sinon.useFakeTimers();
      try {
        const pool = new Pool({ maxWorkers: 1, queueCapacity: 1 });
        await pool.ready();
        await pool.ready(); // both places held, neither used
        let ready = false;
        const third = pool.ready().then(() => (ready = true));
        // The real event loop turns: nobody ticks the fake clock.
        await new Promise<void>((resolve) => nextTurn(resolve));
        await flush();
        expect(ready).to.equal(true);
        await third;
        await pool.close();
      } finally {
        clock.restore();
      }
    });

    it('hasRoom() says whether ready() would resolve at once, and reserves nothing', async () => {
      const pool = new Pool({ maxWorkers: 1, queueCapacity: 1 });
      const gate = deferred();
      expect(pool.hasRoom()).to.equal(true);
      expect(pool.hasRoom()).to.equal(true);
      pool.submit(() => gate.promise);
      pool.submit(() => gate.promise);
      expect(pool.hasRoom()).to.equal(false);
      const waiting = pool.ready();
      gate.resolve();
      await waiting;
      await pool.close();
      expect(pool.hasRoom()).to.equal(true); // closed: a submission is refused, never kept waiting
    });

    it('releases waiters in order and only as room allows', async () => {
      const pool = new Pool({ maxWorkers: 1, queueCapacity: 1, onFull: 'reject' });
      const gates = [deferred(), deferred(), deferred()];
      pool.submit(() => gates[0]!.promise);
      pool.submit(() => gates[1]!.promise); // the queue is full
      const released: number[] = [];
      const producers = [0, 1, 2].map(async (n) => {
        await pool.ready();
        released.push(n);
        return pool.submit(() => gates[2]!.promise);
      });
      await flush();
      expect(released).to.deep.equal([]);
      gates[0]!.resolve(); // one slot frees
      await flush();
      expect(released).to.deep.equal([0]);
      gates[1]!.resolve();
      gates[2]!.resolve();
      const futures = await Promise.all(producers);
      expect(released).to.deep.equal([0, 1, 2]);
      await Promise.all(futures);
      expect(pool.stats.rejected).to.equal(0);
      await pool.close();
    });

    it('with the key of its next task, a producer waits for room in the queue when the key is busy, free workers or not', async () => {
      const pool = new Pool({ maxWorkers: 4, queueCapacity: 2 });
      const [first, next] = [deferred(), deferred()];
      pool.submit(() => first.promise, { key: 'alice' });
      const outcomes: string[] = [];
      for (let i = 0; i < 2; i++) {
        await pool.ready({ key: 'alice' });
        outcomes.push(pool.submit(() => next.promise, { key: 'alice' }).state);
      }
      expect(outcomes).to.deep.equal(['queued', 'queued']); // behind their key: the queue is full
      await new Promise<void>((resolve) => nextTurn(resolve)); // no place is held for a producer now
      expect(pool.hasRoom()).to.equal(true); // a task with no key would start on a free worker
      expect(pool.hasRoom({ key: 'bob' })).to.equal(true);
      expect(pool.hasRoom({ key: 'alice' })).to.equal(false);
      let ready = false;
      const waiting = pool.ready({ key: 'alice' }).then(() => (ready = true));
      await flush();
      expect(ready).to.equal(false);
      first.resolve(); // the next of alice's tasks leaves the queue to run
      await waiting;
      expect(pool.submit(() => 'third', { key: 'alice' }).state).to.equal('queued');
      expect(pool.stats).to.include({ queued: 2, rejected: 0 });
      expect(() => pool.hasRoom({ key: 1 as unknown as string })).to.throw(
        TypeError,
        'hasRoom option key must be a string, received 1',
      );
      next.resolve();
      await pool.close();
    });

    it('a producer waiting for room for a task whose key is busy holds back nobody behind it', async () => {
      const pool = new Pool({ maxWorkers: 4, queueCapacity: 1 });
      const gate = deferred();
      pool.submit(() => gate.promise, { key: 'a' });
      pool.submit(() => 'a2', { key: 'a' }); // the queue is full, behind key a
      const released: string[] = [];
      void pool.ready({ key: 'a' }).then(() => released.push('a'));
      void pool.ready({ key: 'b' }).then(() => released.push('b'));
      void pool.ready().then(() => released.push('any'));
      await flush();
      expect(released).to.deep.equal(['b', 'any']); // workers are free for them
      gate.resolve(); // a's tasks run: the queue has room again
      for (let turn = 0; turn < 5 && released.length < 3; turn++) {
        await new Promise<void>((resolve) => nextTurn(resolve)); // the places held for b and any expire
      }
      expect(released).to.deep.equal(['b', 'any', 'a']);
      await pool.close();
    });

    it('a producer whose signal aborts leaves the line: the place goes to the next one at once', async () => {
      const pool = new Pool({ maxWorkers: 1, queueCapacity: 1, onFull: 'reject' });
      const [first, second] = [deferred(), deferred()];
      pool.submit(() => first.promise);
      pool.submit(() => second.promise); // the queue is full
      const controller = new AbortController();
      const givenUp = pool.ready({ signal: controller.signal });
      let ready = false;
      const next = pool.ready().then(() => (ready = true));
      const reason = new Error('gave up');
      controller.abort(reason);
      expect(await givenUp.catch((error: unknown) => error)).to.equal(reason);
      first.resolve(); // one place frees
      await flush();
      expect(ready).to.equal(true); // a producer still in line held the place until the next turn
      await next;
      second.resolve();
      await pool.close();
    });

    it('producers that wait for ready() (or check hasRoom() first) are never refused, under every scale-up policy, with synchronous and keyed tasks among theirs', async function () {
      this.timeout(60_000);
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            maxWorkers: fc.integer({ min: 1, max: 4 }),
            minWorkers: fc.integer({ min: 0, max: 1 }),
            queueCapacity: fc.integer({ min: 0, max: 3 }),
            scaleUp: fc.constantFrom('eager' as const, 'balanced' as const, 'lazy' as const),
            dispatch: fc.constantFrom('shared' as const, 'dedicated' as const),
          }),
          fc.integer({ min: 0, max: 4 }), // tasks submitted first, without waiting for room
          // Per producer: whether it asks hasRoom() first and waits only when there is none.
          fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
          // Which of each producer's tasks return at once: each leaves the pool idle for a moment.
          fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
          // The key of each producer's tasks, given to ready() and hasRoom() as well.
          fc.array(fc.constantFrom(undefined, 'a', 'b'), { minLength: 1, maxLength: 4 }),
          async (options, busy, checksFirst, synchronous, keys) => {
            const producers = checksFirst.length;
            const pool = new Pool({ ...options, onFull: 'reject' });
            const gates: Deferred<void>[] = [];
            let done = false;
            const hold = (): Promise<void> => {
              if (done) return Promise.resolve();
              const gate = deferred();
              gates.push(gate);
              return gate.promise;
            };
            for (let i = 0; i < busy; i++) void pool.submit(hold).result();
            const futures: Future<void>[] = [];
            const produced = checksFirst.map(async (checkFirst, producer) => {
              for (let n = 0; n < 4; n++) {
                const key = keys[(producer + n) % keys.length];
                if (!checkFirst || !pool.hasRoom({ key })) await pool.ready({ key });
                const task = synchronous[n % synchronous.length]! ? () => undefined : hold;
                futures.push(pool.submit(task, { key }));
              }
            });
            // Tasks finish one at a time, whenever the producers are stuck.
            void Promise.all(produced).then(() => (done = true));
            // A keyed producer may wait for a place held for one that submitted elsewhere to expire:
            // that takes a turn of the event loop.
            for (let step = 0; !done && step < 100; step++) {
              await flush();
              const gate = gates.shift();
              if (gate !== undefined) gate.resolve();
              else await new Promise<void>((resolve) => nextTurn(resolve));
            }
            expect(done, 'every producer submitted').to.equal(true);
            for (const gate of gates) gate.resolve();
            const results = await Promise.all(futures.map((future) => future.result()));
            expect(results.filter((result) => result.isErr())).to.deep.equal([]);
            expect(futures).to.have.length(4 * producers);
            await pool.close();
          },
        ),
        { numRuns: 200 },
      );
    });
  });

  it("'discard-oldest' keeps nothing per task once its tasks are done", async () => {
    const pool = new Pool({ maxWorkers: 2, queueCapacity: 8, onFull: 'discard-oldest' });
    const bursts = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        let last: Future<number> | undefined;
        for (let k = 0; k < 50; k++) last = pool.submit(async () => k);
        await last!.result();
      }
    };
    await bursts(100);
    const before = await heapInUse();
    await bursts(2_000); // 100,000 tasks, most of them discarded
    expect(((await heapInUse()) - before) / 100_000).to.be.below(4); // an arrival order never trimmed kept 9 B
    await pool.close();
  });

  it("'discard-oldest' keeps no settled task's result alive once the pool is idle, nor in front of those waiting", async () => {
    const pool = new Pool({ maxWorkers: 1, queueCapacity: 8, onFull: 'discard-oldest' });
    const gate = deferred();
    const results = await (async () => {
      const refs: WeakRef<object>[] = [];
      const futures = Array.from({ length: 20 }, () => {
        const result = {};
        refs.push(new WeakRef(result));
        return pool.submit(async () => {
          await gate.promise;
          return result;
        });
      });
      gate.resolve();
      await Promise.all(futures.map((future) => future.result()));
      return refs;
    })();
    for (const [index, ref] of results.entries())
      expect(await collected(ref), `result ${index}`).to.equal(true);
    await pool.close();
    // Never idle: the tasks that started in order are let go as the next ones arrive.
    const busy = new Pool({ maxWorkers: 2, queueCapacity: 8, onFull: 'discard-oldest' });
    const hold = deferred();
    busy.submit(() => hold.promise);
    const done = new WeakRef(await busy.submit(async () => ({})));
    busy.submit(() => hold.promise);
    expect(await collected(done), 'a task done while another runs').to.equal(true);
    hold.resolve();
    await busy.close();
  });

  describe("'discard-oldest' picks the task queued first wherever it waits", () => {
    it('behind its key', async () => {
      const pool = new Pool({ maxWorkers: 1, queueCapacity: 1, onFull: 'discard-oldest' });
      const gate = deferred();
      const running = pool.submit(() => gate.promise, { key: 'k' });
      const parked = pool.submit(() => 'parked', { key: 'k' }); // queued behind its key
      const newest = pool.submit(() => 'newest');
      expect(parked.state).to.equal('cancelled');
      expect(newest.state).to.equal('queued');
      const result = await parked.result();
      expect(result.isErr() && result.error).to.be.instanceOf(DiscardedError);
      expect(pool.stats).to.include({ queued: 1, cancelled: 1, rejected: 0 });
      gate.resolve();
      expect(await newest).to.equal('newest');
      await running;
      await pool.close();
    });

    it("under dispatch: 'dedicated', across every worker's queue", async () => {
      const pool = new Pool({
        maxWorkers: 2,
        queueCapacity: 2,
        onFull: 'discard-oldest',
        dispatch: 'dedicated',
      });
      const gate = deferred();
      pool.submit(() => gate.promise);
      pool.submit(() => gate.promise);
      const q3 = pool.submit(() => 3);
      const q4 = pool.submit(() => 4);
      q3.cancel();
      const q5 = pool.submit(() => 5); // fills the room q3 left
      const q6 = pool.submit(() => 6); // evicts the oldest waiting: q4
      expect([q4.state, q5.state, q6.state]).to.deep.equal(['cancelled', 'queued', 'queued']);
      gate.resolve();
      expect(await Promise.all([q5, q6])).to.deep.equal([5, 6]);
      await pool.close();
    });
  });

  describe("'discard-oldest' tells of the task it cancelled once the new one has its place", () => {
    it('a listener that submits finds the queue full, and the capacity holds', async () => {
      const pool = new Pool({ maxWorkers: 1, queueCapacity: 2, onFull: 'discard-oldest' });
      const gate = deferred();
      pool.submit(() => gate.promise);
      const a = pool.submit(() => 'a');
      pool.submit(() => 'b');
      const depths: number[] = [];
      let fromListener: Future<string> | undefined;
      pool.events$.subscribe((event) => {
        depths.push(pool.stats.queued);
        if (event.type === 'task:cancelled' && event.taskId === a.id) fromListener = pool.submit(() => 'd');
      });
      const c = pool.submit(() => 'c'); // takes a's place; the listener's submission then takes b's
      expect(a.state).to.equal('cancelled');
      expect(fromListener?.state).to.equal('queued');
      expect(c.state).to.equal('queued');
      expect(Math.max(...depths)).to.equal(2);
      gate.resolve();
      expect(await Promise.all([c, fromListener!])).to.deep.equal(['c', 'd']);
      await pool.close();
    });

    it('a listener that terminates the pool cancels the new task too: nothing runs after terminate()', async () => {
      const { pool, gate, queued: a } = fullPool('discard-oldest');
      let terminated: Promise<void> | undefined;
      pool.events$.subscribe((event) => {
        if (event.type === 'task:cancelled' && event.taskId === a.id) terminated = pool.terminate();
      });
      let ran = false;
      const b = pool.submit(() => {
        ran = true;
      });
      expect(b.state).to.equal('cancelled');
      gate.resolve();
      await terminated;
      expect(ran).to.equal(false);
      expect(pool.stats).to.include({ workers: 0, queued: 0, running: 0, cancelled: 3 });
    });

    it('a new task evicted in turn while it is told queued first leaves every count right', async () => {
      for (const dispatch of ['shared', 'dedicated'] as const) {
        const pool = new Pool({ maxWorkers: 1, queueCapacity: 1, onFull: 'discard-oldest', dispatch });
        const gate = deferred();
        pool.submit(() => gate.promise);
        const first = pool.submit(() => 'first');
        const futures: Future<unknown>[] = [];
        const told = new Map<number, string[]>();
        const identityBroken: string[] = [];
        pool.events$.subscribe((event) => {
          const stats = pool.stats;
          if (conserved(stats) !== stats.submitted) identityBroken.push(event.type);
          if (!('taskId' in event)) return;
          told.set(event.taskId, [...(told.get(event.taskId) ?? []), event.type.slice(5)]);
          // The eviction of the first submits one more, which evicts the second while it is told queued.
          if (event.type === 'task:cancelled' && event.taskId === first.id)
            futures.push(pool.submit(() => 'third'));
          // That one's listener submits yet another, which evicts the second for good.
          if (event.type === 'task:queued' && event.taskId === first.id + 1)
            futures.push(pool.submit(() => 'fourth'));
        });
        const second = pool.submit(() => 'second');
        // The fourth is submitted, and its Future returned, while the third's submission is under way.
        const [third, fourth] = futures.sort((a, b) => a.id - b.id);
        expect(identityBroken, dispatch).to.deep.equal([]);
        // The fourth took its place while the third was still choosing its victim: the third, older,
        // is then the oldest waiting, and goes.
        expect([second, third, fourth].map((future) => future!.state)).to.deep.equal([
          'cancelled',
          'cancelled',
          'queued',
        ]);
        for (const future of [second, third]) {
          expect(told.get(future!.id), dispatch).to.deep.equal(['queued', 'cancelled']);
        }
        expect(pool.stats).to.include({ queued: 1, cancelled: 3, submitted: 5 });
        gate.resolve();
        expect(await fourth).to.equal('fourth');
        await pool.close();
      }
    });

    it('submission order holds, within a key and in a FIFO queue, when listeners submit during an eviction', async () => {
      for (const key of [undefined, 'k']) {
        const pool = new Pool({ maxWorkers: 1, queueCapacity: 2, onFull: 'discard-oldest' });
        const gate = deferred();
        pool.submit(() => gate.promise);
        const evicted = pool.submit(() => 'evicted');
        const cancelled = pool.submit(() => 'cancelled');
        const started: string[] = [];
        const run = (name: string) => () => void started.push(name);
        const later: Future<unknown>[] = [];
        pool.events$.subscribe((event) => {
          if (event.type === 'task:cancelled' && event.taskId === evicted.id) {
            cancelled.cancel();
            later.push(pool.submit(run('fits')), pool.submit(run('first'), { key }));
          }
          // Told queued while the 'first' submission chooses its victim: submitted after it.
          if (event.type === 'task:queued' && event.taskId === evicted.id + 2)
            later.push(pool.submit(run('second'), { key }));
        });
        pool.submit(run('evicts'));
        gate.resolve();
        await Promise.all(later.map((future) => future.result()));
        await pool.close();
        const order = started.filter((name) => name === 'first' || name === 'second');
        expect(order, String(key)).to.deep.equal(['first', 'second']);
      }
    });

    it('a new task settled by what a listener does is told queued first', async () => {
      const settleBy = {
        eviction: (pool: Pool) => void pool.submit(() => 'evicts the new task'),
        terminate: (pool: Pool) => void pool.terminate(),
        'its signal': (_pool: Pool, controller: AbortController) => controller.abort(),
      };
      for (const [how, act] of Object.entries(settleBy)) {
        const { pool, gate, queued, events } = fullPool('discard-oldest');
        const controller = new AbortController();
        pool.events$.subscribe((event) => {
          if (event.type === 'task:cancelled' && event.taskId === queued.id) act(pool, controller);
        });
        const task = pool.submit(() => 'new', { signal: controller.signal });
        const told = events.filter((event) => 'taskId' in event && event.taskId === task.id);
        expect(task.state, how).to.equal('cancelled');
        expect(
          told.map((event) => event.type),
          how,
        ).to.deep.equal(['task:queued', 'task:cancelled']);
        gate.resolve();
        await pool.close();
      }
    });
  });

  it("clear() cancels a 'caller-runs' task about to run on the caller, told queued a moment before", async () => {
    const { pool, gate, queued } = fullPool('caller-runs');
    let cleared = -1;
    pool.events$.subscribe((event) => {
      if (event.type === 'task:queued' && event.taskId === queued.id + 1) cleared = pool.clear();
    });
    let ran = false;
    const onCaller = pool.submit(() => (ran = true)); // full: runs on the caller, once told queued
    expect(cleared).to.equal(2);
    expect([queued.state, onCaller.state]).to.deep.equal(['cancelled', 'cancelled']);
    expect(ran).to.equal(false);
    expect(pool.stats).to.include({ queued: 0, cancelled: 2 });
    gate.resolve();
    await pool.close();
  });

  it("'caller-runs' keeps a key's tasks one at a time: a task whose key is busy waits behind it", async () => {
    const pool = new Pool({ maxWorkers: 1, queueCapacity: 0, onFull: 'caller-runs' });
    let active = 0;
    let peak = 0;
    const gates = [deferred(), deferred()];
    const order: number[] = [];
    const task = (n: number) => async () => {
      peak = Math.max(peak, ++active);
      order.push(n);
      await gates[n]!.promise;
      active--;
      return n;
    };
    const first = pool.submit(task(0), { key: 'k' }); // starts on the worker
    const second = pool.submit(task(1), { key: 'k' }); // full: would run on the caller, but its key is busy
    expect(second.state).to.equal('queued');
    expect(order).to.deep.equal([0]);
    gates[0]!.resolve();
    gates[1]!.resolve();
    expect(await Promise.all([first, second])).to.deep.equal([0, 1]);
    expect(peak).to.equal(1);
    expect(order).to.deep.equal([0, 1]);
    await pool.close();
  });
});
