import { expect } from 'chai';
import { config, firstValueFrom, lastValueFrom, toArray, type Subscription } from 'rxjs';
import sinon from 'sinon';
import { CancelledError, Future, Pool } from '../../src/index.js';
import { deferred, flush } from '../support/deferred.js';
import { collected } from '../support/gc.js';

describe('Future', () => {
  let pool: Pool;
  beforeEach(() => {
    pool = new Pool({ maxWorkers: 1 });
  });
  afterEach(() => pool.terminate());

  it('is awaitable and carries the value', async () => {
    const future = pool.submit(async () => 42);
    expect(future).to.be.instanceOf(Future);
    expect(await future).to.equal(42);
    expect(future.state).to.equal('succeeded');
    expect(future.settled).to.equal(true);
  });

  it('rethrows the task error unchanged when awaited', async () => {
    const error = new Error('boom');
    const future = pool.submit(() => {
      throw error;
    });
    let caught: unknown;
    try {
      await future;
    } catch (e) {
      caught = e;
    }
    expect(caught).to.equal(error);
    expect(future.state).to.equal('failed');
  });

  it('passes non-Error thrown values through', async () => {
    const result = await pool.submit(() => Promise.reject('plain string')).result();
    expect(result.isErr() && result.error).to.equal('plain string');
  });

  it('result() gives a native Promise of Ok or Err that never rejects', async () => {
    const pending = pool.submit(() => 'yes').result();
    expect(pending).to.be.instanceOf(Promise);
    const ok = await pending;
    const err = await pool.submit(() => Promise.reject(new RangeError('no'))).result();
    expect(ok.isOk() && ok.value).to.equal('yes');
    expect(err.isErr() && err.error).to.be.instanceOf(RangeError);
  });

  it('supports catch and finally', async () => {
    let finished = false;
    const caught = await pool
      .submit(() => Promise.reject(new Error('x')))
      .finally(() => {
        finished = true;
      })
      .catch((error: Error) => error.message);
    expect(caught).to.equal('x');
    expect(finished).to.equal(true);
    expect(await pool.submit(() => 1).catch(() => 2)).to.equal(1);
  });

  it('raises no unhandled rejection when a failed Future is never observed', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      pool.submit(() => Promise.reject(new Error('ignored')));
      pool.submit(() => {
        throw new Error('ignored too');
      });
      await pool.drain();
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });

  it('settles exactly once: a value after cancel is ignored', async () => {
    const gate = deferred<string>();
    const future = pool.submit(() => gate.promise);
    const observed: string[] = [];
    future.then(
      (value) => observed.push(`value ${value}`),
      (error: Error) => observed.push(`error ${error.name}`),
    );
    expect(future.cancel('enough')).to.equal(true);
    expect(future.cancel()).to.equal(false);
    gate.resolve('late');
    await pool.drain();
    await flush();
    expect(observed).to.deep.equal(['error CancelledError']);
    expect(future.state).to.equal('cancelled');
  });

  it('cancel() sets cause to the reason and returns false once settled', async () => {
    const gate = deferred();
    pool.submit(() => gate.promise);
    const queued = pool.submit(() => 'never');
    expect(queued.state).to.equal('queued');
    expect(queued.cancel('no longer needed')).to.equal(true);
    const result = await queued.result();
    const error = result.isErr() ? (result.error as CancelledError) : undefined;
    expect(error).to.be.instanceOf(CancelledError);
    expect(error?.cause).to.equal('no longer needed');
    expect(error?.code).to.equal('ERR_CANCELLED');
    expect(error?.taskId).to.equal(queued.id);
    gate.resolve();
    const done = pool.submit(() => 1);
    await done;
    expect(done.cancel()).to.equal(false);
  });

  it('records timing from submission through start to settlement', async () => {
    const gate = deferred();
    pool.submit(() => gate.promise);
    const future = pool.submit(() => 'timed');
    expect(future.timing).to.have.all.keys('submittedAt'); // no key for what has not happened
    gate.resolve();
    await future;
    expect(future.timing).to.have.all.keys('submittedAt', 'startedAt', 'settledAt');
    const { submittedAt, startedAt, settledAt } = future.timing;
    expect(startedAt).to.be.a('number').and.at.least(submittedAt);
    expect(settledAt).to.be.a('number').and.at.least(startedAt!);
  });

  it('has no startedAt in timing for a task cancelled before it started', async () => {
    const gate = deferred();
    pool.submit(() => gate.promise);
    const future = pool.submit(() => 'never');
    future.cancel();
    expect(future.timing).to.have.all.keys('submittedAt', 'settledAt');
    expect(future.timing.settledAt).to.be.at.least(future.timing.submittedAt);
    gate.resolve();
  });

  it('records timing on the clock fake timers drive, from virtual time 0', async () => {
    const clock = sinon.useFakeTimers();
    try {
      const first = pool.submit(() => new Promise((resolve) => setTimeout(resolve, 100)));
      const second = pool.submit(() => 'second');
      expect(second.timing).to.deep.equal({ submittedAt: 0 });
      await clock.tickAsync(100);
      await Promise.all([first, second]);
      expect(first.timing).to.deep.equal({ submittedAt: 0, startedAt: 0, settledAt: 100 });
      expect(second.timing).to.deep.equal({ submittedAt: 0, startedAt: 100, settledAt: 100 });
    } finally {
      clock.restore();
    }
  });

  it('stamps each start when it happens, after synchronous tasks started in the same step ran', async () => {
    const clock = sinon.useFakeTimers();
    try {
      const started: number[] = [];
      pool.events$.subscribe((event) => {
        if (event.type === 'task:started') started.push(event.time);
      });
      pool.pause();
      const futures = [1, 2, 3].map(() => pool.submit(() => void clock.tick(50))); // each takes 50 ms
      pool.resume(); // starts all three, one after another
      await Promise.all(futures);
      expect(futures.map((future) => future.timing)).to.deep.equal([
        { submittedAt: 0, startedAt: 0, settledAt: 50 },
        { submittedAt: 0, startedAt: 50, settledAt: 100 },
        { submittedAt: 0, startedAt: 100, settledAt: 150 },
      ]);
      expect(started).to.deep.equal([0, 50, 100]);
    } finally {
      clock.restore();
    }
  });

  it('keeps in timing the exact values performance.now() returned', async () => {
    const moments = [0.1 + 0.2, 123_456_789.123_456_78, 2 ** 53 + 2, 1e-7, 4e9 + 0.5];
    const now = sinon.stub(performance, 'now');
    moments.forEach((moment, call) => now.onCall(call).returns(moment));
    try {
      const gate = deferred();
      const first = pool.submit(() => gate.promise); // read 0: submitted and started
      const second = pool.submit(() => 'second'); // read 1: submitted
      expect(second.timing).to.deep.equal({ submittedAt: moments[1] });
      gate.resolve();
      await Promise.all([first, second]); // read 2: first settles, second starts; read 3: second settles
      expect(first.timing).to.deep.equal({
        submittedAt: moments[0],
        startedAt: moments[0],
        settledAt: moments[2],
      });
      expect(second.timing).to.deep.equal({
        submittedAt: moments[1],
        startedAt: moments[2],
        settledAt: moments[3],
      });
      expect(now.callCount).to.equal(4);
    } finally {
      now.restore();
    }
  });

  it('records in timing the very moments its events carry', async () => {
    const times = new Map<string, number>();
    const subscription = pool.events$.subscribe((event) => times.set(event.type, event.time));
    const future = pool.submit(async () => 'timed');
    await future;
    subscription.unsubscribe();
    expect(future.timing).to.deep.equal({
      submittedAt: times.get('task:queued'),
      startedAt: times.get('task:started'),
      settledAt: times.get('task:succeeded'),
    });
  });

  it('records the moments its events carry under every full-queue policy, the clock moving at each read', async () => {
    let clock = 0;
    const now = sinon.stub(performance, 'now').callsFake(() => ++clock);
    try {
      for (const onFull of ['reject', 'discard', 'discard-oldest', 'caller-runs'] as const) {
        const full = new Pool({ maxWorkers: 1, queueCapacity: 1, onFull });
        const times = new Map<string, number>();
        full.events$.subscribe((event) => {
          if ('taskId' in event && event.taskId === 3) times.set(event.type, event.time);
        });
        const gate = deferred();
        full.submit(() => gate.promise);
        full.submit(() => 'queued');
        const third = full.submit(async () => 'third'); // finds the queue full
        gate.resolve();
        await third.result();
        const { submittedAt, startedAt, settledAt } = third.timing;
        expect(
          times.get('task:queued') ?? times.get('task:rejected') ?? times.get('task:cancelled'),
          onFull,
        ).to.equal(submittedAt);
        if (startedAt !== undefined) expect(times.get('task:started'), onFull).to.equal(startedAt);
        const settling =
          times.get('task:succeeded') ?? times.get('task:rejected') ?? times.get('task:cancelled');
        expect(settling, onFull).to.equal(settledAt);
        await full.close();
      }
    } finally {
      now.restore();
    }
  });

  it('a synchronous listener that throws is reported, and the pool goes on', async () => {
    const reported: unknown[] = [];
    const previous = config.onUnhandledError;
    config.onUnhandledError = (error) => reported.push(error);
    try {
      const pool = new Pool({ maxWorkers: 1 });
      const gate = deferred<string>();
      const first = pool.submit(() => gate.promise);
      const told: string[] = [];
      first.onSettled(() => {
        throw new RangeError('Maximum call stack size exceeded');
      });
      first.onSettled((succeeded, outcome) => told.push(`${succeeded} ${String(outcome)}`));
      const next = pool.submit(() => 'next');
      gate.resolve('first');
      expect(await next).to.equal('next');
      expect(told).to.deep.equal(['true first']);
      expect(reported)
        .to.have.length(1)
        .and.to.satisfy((errors: Error[]) => errors[0] instanceof RangeError);
      expect(pool.stats).to.include({ succeeded: 2, running: 0, busyWorkers: 0 });
      await pool.close();
    } finally {
      config.onUnhandledError = previous;
    }
  });

  it('toObservable emits the value then completes, or errors', async () => {
    expect(
      await lastValueFrom(
        pool
          .submit(async () => 'v')
          .toObservable()
          .pipe(toArray()),
      ),
    ).to.deep.equal(['v']);
    const failing = pool.submit(() => Promise.reject(new Error('obs')));
    let message = '';
    await firstValueFrom(failing.toObservable()).catch((error: Error) => (message = error.message));
    expect(message).to.equal('obs');
    // Subscribing after settlement delivers at once.
    const values: string[] = [];
    failing.toObservable().subscribe({ error: (error: Error) => values.push(error.message) });
    expect(values).to.deep.equal(['obs']);
  });

  it('toObservable: every subscriber made while the task waits hears its outcome, in order, and it still settles', async () => {
    const heard: string[] = [];
    const listen = (future: Future<string>, name: string): void => {
      future.toObservable().subscribe({
        next: (value) => heard.push(`${name} ${value}`),
        error: (error: Error) => heard.push(`${name} ${error.message}`),
      });
    };
    const succeeding = deferred<string>();
    const failing = deferred<string>();
    const ok = pool.submit(() => succeeding.promise);
    const bad = pool.submit(() => failing.promise);
    for (const name of ['a', 'b', 'c']) listen(ok, name);
    for (const name of ['d', 'e']) listen(bad, name);
    succeeding.resolve('v');
    expect(await ok).to.equal('v');
    failing.reject(new Error('no'));
    expect((await bad.result()).isErr()).to.equal(true);
    listen(ok, 'late');
    expect(heard).to.deep.equal(['a v', 'b v', 'c v', 'd no', 'e no', 'late v']);
  });

  it('toObservable stops delivering after unsubscribe', async () => {
    const gate = deferred<number>();
    const future = pool.submit(() => gate.promise);
    const values: number[] = [];
    const subscription = future.toObservable().subscribe((value) => values.push(value));
    subscription.unsubscribe();
    gate.resolve(1);
    await future;
    expect(values).to.deep.equal([]);
  });

  it('toObservable lets go of a subscriber when it unsubscribes, not when the task ends', async () => {
    const gate = deferred<number>();
    const future = pool.submit(() => gate.promise);
    const kept = future.toObservable().subscribe(() => {}); // keeps the Future's listener list alive
    // The subscriber itself (which a listener of the Future would hold), with no other reference left.
    const ref = ((): WeakRef<Subscription> => {
      const subscription = future.toObservable().subscribe(() => {});
      subscription.unsubscribe();
      return new WeakRef(subscription);
    })();
    expect(await collected(ref)).to.equal(true);
    gate.resolve(1);
    await future;
    kept.unsubscribe();
  });

  it('a settled Future holds neither what its function captured nor its pool', async () => {
    // Made here: an error keeps the functions on its stack until its stack is read.
    const failure = new Error('failed');
    const submit = (outcome: 'succeeds' | 'fails' | 'is cancelled') => {
      const own = new Pool({ maxWorkers: 1 });
      const captured = { data: new Array<number>(1_000).fill(1) };
      const future = own.submit(async () => {
        if (outcome === 'fails') throw failure;
        return captured.data.length;
      });
      if (outcome === 'is cancelled') {
        own.pause();
        future.cancel();
      }
      void own.close();
      // events$ is made once by the pool's core, which the Pool object only fronts.
      return { future, captured: new WeakRef(captured), pool: new WeakRef(own.events$) };
    };
    for (const outcome of ['succeeds', 'fails', 'is cancelled'] as const) {
      const { future, captured, pool: own } = submit(outcome);
      await future.result();
      expect(await collected(captured), `what the function of one that ${outcome} captured`).to.equal(true);
      expect(await collected(own), `the pool of one that ${outcome}`).to.equal(true);
      expect(future.settled).to.equal(true); // kept to the end
    }
  });

  it('exposes ctx.taskId equal to the Future id', async () => {
    const ids: number[] = [];
    const futures = [1, 2, 3].map(() => pool.submit(({ taskId }) => ids.push(taskId)));
    await Future.all(futures);
    expect(ids).to.deep.equal(futures.map((future) => future.id));
  });
});

describe('Future typing', () => {
  it('is covariant: a Future of a narrow type is a Future of a wider one', async () => {
    const pool = new Pool({ maxWorkers: 1 });
    const narrow: Future<1> = pool.submit(() => 1 as const);
    const wide: Future<unknown>[] = [narrow, pool.submit(() => 'two')];
    expect(await Future.all(wide)).to.deep.equal([1, 'two']);
    await pool.close();
  });
});
