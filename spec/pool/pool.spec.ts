import { expect } from 'chai';
import { getEventListeners } from 'node:events';
import sinon from 'sinon';
import {
  CancelledError,
  PoolClosedError,
  Pool,
  TimeoutError,
  type Future,
  type PoolStats,
} from '../../src/index.js';
import { deferred, flush } from '../support/deferred.js';

const conserved = (s: PoolStats): number =>
  s.queued + s.blocked + s.running + s.succeeded + s.failed + s.cancelled + s.rejected;

/** Checks that every one of `futures` was cancelled with `cause` as its error's cause. */
async function expectCancelledWith(futures: readonly Future<unknown>[], cause: unknown): Promise<void> {
  for (const future of futures) {
    const outcome = await future.result();
    expect(outcome.isErr() && outcome.error)
      .to.be.instanceOf(CancelledError)
      .with.property('cause', cause);
  }
}

describe('Pool', () => {
  describe('concurrency', () => {
    it('never runs more than maxWorkers tasks at once', async () => {
      const pool = new Pool({ maxWorkers: 3 });
      let active = 0;
      let peak = 0;
      const futures = Array.from({ length: 20 }, (_, i) =>
        pool.submit(async () => {
          peak = Math.max(peak, ++active);
          for (let turn = 0; turn < i % 4; turn++) await Promise.resolve();
          active--;
          return i;
        }),
      );
      expect(pool.stats).to.include({ running: 3, queued: 17, workers: 3, busyWorkers: 3 });
      expect(await Promise.all(futures)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i));
      expect(peak).to.equal(3);
      await pool.close();
    });

    it('runs synchronous tasks, each holding its worker until its outcome is told, and keeps counting', async () => {
      const pool = new Pool({ maxWorkers: 2 });
      const futures = Array.from({ length: 1000 }, (_, i) => pool.submit(() => i * 2));
      // Both have returned, as async functions would have; their outcome is told a microtask later.
      expect(futures.slice(0, 3).map((future) => future.state)).to.deep.equal([
        'running',
        'running',
        'queued',
      ]);
      expect(pool.stats).to.include({ workers: 2, running: 2, queued: 998, succeeded: 0 });
      expect(await Promise.all(futures)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i * 2));
      expect(pool.stats).to.include({ submitted: 1000, succeeded: 1000, completed: 1000, running: 0 });
      await pool.close();
    });

    it('hands the task a context with its ids and a signal', async () => {
      const pool = new Pool({ maxWorkers: 1 });
      const future = pool.submit(({ taskId, workerId, signal }) => ({ taskId, workerId, signal }));
      const ctx = await future;
      expect(ctx.taskId).to.equal(future.id);
      expect(ctx.workerId).to.be.a('number').and.at.least(1);
      expect(ctx.signal).to.be.instanceOf(AbortSignal);
      expect(ctx.signal.aborted).to.equal(false);
      await pool.close();
    });
  });

  describe('panic recovery', () => {
    it('fails only the task that threw or rejected; the worker carries on', async () => {
      const pool = new Pool({ maxWorkers: 1, minWorkers: 1 });
      const thrown = pool.submit(() => {
        throw new TypeError('sync');
      });
      const rejected = pool.submit(async () => {
        throw 'async';
      });
      const weird = pool.submit(() => Promise.reject(undefined));
      const fine = pool.submit(async () => 'still here');
      expect(await fine).to.equal('still here');
      const results = await Promise.all([thrown, rejected, weird].map((future) => future.result()));
      expect(results.map((result) => result.isErr())).to.deep.equal([true, true, true]);
      expect(results[1]!.isErr() && results[1]!.error).to.equal('async');
      expect(pool.stats).to.include({ workers: 1, failed: 3, succeeded: 1 });
      await pool.close();
    });

    it('settles a task whose thenable misbehaves', async () => {
      const pool = new Pool({ maxWorkers: 1 });
      const thenable = {
        then(resolve: (value: number) => void, reject: (error: unknown) => void): void {
          resolve(1);
          resolve(2);
          reject(new Error('late'));
        },
      };
      expect(await pool.submit(() => thenable as unknown as PromiseLike<number>)).to.equal(1);
      expect(pool.stats).to.include({ succeeded: 1, failed: 0, busyWorkers: 0 });
      await pool.close();
    });

    it('a promise subclass that calls back twice settles its own task only, once', async () => {
      // Its `then` answers now, and again later (when `again` resolves), while the worker runs the next task.
      const again = deferred();
      class Twice<T> extends Promise<T> {
        override then<A = T, B = never>(
          onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
          onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
        ): Promise<A | B> {
          void again.promise.then(() => onFulfilled?.('again' as T));
          return super.then(onFulfilled, onRejected);
        }
      }
      const pool = new Pool({ maxWorkers: 1 });
      const first = pool.submit(() => Twice.resolve('first'));
      const running = deferred<string>();
      const second = pool.submit(() => running.promise);
      expect(await first).to.equal('first');
      expect(second.state).to.equal('running');
      again.resolve(); // the second call back comes while the next task runs on that worker
      await flush();
      expect(second.state).to.equal('running');
      running.resolve('second');
      expect(await second).to.equal('second');
      expect(pool.stats).to.include({ succeeded: 2, running: 0, busyWorkers: 0 });
      await pool.close();
    });

    for (const where of ['worker', 'caller'] as const) {
      it(`a task whose result has a throwing then getter fails, and the pool goes on (${where})`, async () => {
        const boom = new Error('then getter');
        const pool = new Pool({ maxWorkers: 1, queueCapacity: 0, onFull: 'caller-runs' });
        const busy = deferred();
        if (where === 'caller') pool.submit(() => busy.promise);
        const weird = pool.submit(() => ({
          get then(): never {
            throw boom;
          },
        }));
        expect((await weird.result()).unwrapErr()).to.equal(boom);
        busy.resolve();
        expect(await pool.submit(() => 'after')).to.equal('after');
        expect(pool.stats).to.include({ failed: 1, running: 0, busyWorkers: 0 });
        await pool.close();
      });
    }
  });

  describe('cancellation', () => {
    it('aborts a running task signal with the CancelledError, freeing the slot only on return', async () => {
      const pool = new Pool({ maxWorkers: 1 });
      const returned = deferred();
      let seen: unknown;
      const running = pool.submit(async ({ signal }) => {
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        seen = signal.reason;
        await returned.promise;
      });
      const next = pool.submit(() => 'next');
      await flush();
      running.cancel('stop');
      expect(running.state).to.equal('cancelled');
      await flush();
      expect(seen).to.be.instanceOf(CancelledError);
      expect(pool.stats).to.include({ running: 0, busyWorkers: 1, cancelled: 1, queued: 1 });
      expect(next.state).to.equal('queued');
      returned.resolve();
      expect(await next).to.equal('next');
      await pool.close();
    });

    for (const queue of ['fifo', 'lifo', 'priority'] as const) {
      it(`${queue}: cancelling thousands of queued tasks keeps the queue exact`, async () => {
        const pool = new Pool({ maxWorkers: 1, queue });
        const gate = deferred();
        pool.submit(() => gate.promise);
        const futures = Array.from({ length: 6000 }, (_, i) =>
          pool.submit(async () => i, { priority: i % 7 }),
        );
        futures.forEach((future, i) => i % 3 !== 0 && future.cancel());
        expect(pool.stats).to.include({ queued: 2000, cancelled: 4000 });
        gate.resolve();
        const values = await Promise.all(futures.filter((_, i) => i % 3 === 0));
        expect(values).to.have.length(2000);
        expect(pool.stats).to.include({ queued: 0, succeeded: 2001, cancelled: 4000 });
        await pool.close();
      });
    }

    it('cancels through the task signal, with the reason as cause', async () => {
      const pool = new Pool({ maxWorkers: 1 });
      const gate = deferred();
      pool.submit(() => gate.promise);
      const controller = new AbortController();
      const future = pool.submit(() => 'never', { signal: controller.signal });
      controller.abort('user left');
      const result = await future.result();
      const error = result.isErr() ? (result.error as CancelledError) : undefined;
      expect(error).to.be.instanceOf(CancelledError);
      expect(error?.cause).to.equal('user left');
      gate.resolve();
      await pool.close();
      expect(pool.stats).to.include({ cancelled: 1, succeeded: 1 });
    });

    it('cancels at once a task whose signal is already aborted; it never queues', async () => {
      const pool = new Pool({ maxWorkers: 1 });
      const types: string[] = [];
      pool.events$.subscribe((event) => types.push(event.type));
      let ran = false;
      const future = pool.submit(
        () => {
          ran = true;
        },
        { signal: AbortSignal.abort('too late') },
      );
      expect(future.state).to.equal('cancelled');
      expect(ran).to.equal(false);
      expect(types).to.deep.equal(['task:cancelled']);
      await pool.close();
    });

    it('adds one listener to a signal shared by many tasks, and aborting it cancels them all', async () => {
      const pool = new Pool({ maxWorkers: 2 });
      const controller = new AbortController();
      const added = sinon.spy(controller.signal, 'addEventListener');
      const gate = deferred();
      const futures = Array.from({ length: 50 }, () =>
        pool.submit(() => gate.promise, { signal: controller.signal }),
      );
      expect(added.callCount).to.equal(1);
      controller.abort('all of them');
      expect(futures.every((future) => future.state === 'cancelled')).to.equal(true);
      expect(pool.stats.cancelled).to.equal(50);
      gate.resolve();
      await pool.close();
    });

    it('removes its listener from the user signal once settled', async () => {
      const pool = new Pool({ maxWorkers: 1 });
      const signal = new AbortController().signal;
      const added = sinon.spy(signal, 'addEventListener');
      const removed = sinon.spy(signal, 'removeEventListener');
      await pool.submit(() => 1, { signal });
      expect(added.callCount).to.equal(1);
      expect(removed.callCount).to.equal(1);
      expect(removed.firstCall.args[1]).to.equal(added.firstCall.args[1]);
      await pool.close();
    });
  });

  describe('timeouts (fake timers)', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      clock = sinon.useFakeTimers();
    });
    afterEach(() => clock.restore());

    it('counts from the start, fails with TimeoutError and aborts the signal', async () => {
      const pool = new Pool({ maxWorkers: 1 });
      const first = deferred();
      pool.submit(() => first.promise);
      let reason: unknown;
      const timed = pool.submit(
        ({ signal }) =>
          new Promise((resolve) => {
            signal.addEventListener('abort', () => {
              reason = signal.reason;
              resolve(undefined);
            });
          }),
        { timeout: 100 },
      );
      await clock.tickAsync(500); // waiting does not count
      expect(timed.state).to.equal('queued');
      first.resolve();
      await clock.tickAsync(99);
      expect(timed.state).to.equal('running');
      await clock.tickAsync(1);
      expect(timed.state).to.equal('failed');
      const result = await timed.result();
      expect(result.isErr() && result.error)
        .to.be.instanceOf(TimeoutError)
        .and.equal(reason);
      expect(pool.stats).to.include({ failed: 1, succeeded: 1 });
      await pool.close();
    });

    it('waits out a timeout longer than a timer can take (2^31 ms and more) in steps', async () => {
      const pool = new Pool({ maxWorkers: 1, idleTimeout: 2 ** 32 });
      const timeout = 2 ** 32 + 5;
      const timed = pool.submit(({ signal }) => new Promise((r) => signal.addEventListener('abort', r)), {
        timeout,
      });
      await clock.tickAsync(2 ** 31); // past one timer's reach
      expect(timed.state).to.equal('running');
      await clock.tickAsync(timeout - 2 ** 31 - 1);
      expect(timed.state).to.equal('running');
      await clock.tickAsync(1);
      expect(timed.state).to.equal('failed');
      expect(pool.stats.workers).to.equal(1); // idle, and its idle timeout is far off
      await clock.tickAsync(2 ** 31);
      expect(pool.stats.workers).to.equal(1);
      await clock.tickAsync(2 ** 32);
      expect(pool.stats.workers).to.equal(0);
      await pool.close();
    });

    it('applies the pool taskTimeout unless the task sets its own', async () => {
      const pool = new Pool({ maxWorkers: 2, taskTimeout: 50 });
      const stuck = deferred();
      const short = pool.submit(() => stuck.promise); // ignores its signal
      const long = pool.submit(({ signal }) => new Promise((r) => signal.addEventListener('abort', r)), {
        timeout: 200,
      });
      await clock.tickAsync(50);
      expect([short.state, long.state]).to.deep.equal(['failed', 'running']);
      await clock.tickAsync(150);
      expect(long.state).to.equal('failed');
      expect(pool.stats.busyWorkers).to.equal(1); // the stuck function has not returned
      stuck.resolve();
      await pool.close();
      expect(pool.stats).to.include({ failed: 2, busyWorkers: 0 });
    });
  });

  describe('lifecycle', () => {
    it('drain resolves when nothing is queued or running', async () => {
      const pool = new Pool({ maxWorkers: 2 });
      await pool.drain();
      const gate = deferred();
      pool.submit(() => gate.promise);
      let drained = false;
      const draining = pool.drain().then(() => (drained = true));
      await flush();
      expect(drained).to.equal(false);
      gate.resolve();
      await draining;
      expect(pool.stats.running).to.equal(0);
      await pool.close();
    });

    it('drain resolves for the moment the pool went idle, though more work came before it was told', async () => {
      const pool = new Pool({ maxWorkers: 1 });
      const first = pool.submit(async () => 1);
      let drained = false;
      const draining = pool.drain().then(() => (drained = true));
      await first;
      const stuck = deferred();
      pool.submit(() => stuck.promise); // submitted in the same turn the pool went idle
      await flush();
      expect(drained).to.equal(true);
      stuck.resolve();
      await draining;
      await pool.close();
    });

    it('drain with a signal: aborting it rejects with the reason; the others still resolve', async () => {
      const pool = new Pool({ maxWorkers: 1 });
      const gate = deferred();
      pool.submit(() => gate.promise);
      const controller = new AbortController();
      const givenUp = pool.drain({ signal: controller.signal });
      const kept = pool.drain({ signal: new AbortController().signal });
      const reason = new Error('gave up');
      controller.abort(reason);
      expect(await givenUp.catch((error: unknown) => error)).to.equal(reason);
      gate.resolve();
      await kept;
      await pool.close();
    });

    it('drain and ready with an aborted signal reject at once, bad options with a TypeError', async () => {
      const pool = new Pool({ maxWorkers: 1, queueCapacity: 1 });
      const reason = new Error('already');
      const aborted = AbortSignal.abort(reason);
      expect(await pool.drain({ signal: aborted }).catch((error: unknown) => error)).to.equal(reason);
      expect(await pool.ready({ signal: aborted }).catch((error: unknown) => error)).to.equal(reason);
      const bad = [
        [
          () => pool.ready({ signal: 'no' as unknown as AbortSignal }),
          /ready option signal must be an AbortSignal/,
        ],
        [() => pool.drain(7 as unknown as object), /drain options must be an object, received 7/],
      ] as const;
      for (const [wait, message] of bad) {
        const error = await wait().catch((e: unknown) => e);
        expect(error).to.be.instanceOf(TypeError).with.property('message').that.matches(message);
      }
      await pool.close();
    });

    it('clear cancels every waiting task, queued, behind its key or blocked, and keeps the pool open', async () => {
      const pool = new Pool({ maxWorkers: 1, queueCapacity: 2, onFull: 'block' });
      const gate = deferred<string>();
      const running = pool.submit(() => gate.promise, { key: 'k' });
      const parked = pool.submit(() => 'parked', { key: 'k' }); // waits behind its key
      const queued = pool.submit(() => 'queued');
      const blocked = pool.submit(() => 'blocked'); // the queue is full
      expect([parked.state, queued.state, blocked.state]).to.deep.equal(['queued', 'queued', 'blocked']);
      const during: string[] = [];
      const subscription = pool.events$.subscribe((event) => {
        if ('taskId' in event) during.push(`${event.type} ${event.taskId}`);
      });
      const reason = new Error('not wanted any more');
      expect(pool.clear(reason)).to.equal(3);
      subscription.unsubscribe();
      // Nothing starts in the room the cancellations free.
      expect(during).to.deep.equal([parked, queued, blocked].map(({ id }) => `task:cancelled ${id}`));
      for (const future of [parked, queued, blocked]) {
        const result = await future.result();
        const error = result.isErr() ? result.error : undefined;
        expect(error).to.be.instanceOf(CancelledError).with.property('cause', reason);
      }
      expect(running.state).to.equal('running');
      expect(pool.stats).to.include({ running: 1, queued: 0, blocked: 0, cancelled: 3, closed: false });
      expect(pool.clear()).to.equal(0);
      gate.resolve('ran');
      expect(await running).to.equal('ran');
      expect(await pool.submit(() => 'after')).to.equal('after');
      await pool.close();
    });

    it('clear leaves what a listener submits while it clears, and keeps keys held by running tasks', async () => {
      const pool = new Pool({ maxWorkers: 2 });
      const gate = deferred();
      pool.submit(() => gate.promise, { key: 'k' });
      pool.submit(() => gate.promise); // both workers busy
      const waiting = [pool.submit(() => 1), pool.submit(() => 2, { key: 'k' })];
      let late: Future<string> | undefined;
      pool.events$.subscribe((event) => {
        if (event.type === 'task:cancelled' && late === undefined)
          late = pool.submit(() => 'late', { key: 'k' });
      });
      expect(pool.clear()).to.equal(2);
      expect(waiting.map((future) => future.state)).to.deep.equal(['cancelled', 'cancelled']);
      expect(late!.state).to.equal('queued'); // still behind the running task of its key
      gate.resolve();
      expect(await late!).to.equal('late');
      await pool.close();
    });

    it('close finishes everything queued, then refuses new work with PoolClosedError', async () => {
      const pool = new Pool({ maxWorkers: 1 });
      pool.pause();
      const queued = [1, 2, 3].map((n) => pool.submit(async () => n));
      const closing = pool.close();
      const late = pool.submit(() => 4);
      expect(late.state).to.equal('failed');
      const result = await late.result();
      expect(result.isErr() && result.error).to.be.instanceOf(PoolClosedError);
      await closing;
      expect(await Promise.all(queued)).to.deep.equal([1, 2, 3]);
      expect(pool.stats).to.include({ workers: 0, closed: true, rejected: 1, succeeded: 3 });
      await pool.close(); // idempotent
    });

    it('terminate cancels queued and running tasks and waits for running functions', async () => {
      const pool = new Pool({ maxWorkers: 1 });
      let aborted: unknown;
      const returned = deferred();
      const running = pool.submit(async ({ signal }) => {
        signal.addEventListener('abort', () => (aborted = signal.reason));
        await returned.promise;
      });
      const queued = pool.submit(() => 'never');
      await flush();
      let done = false;
      const terminating = pool.terminate('shutdown now').then(() => (done = true));
      expect([running.state, queued.state]).to.deep.equal(['cancelled', 'cancelled']);
      expect((aborted as CancelledError).cause).to.equal('shutdown now');
      for (const future of [running, queued]) {
        const result = await future.result();
        expect(result.isErr() && result.error).to.include({ taskId: future.id, cause: 'shutdown now' });
      }
      await flush();
      expect(done).to.equal(false);
      returned.resolve();
      await terminating;
      expect(pool.stats).to.include({ cancelled: 2, workers: 0, busyWorkers: 0 });
    });

    it("terminate cancels every Future before a running task's signal aborts: its abort listener finds them all cancelled", async () => {
      const pool = new Pool({ maxWorkers: 2, queueCapacity: 1, onFull: 'block' });
      const gates = [deferred(), deferred()];
      let seen: string[] = [];
      let again: Promise<void> | undefined;
      const futures: Future<unknown>[] = [];
      futures.push(
        pool.submit(({ signal }) => {
          signal.addEventListener('abort', () => {
            seen = futures.map((future) => future.state);
            again = pool.terminate('again');
            futures[1]!.cancel('from the listener');
          });
          return gates[0]!.promise;
        }),
        pool.submit(() => gates[1]!.promise),
        pool.submit(() => 'queued'),
        pool.submit(() => 'blocked'),
      );
      expect(futures.map((future) => future.state)).to.deep.equal([
        'running',
        'running',
        'queued',
        'blocked',
      ]);
      const terminated = pool.terminate('first');
      expect(seen).to.deep.equal(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
      await expectCancelledWith(futures, 'first');
      for (const gate of gates) gate.resolve();
      await Promise.all([terminated, again]);
      expect(pool.stats).to.include({ cancelled: 4, workers: 0, busyWorkers: 0 });
    });

    it("terminate cancels every Future before its own listeners hear: a Future's subscriber, a fail-fast group", async () => {
      const pool = new Pool({ maxWorkers: 3 });
      const gates = [deferred(), deferred(), deferred()];
      const group = pool.group({ failFast: true });
      const futures = gates.map((gate) => group.submit(() => gate.promise));
      const heard: string[][] = [];
      const cancelledAgain: boolean[] = [];
      futures[0]!.toObservable().subscribe({
        error: () => {
          heard.push(futures.map((future) => future.state));
          cancelledAgain.push(futures[1]!.cancel('mine'));
        },
      });
      const terminated = pool.terminate('T');
      expect(heard).to.deep.equal([['cancelled', 'cancelled', 'cancelled']]);
      expect(cancelledAgain).to.deep.equal([false]);
      await expectCancelledWith(futures, 'T');
      for (const gate of gates) gate.resolve();
      await terminated;
    });

    for (const where of ['queue', 'dedicated queue', 'key lane', 'blocked'] as const) {
      it(`terminate cancels every task before a listener hears of one: its cancel() finds them done (${where})`, async () => {
        const pool = new Pool({
          maxWorkers: 1,
          dispatch: where === 'dedicated queue' ? 'dedicated' : 'shared',
          ...(where === 'blocked' ? { queueCapacity: 0, onFull: 'block' as const } : {}),
        });
        const gate = deferred();
        const key = where === 'key lane' ? 'k' : undefined;
        pool.submit(() => gate.promise, { key });
        const first = pool.submit(() => 'first', { key });
        const second = pool.submit(() => 'second', { key });
        expect(second.state).to.equal(where === 'blocked' ? 'blocked' : 'queued');
        const seen: boolean[] = [];
        const counts: number[] = [];
        pool.events$.subscribe((event) => {
          const stats = pool.stats;
          counts.push(stats.submitted - conserved(stats));
          if (event.type === 'task:cancelled' && event.taskId === first.id)
            seen.push(second.cancel('from a listener'));
        });
        const terminated = pool.terminate();
        gate.resolve();
        await terminated;
        expect(seen).to.deep.equal([false]);
        const outcome = await second.result();
        expect(outcome.isErr() && outcome.error)
          .to.be.instanceOf(CancelledError)
          .with.property('message', 'The pool was terminated');
        expect(counts.every((difference) => difference === 0)).to.equal(true);
        expect(pool.stats).to.include({ workers: 0, queued: 0, blocked: 0, cancelled: 3 });
      });
    }

    it('pause stops starting tasks and resume starts them again', async () => {
      const pool = new Pool({ maxWorkers: 2 });
      pool.pause();
      const future = pool.submit(() => 'later');
      expect(pool.stats).to.include({ paused: true, queued: 1, running: 0 });
      pool.resume();
      expect(await future).to.equal('later');
      await pool.close();
    });

    it('a pool signal terminates the pool', async () => {
      const controller = new AbortController();
      const pool = new Pool({ maxWorkers: 1, signal: controller.signal });
      const gate = deferred();
      const running = pool.submit(() => gate.promise);
      controller.abort('bye');
      expect(running.state).to.equal('cancelled');
      gate.resolve();
      await pool.close();
      expect(pool.stats.closed).to.equal(true);
    });

    it("removes its listener from the pool's signal on terminate(), before the running tasks return", async () => {
      for (const end of ['terminate', 'close'] as const) {
        const signal = new AbortController().signal;
        const pool = new Pool({ maxWorkers: 1, signal });
        expect(getEventListeners(signal, 'abort')).to.have.length(1);
        const gate = deferred();
        pool.submit(() => gate.promise);
        const ended = pool[end]();
        expect(getEventListeners(signal, 'abort')).to.have.length(end === 'terminate' ? 0 : 1);
        gate.resolve();
        await ended;
        expect(getEventListeners(signal, 'abort')).to.have.length(0);
      }
    });

    it('a pool signal already aborted terminates at once', async () => {
      const pool = new Pool({ maxWorkers: 1, signal: AbortSignal.abort() });
      expect(pool.submit(() => 1).state).to.equal('failed');
      await pool.close();
    });

    it('supports await using', async () => {
      let closed = false;
      {
        await using pool = new Pool({ maxWorkers: 1 });
        pool.events$.subscribe({ complete: () => (closed = true) });
        pool.submit(() => 1);
      }
      expect(closed).to.equal(true);
    });
  });

  describe('resize', () => {
    it('a closing pool keeps no warm workers: a raised minWorkers starts none', async () => {
      const pool = new Pool({ maxWorkers: 4 });
      const scaling: string[] = [];
      pool.scaling$.subscribe((event) => scaling.push(`${event.type}:${event.reason}`));
      const gate = deferred();
      pool.submit(() => gate.promise);
      const closed = pool.close();
      pool.resize({ minWorkers: 3 });
      expect(pool.stats).to.include({ workers: 1, minWorkers: 3 });
      gate.resolve();
      await closed;
      expect(scaling).to.deep.equal(['up:demand', 'down:shutdown']);
    });

    it('after the pool has closed, validates and changes nothing: the final stats stay final', async () => {
      const pool = new Pool({ maxWorkers: 4 });
      await pool.close();
      const final = pool.stats;
      pool.resize({ minWorkers: 1, maxWorkers: 7 });
      pool.pause();
      expect(pool.stats).to.deep.equal(final);
      expect(() => pool.resize({ maxWorkers: 0 })).to.throw(RangeError, /maxWorkers/);
    });

    it('grows to start waiting tasks and shrinks idle workers at once, busy ones on return', async () => {
      const pool = new Pool({ maxWorkers: 1, idleTimeout: Infinity });
      const gates = [deferred(), deferred(), deferred()];
      const futures = gates.map((gate) => pool.submit(() => gate.promise));
      expect(pool.stats).to.include({ running: 1, queued: 2 });
      pool.resize({ maxWorkers: 3 });
      expect(pool.stats).to.include({ running: 3, workers: 3 });
      pool.resize({ maxWorkers: 1 });
      expect(pool.stats.workers).to.equal(3); // all busy
      gates[0]!.resolve();
      await futures[0];
      expect(pool.stats.workers).to.equal(2);
      gates[1]!.resolve();
      gates[2]!.resolve();
      await Promise.all(futures);
      expect(pool.stats).to.include({ workers: 1, maxWorkers: 1 });
      pool.resize({ minWorkers: 1, maxWorkers: 4 });
      expect(pool.stats).to.include({ workers: 1, minWorkers: 1 });
      pool.resize({ minWorkers: 3 });
      expect(pool.stats.workers).to.equal(3);
      await pool.close();
    });
  });

  describe('stats', () => {
    it('hands out snapshots that add up', async () => {
      const pool = new Pool({ maxWorkers: 2, queueCapacity: 1 });
      const gate = deferred();
      const futures: Future<unknown>[] = [
        pool.submit(() => gate.promise),
        pool.submit(() => {
          throw new Error('x');
        }),
      ];
      await futures[1]!.result();
      futures.push(
        pool.submit(() => gate.promise),
        pool.submit(() => 'queued'),
        pool.submit(() => 'rejected'),
      );
      const snapshot = pool.stats;
      expect(snapshot).to.deep.include({ submitted: 5, running: 2, queued: 1, failed: 1, rejected: 1 });
      expect(conserved(snapshot)).to.equal(snapshot.submitted);
      expect(Object.isFrozen(snapshot) || snapshot !== pool.stats).to.equal(true);
      gate.resolve();
      await Promise.all(futures.map((future) => future.result()));
      const end = pool.stats;
      expect(end).to.include({ succeeded: 3, failed: 1, rejected: 1, completed: 4 });
      expect(conserved(end)).to.equal(end.submitted);
      expect(end.workers).to.equal(end.idleWorkers + end.busyWorkers);
      await pool.close();
    });
  });
});
