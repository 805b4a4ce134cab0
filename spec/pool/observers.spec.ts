import { expect } from 'chai';
import sinon from 'sinon';
import { config, finalize, lastValueFrom, toArray, type Observable } from 'rxjs';
import { Pool, type PoolEvent, type PoolStats } from '../../src/index.js';
import { deferred, flush } from '../support/deferred.js';

/** The event types that concern one task, in order. */
const lifeOf = (events: PoolEvent[], taskId: number): string[] =>
  events.filter((event) => 'taskId' in event && event.taskId === taskId).map((event) => event.type);

describe('observables', () => {
  describe('events$', () => {
    let pool: Pool;
    let events: PoolEvent[];
    beforeEach(() => {
      pool = new Pool({ maxWorkers: 1, queueCapacity: 1 });
      events = [];
      pool.events$.subscribe((event) => events.push(event));
    });
    afterEach(() => pool.terminate());

    it('one task: queued → started → succeeded, with ids and times', async () => {
      const future = pool.submit(async () => 'ok');
      await future;
      expect(lifeOf(events, future.id)).to.deep.equal(['task:queued', 'task:started', 'task:succeeded']);
      const started = events.find((event) => event.type === 'task:started');
      expect(started).to.include({ taskId: future.id, workerId: 1 });
      const times = events.map((event) => event.time);
      expect(times).to.deep.equal([...times].sort((a, b) => a - b));
    });

    it('a failing task: queued → started → failed, with the error', async () => {
      const error = new Error('bad');
      const future = pool.submit(() => Promise.reject(error));
      await future.result();
      expect(lifeOf(events, future.id)).to.deep.equal(['task:queued', 'task:started', 'task:failed']);
      expect(events.find((event) => event.type === 'task:failed')).to.include({ error, workerId: 1 });
    });

    it('a cancelled queued task: queued → cancelled, with the reason', async () => {
      const gate = deferred();
      pool.submit(() => gate.promise);
      const future = pool.submit(() => 'never');
      future.cancel('changed my mind');
      gate.resolve();
      expect(lifeOf(events, future.id)).to.deep.equal(['task:queued', 'task:cancelled']);
      const cancelled = events.find((event) => event.type === 'task:cancelled');
      expect(cancelled && 'reason' in cancelled && (cancelled.reason as Error).cause).to.equal(
        'changed my mind',
      );
    });

    it('a cancelled running task: queued → started → cancelled', async () => {
      const gate = deferred();
      const future = pool.submit(() => gate.promise);
      future.cancel();
      gate.resolve();
      await pool.drain();
      expect(lifeOf(events, future.id)).to.deep.equal(['task:queued', 'task:started', 'task:cancelled']);
    });

    it('a rejected task: rejected alone', async () => {
      const gate = deferred();
      pool.submit(() => gate.promise);
      pool.submit(() => 'fills the queue');
      const refused = pool.submit(() => 'refused');
      expect(lifeOf(events, refused.id)).to.deep.equal(['task:rejected']);
      expect(events.find((event) => event.type === 'task:rejected')).to.have.property('error');
      gate.resolve();
    });

    it('pool events: paused, resumed, resized, drained, worker started and stopped, closed; then completes', async () => {
      pool.pause();
      pool.resume();
      pool.resize({ maxWorkers: 1 }); // as they are: nothing changed, nothing to tell
      pool.resize({});
      pool.resize({ maxWorkers: 2 });
      pool.resize({ minWorkers: 0, maxWorkers: 2 });
      await pool.submit(async () => 1);
      await flush();
      await pool.close();
      const types = events.filter((event) => !event.type.startsWith('task:')).map((event) => event.type);
      expect(types).to.deep.equal([
        'pool:paused',
        'pool:resumed',
        'pool:resized',
        'worker:started',
        'pool:drained',
        'worker:stopped',
        'pool:closed',
      ]);
      expect(events.find((event) => event.type === 'pool:resized')).to.include({
        minWorkers: 0,
        maxWorkers: 2,
      });
      expect(await lastValueFrom(pool.events$.pipe(toArray()))).to.deep.equal([]); // completed
    });
  });

  describe('pool:drained', () => {
    for (const end of ['close', 'terminate'] as const) {
      it(`is emitted once when the work ends during ${end}(), before the workers stop`, async () => {
        const pool = new Pool({ maxWorkers: 2 });
        const types: string[] = [];
        pool.events$.subscribe((event) => types.push(event.type));
        const gate = deferred();
        pool.submit(() => gate.promise);
        pool.submit(() => gate.promise);
        const ended = pool[end]();
        gate.resolve();
        await ended;
        expect(types.filter((type) => !type.startsWith('task:'))).to.deep.equal([
          'worker:started',
          'worker:started',
          'pool:drained',
          'worker:stopped',
          'worker:stopped',
          'pool:closed',
        ]);
      });
    }

    it('a paused pool that terminates says its pause ended, as one that closes does, and starts nothing', async () => {
      for (const end of ['close', 'terminate'] as const) {
        const pool = new Pool({ maxWorkers: 1 });
        const types: string[] = [];
        pool.events$.subscribe((event) => types.push(event.type));
        pool.pause();
        const queued = pool.submit(() => 'queued');
        await pool[end]();
        expect(pool.stats.paused, end).to.equal(false);
        expect(
          types.filter((type) => type.startsWith('pool:')),
          end,
        ).to.deep.equal(['pool:paused', 'pool:resumed', 'pool:drained', 'pool:closed']);
        expect(queued.state, end).to.equal(end === 'close' ? 'succeeded' : 'cancelled');
      }
    });

    it('is not emitted for a refusal: a pool that refused its only submission had no work', async () => {
      const pool = new Pool({ maxWorkers: 1, queueCapacity: 0 });
      pool.pause();
      const types: string[] = [];
      pool.events$.subscribe((event) => types.push(event.type));
      pool.submit(() => 'refused'); // nowhere to wait, and nothing may start
      await flush();
      expect(types).to.deep.equal(['task:rejected']);
      await pool.close();
      expect(types).to.deep.equal(['task:rejected', 'pool:resumed', 'pool:closed']);
    });

    it('is not emitted by a pool closed with no work since it last drained', async () => {
      const pool = new Pool({ maxWorkers: 1 });
      const types: string[] = [];
      pool.events$.subscribe((event) => types.push(event.type));
      await pool.close();
      expect(types).to.deep.equal(['pool:closed']);
    });
  });

  describe('state$', () => {
    it('emits the snapshot on subscribe, coalesces bursts, and ends with the exact final state', async () => {
      const pool = new Pool({ maxWorkers: 2 });
      const snapshots: PoolStats[] = [];
      let completed = false;
      pool.state$.subscribe({ next: (stats) => snapshots.push(stats), complete: () => (completed = true) });
      expect(snapshots).to.have.length(1);
      expect(snapshots[0]).to.include({ submitted: 0 });
      for (let i = 0; i < 100; i++) pool.submit(() => i);
      await flush();
      expect(snapshots.length).to.be.lessThan(10);
      await pool.close();
      expect(completed).to.equal(true);
      expect(snapshots.at(-1)).to.deep.equal(pool.stats);
      expect(snapshots.at(-1)).to.include({ succeeded: 100, workers: 0, closed: true });
    });

    it('ends with the exact final state also when subscribers of events$ and scaling$ submit as they complete', async () => {
      const pool = new Pool({ maxWorkers: 1 });
      let last: PoolStats | undefined;
      let atCompletion: PoolStats | undefined;
      pool.state$.subscribe({ next: (stats) => (last = stats), complete: () => (atCompletion = pool.stats) });
      for (const observable of [pool.events$, pool.scaling$] as Observable<unknown>[]) {
        observable.subscribe({ complete: () => void pool.submit(() => 'refused') });
      }
      await pool.submit(() => 1);
      await pool.close();
      expect(atCompletion).to.include({ submitted: 3, rejected: 2 });
      expect(last).to.deep.equal(atCompletion);
    });

    it('a subscriber after close gets the final snapshot and completes', async () => {
      const pool = new Pool({ maxWorkers: 1 });
      await pool.submit(() => 1);
      await pool.close();
      const all = await lastValueFrom(pool.state$.pipe(toArray()));
      expect(all).to.have.length(1);
      expect(all[0]).to.include({ succeeded: 1, closed: true });
    });
  });

  describe('queueDepth$', () => {
    it('emits the current depth, then each change', async () => {
      const pool = new Pool({ maxWorkers: 1 });
      const gate = deferred();
      pool.submit(() => gate.promise);
      const depths: number[] = [];
      pool.queueDepth$.subscribe((depth) => depths.push(depth));
      const a = pool.submit(() => 'a');
      pool.submit(() => 'b');
      a.cancel();
      gate.resolve();
      await pool.close();
      expect(depths).to.deep.equal([0, 1, 2, 1, 0]);
    });
  });

  it('queueDepth$ follows stats.queued: a caller-runs task counts while it is told queued, as one that starts at once', async () => {
    const pool = new Pool({ maxWorkers: 1, queueCapacity: 0, onFull: 'caller-runs' });
    const seen: string[] = [];
    pool.queueDepth$.subscribe((depth) => seen.push(`depth ${depth}`));
    pool.events$.subscribe((event) => {
      if (event.type === 'task:queued') seen.push(`queued, stats.queued ${pool.stats.queued}`);
    });
    const gate = deferred();
    pool.submit(() => gate.promise); // on the worker
    pool.submit(() => gate.promise); // on the caller
    const once = ['queued, stats.queued 1', 'depth 1', 'depth 0'];
    expect(seen).to.deep.equal(['depth 0', ...once, ...once]);
    gate.resolve();
    await pool.close();
  });

  it('queueDepth$ misses no change that happened while nobody listened', async () => {
    const pool = new Pool({ maxWorkers: 1 });
    const gate = deferred();
    pool.submit(() => gate.promise);
    const first = pool.queueDepth$.subscribe();
    const queued = pool.submit(() => 'x');
    first.unsubscribe();
    queued.cancel(); // depth 0, unobserved
    const seen: number[] = [];
    pool.queueDepth$.subscribe((depth) => seen.push(depth));
    pool.submit(() => 'y');
    expect(seen).to.deep.equal([0, 1]);
    gate.resolve();
    await pool.close();
  });

  it('queueDepth$ tells a subscriber of a change made while another subscribed in the same step', async () => {
    const pool = new Pool({ maxWorkers: 1 });
    const gate = deferred();
    pool.submit(() => gate.promise);
    const first: number[] = [];
    const second: number[] = [];
    pool.queueDepth$.subscribe((depth) => first.push(depth));
    pool.events$.subscribe((event) => {
      // Told of the task before its depth change is: the new subscriber starts from the new depth.
      if (event.type === 'task:queued' && second.length === 0) {
        pool.queueDepth$.subscribe((depth) => second.push(depth));
      }
    });
    pool.submit(() => 'queued');
    expect(first).to.deep.equal([0, 1]);
    expect(second).to.deep.equal([1]);
    gate.resolve();
    await pool.close();
  });

  describe('scaling$', () => {
    it('reports warm-up after resize, demand, resize and shutdown', async () => {
      const pool = new Pool({ maxWorkers: 3, idleTimeout: Infinity });
      const seen: string[] = [];
      pool.scaling$.subscribe((event) => seen.push(`${event.type}:${event.reason}:${event.workers}`));
      pool.resize({ minWorkers: 1 });
      const gates = [deferred(), deferred()];
      const futures = gates.map((gate) => pool.submit(() => gate.promise));
      pool.resize({ maxWorkers: 1 });
      for (const gate of gates) gate.resolve();
      await Promise.all(futures);
      await pool.close();
      expect(seen).to.deep.equal(['up:warm-up:1', 'up:demand:2', 'down:resize:1', 'down:shutdown:0']);
    });
  });

  describe('misbehaving subscribers', () => {
    let reported: unknown[];
    let previous: typeof config.onUnhandledError;
    beforeEach(() => {
      reported = [];
      previous = config.onUnhandledError;
      config.onUnhandledError = (error) => reported.push(error);
    });
    afterEach(() => {
      config.onUnhandledError = previous;
    });

    it('a subscriber that throws corrupts neither the pool nor other subscribers', async () => {
      const clock = sinon.useFakeTimers(); // RxJS reports subscriber errors on a timer
      try {
        const pool = new Pool({ maxWorkers: 2 });
        pool.events$.subscribe(() => {
          throw new Error('subscriber bug');
        });
        pool.state$.subscribe(() => {
          throw new Error('state bug');
        });
        const seen: string[] = [];
        pool.events$.subscribe((event) => seen.push(event.type));
        const results = await Promise.all([1, 2, 3].map((n) => pool.submit(async () => n)));
        await pool.close();
        expect(results).to.deep.equal([1, 2, 3]);
        expect(pool.stats).to.include({ succeeded: 3, running: 0, workers: 0 });
        expect(seen.filter((type) => type === 'task:succeeded')).to.have.length(3);
        await clock.runAllAsync();
      } finally {
        clock.restore();
      }
      expect(reported.map((error) => (error as Error).message)).to.include.members([
        'subscriber bug',
        'state bug',
      ]);
    });

    for (const name of ['events$', 'state$', 'queueDepth$', 'scaling$'] as const) {
      it(`a subscriber of ${name} whose teardown throws keeps no one from completing, nor close() from resolving`, async () => {
        const clock = sinon.useFakeTimers();
        try {
          const pool = new Pool({ maxWorkers: 1 });
          (pool[name] as Observable<unknown>)
            .pipe(
              finalize(() => {
                throw new Error('teardown bug');
              }),
            )
            .subscribe();
          const completed: string[] = [];
          for (const other of ['events$', 'state$', 'queueDepth$', 'scaling$'] as const) {
            (pool[other] as Observable<unknown>).subscribe({ complete: () => completed.push(other) });
          }
          await pool.submit(async () => 1);
          await pool.close();
          expect(completed).to.have.members(['events$', 'state$', 'queueDepth$', 'scaling$']);
          await clock.runAllAsync();
        } finally {
          clock.restore();
        }
        expect(reported.map((error) => String(error))).to.deep.equal([
          'UnsubscriptionError: 1 errors occurred during unsubscription:\n1) Error: teardown bug',
        ]);
      });
    }
  });

  describe('state$ follows every kind of submission', () => {
    const cases: [string, (pool: Pool, gate: Promise<void>) => void, Partial<PoolStats>][] = [
      [
        'a task waiting behind its key (it may not start at once, so it is refused here)',
        (pool, gate) => {
          pool.submit(() => gate, { key: 'k' });
          pool.submit(() => gate, { key: 'k' });
        },
        { running: 1, queued: 0, rejected: 1 },
      ],
      [
        'a task whose signal is already aborted',
        (pool) => void pool.submit(() => 1, { signal: AbortSignal.abort() }),
        { submitted: 1, cancelled: 1 },
      ],
      [
        'a task started at once with no room to wait',
        (pool, gate) => void pool.submit(() => gate),
        { running: 1, queued: 0 },
      ],
    ];
    for (const [what, submit, expected] of cases) {
      it(what, async () => {
        const pool = new Pool({ maxWorkers: 2, queueCapacity: 0, onFull: 'reject' });
        const snapshots: PoolStats[] = [];
        pool.state$.subscribe((stats) => snapshots.push(stats));
        const gate = deferred();
        submit(pool, gate.promise);
        await flush();
        expect(snapshots.at(-1)).to.include(expected).and.deep.equal(pool.stats);
        gate.resolve();
        await pool.close();
      });
    }

    it('a task waiting behind its key in an unbounded queue', async () => {
      const pool = new Pool({ maxWorkers: 2 });
      const snapshots: PoolStats[] = [];
      pool.state$.subscribe((stats) => snapshots.push(stats));
      const gate = deferred();
      pool.submit(() => gate.promise, { key: 'k' });
      await flush();
      pool.submit(() => gate.promise, { key: 'k' });
      await flush();
      expect(snapshots.at(-1)).to.include({ running: 1, queued: 1 }).and.deep.equal(pool.stats);
      gate.resolve();
      await pool.close();
    });

    it('a task run on the caller', async () => {
      const pool = new Pool({ maxWorkers: 1, queueCapacity: 0, onFull: 'caller-runs' });
      const snapshots: PoolStats[] = [];
      pool.state$.subscribe((stats) => snapshots.push(stats));
      const gate = deferred();
      pool.submit(() => gate.promise);
      pool.submit(() => gate.promise); // runs on the caller
      await flush();
      expect(snapshots.at(-1)).to.include({ running: 2, busyWorkers: 1 }).and.deep.equal(pool.stats);
      gate.resolve();
      await pool.close();
    });
  });
});
