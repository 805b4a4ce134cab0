import { expect } from 'chai';
import sinon from 'sinon';
import {
  CancelledError,
  DiscardedError,
  Pool,
  TaskGroup,
  type Future,
  type TaskContext,
} from '../../src/index.js';
import { deferred, flush } from '../support/deferred.js';
import { heapInUse } from '../support/gc.js';

describe('task groups', () => {
  let pool: Pool;
  beforeEach(() => {
    pool = new Pool({ maxWorkers: 2 });
  });
  afterEach(() => pool.close());

  it('failFast cancels the tasks that bring a signal of their own, and later ones at once, with the failure as cause', async () => {
    const group = pool.group({ failFast: true });
    const controller = new AbortController();
    const gate = deferred();
    const own = group.submit(() => gate.promise, { signal: controller.signal });
    const boom = new Error('boom');
    const failing = group.submit(async () => {
      throw boom;
    });
    await failing.result();
    const result = await own.result();
    expect(result.isErr() && result.error)
      .to.be.instanceOf(CancelledError)
      .with.property('cause', boom);
    const late = group.submit(() => 'late', { signal: controller.signal });
    expect(late.state).to.equal('cancelled');
    controller.abort(); // nothing left for it to cancel
    gate.resolve();
    await group.settled();
    expect(pool.stats).to.include({ failed: 1, cancelled: 2 });
  });

  it('failFast keeps nothing alive per task under a signal that outlives its tasks', async () => {
    const controller = new AbortController(); // one signal for the whole process, say
    const round = async (n: number): Promise<void> => {
      const group = pool.group({ failFast: true });
      for (let i = 0; i < n; i++) group.submit(() => i, { signal: controller.signal });
      await group.wait();
    };
    // A round as large first: the pool's queue keeps the room its longest backlog needed.
    await round(20_000);
    const before = await heapInUse();
    await round(20_000);
    const perTask = ((await heapInUse()) - before) / 20_000;
    expect(perTask).to.be.below(30); // joining the signals with AbortSignal.any kept about 65 B
  });

  it('wait resolves to values in submission order', async () => {
    const group = pool.group<number>();
    const slow = deferred<number>();
    group.submit(() => slow.promise);
    group.submit(async () => 2);
    slow.resolve(1);
    expect(await group.wait()).to.deep.equal([1, 2]);
    expect(group.futures).to.have.length(2);
  });

  it('wait rejects on the first failure; settled gives every Result', async () => {
    const group = pool.group();
    const gate = deferred();
    const error = new Error('first');
    group.submit(() => gate.promise);
    group.submit(() => Promise.reject(error));
    let caught: unknown;
    await group.wait().catch((e: unknown) => (caught = e));
    expect(caught).to.equal(error);
    gate.resolve();
    const results = await group.settled();
    expect(results.map((r) => r.isOk())).to.deep.equal([true, false]);
  });

  it('wait rejects with the failure that came first in time, even when both came before it was called', async () => {
    const group = pool.group();
    const later = deferred();
    const sooner = deferred();
    group.submit(() => later.promise);
    group.submit(() => sooner.promise);
    sooner.reject(new Error('first'));
    await flush();
    later.reject(new Error('second'));
    await flush();
    let caught: unknown;
    await group.wait().catch((e: unknown) => (caught = e));
    expect(caught).to.have.property('message', 'first');
  });

  it('wait tells failures apart by the order they came in, not by their time: under fake timers both come at 0', async () => {
    const clock = sinon.useFakeTimers();
    try {
      const group = pool.group();
      const later = deferred();
      const sooner = deferred();
      const [a, b] = [group.submit(() => later.promise), group.submit(() => sooner.promise)];
      sooner.reject(new Error('first'));
      await flush();
      later.reject(new Error('second'));
      await flush();
      expect([a.timing.settledAt, b.timing.settledAt]).to.deep.equal([0, 0]);
      const caught = await group.wait().catch((e: unknown) => e);
      expect(caught).to.have.property('message', 'first');
    } finally {
      clock.restore();
    }
  });

  it('wait rejects with the failure, not with a cancellation an events$ listener made while told of it', async () => {
    const group = pool.group();
    const running = deferred();
    const other = group.submit(() => running.promise);
    const failing = deferred();
    const failed = group.submit(() => failing.promise);
    pool.events$.subscribe((event) => {
      if (event.type === 'task:failed' && event.taskId === failed.id) other.cancel('depended on it');
    });
    failing.reject(new Error('boom'));
    expect(await group.wait().catch((e: unknown) => e)).to.have.property('message', 'boom');
    expect(other.state).to.equal('cancelled');
    running.resolve();
  });

  it('wait rejects with the failure, not with the cancellation a listener made while told of it, on a fake clock too', async () => {
    const clock = sinon.useFakeTimers();
    try {
      for (const failFast of [false, true]) {
        const group = pool.group({ failFast });
        const other = group.submit(({ signal }) => new Promise((_, reject) => (signal.onabort = reject)));
        const failing = deferred();
        const failed = group.submit(() => failing.promise);
        const subscription = pool.events$.subscribe((event) => {
          if (event.type === 'task:failed' && event.taskId === failed.id) group.cancel('depended on it');
        });
        failing.reject(new Error('boom'));
        const caught = await group.wait().catch((e: unknown) => e);
        subscription.unsubscribe();
        expect([other.timing.settledAt, failed.timing.settledAt]).to.deep.equal([0, 0]);
        expect(caught, `failFast: ${failFast}`).to.have.property('message', 'boom');
      }
    } finally {
      clock.restore();
    }
  });

  it('wait rejects with a failure at submission (an aborted signal), before a cancellation a listener made on hearing of it', async () => {
    const clock = sinon.useFakeTimers();
    try {
      for (const failFast of [false, true]) {
        pool.pause(); // the first task stays queued
        const group = pool.group({ failFast });
        const queued = group.submit(() => 'queued');
        const subscription = pool.events$.subscribe((event) => {
          if (event.type === 'task:cancelled' && event.taskId !== queued.id)
            queued.cancel('on hearing of it');
        });
        group.submit(() => 'never', { signal: AbortSignal.abort('aborted at submission') });
        const caught = await group.wait().catch((e: unknown) => e);
        subscription.unsubscribe();
        pool.resume();
        expect(queued.state).to.equal('cancelled');
        expect(caught, `failFast: ${failFast}`).to.have.property('cause', 'aborted at submission');
      }
    } finally {
      clock.restore();
    }
  });

  it("wait and settled cover the tasks submitted while they wait, as errgroup's Wait: a task may add to its group", async () => {
    const group = pool.group<string>();
    const child = deferred<string>();
    group.submit(async () => {
      group.submit(() => child.promise); // submitted by a task of the group, before that task returns
      return 'parent';
    });
    const waited = group.wait();
    const settled = group.settled();
    let done = false;
    void waited.then(() => (done = true));
    await flush();
    expect(done, 'wait() resolved while a task of the group was pending').to.equal(false);
    child.resolve('child');
    expect(await waited).to.deep.equal(['parent', 'child']);
    expect((await settled).map((result) => result.unwrap())).to.deep.equal(['parent', 'child']);
  });

  it('wait and settled called before the tasks are submitted still wait for them', async () => {
    const group = pool.group();
    const waited = group.wait().catch((e: unknown) => e);
    const settled = group.settled();
    const slow = deferred();
    group.submit(() => slow.promise);
    await flush(); // they have looked, and found one task
    group.submit(() => Promise.reject(new Error('boom')));
    expect(await waited).to.have.property('message', 'boom');
    slow.resolve();
    expect(await settled).to.have.length(2);
  });

  it('cancel from a task that runs as it is submitted cancels that task too', async () => {
    const group = pool.group();
    const gate = deferred();
    const self = group.submit(() => {
      group.cancel('from inside');
      return gate.promise;
    });
    expect(self.state).to.equal('cancelled');
    gate.resolve();
    expect(await group.settled()).to.have.length(1);
  });

  it('wait rejects at the first failure, without waiting for the tasks still running', async () => {
    const group = pool.group();
    const running = deferred();
    group.submit(() => running.promise);
    const waited = group.wait().catch((e: unknown) => e);
    group.submit(() => Promise.reject(new Error('boom')));
    expect(await waited).to.have.property('message', 'boom');
    expect(group.futures[0]!.state).to.equal('running');
    running.resolve();
  });

  it('wait gives the same first failure whenever it is called, with failFast too', async () => {
    for (const failFast of [false, true]) {
      const group = pool.group({ failFast });
      const running = deferred();
      const cancelled = group.submit(() => running.promise); // ignores its signal
      const failing = deferred();
      group.submit(() => failing.promise);
      await flush();
      cancelled.cancel('no longer wanted');
      running.resolve(); // its slot frees; its Future stays cancelled
      const early = group.wait().catch((e: unknown) => e);
      await flush();
      failing.reject(new Error('failed after the cancel'));
      await flush();
      const late = group.wait().catch((e: unknown) => e);
      const [first, second] = await Promise.all([early, late]);
      expect(first, `failFast: ${failFast}`).to.be.instanceOf(CancelledError);
      expect(second, `failFast: ${failFast}`).to.equal(first);
    }
  });

  it('failFast: the first failure aborts the others and cancels queued ones', async () => {
    const group = pool.group({ failFast: true });
    let aborted: unknown;
    const returned = deferred();
    const running = group.submit(async ({ signal }) => {
      signal.addEventListener('abort', () => (aborted = signal.reason));
      await returned.promise;
    });
    const failing = deferred();
    group.submit(() => failing.promise);
    const queued = group.submit(() => 'never');
    const error = new Error('boom');
    failing.reject(error);
    let caught: unknown;
    await group.wait().catch((e: unknown) => (caught = e));
    expect(caught).to.equal(error);
    await flush();
    expect([running.state, queued.state]).to.deep.equal(['cancelled', 'cancelled']);
    expect(aborted).to.be.instanceOf(CancelledError);
    const late = group.submit(() => 'late');
    expect(late.state).to.equal('cancelled');
    returned.resolve();
  });

  it('failFast: a cancellation stops the group as a failure does: wait() rejects with it', async () => {
    for (const how of ['cancel()', 'its signal', "'discard'"] as const) {
      const bounded = new Pool({ maxWorkers: 2, queueCapacity: 1, onFull: 'discard' });
      const group = bounded.group({ failFast: true });
      const slow = deferred();
      const running = group.submit(({ signal }) => {
        signal.addEventListener('abort', () => slow.resolve());
        return slow.promise;
      });
      const controller = new AbortController();
      const untilAborted = ({ signal }: TaskContext): Promise<unknown> =>
        new Promise((resolve) => signal.addEventListener('abort', resolve));
      const other = group.submit(untilAborted, { signal: controller.signal });
      const queued = group.submit(() => 'never'); // the one place in the queue
      if (how === 'cancel()') other.cancel('not needed');
      else if (how === 'its signal') controller.abort('not needed');
      else group.submit(() => 'refused'); // the queue is full: discarded
      expect([running.state, queued.state], how).to.deep.equal(['cancelled', 'cancelled']);
      expect(group.submit(() => 'late').state, how).to.equal('cancelled');
      const first = how === "'discard'" ? DiscardedError : CancelledError;
      expect(await group.wait().catch((e: unknown) => e), how).to.be.instanceOf(first);
      await bounded.terminate();
    }
  });

  it('failFast: a task that throws at once fails a microtask later, and stops what was submitted meanwhile', async () => {
    // Under 'balanced', the second submission starts a worker, which runs the first (it throws) at once.
    const balanced = new Pool({ maxWorkers: 2, scaleUp: 'balanced' });
    const gate = deferred();
    balanced.submit(() => gate.promise);
    const group = balanced.group({ failFast: true });
    const error = new Error('boom');
    let signal: AbortSignal | undefined;
    const failing = group.submit(() => {
      throw error;
    });
    expect(failing.state).to.equal('queued');
    const submittedMeanwhile = group.submit((ctx) => ((signal = ctx.signal), gate.promise));
    expect(failing.state).to.equal('running'); // it threw; its outcome is told a microtask later
    expect(submittedMeanwhile.state).to.equal('queued');
    await Promise.resolve();
    expect(failing.state).to.equal('failed');
    expect(submittedMeanwhile.state).to.equal('cancelled');
    expect(signal, 'it never started').to.equal(undefined);
    expect(await group.wait().catch((e: unknown) => e)).to.equal(error);
    gate.resolve();
    await balanced.close();
  });

  it('failFast: the failure is reported before the cancellations it causes', async () => {
    const types: string[] = [];
    pool.events$.subscribe((event) => {
      if (event.type === 'task:failed' || event.type === 'task:cancelled')
        types.push(`${event.type}#${event.taskId}`);
    });
    const group = pool.group({ failFast: true });
    const gate = deferred();
    const failing = group.submit(() => Promise.reject(new Error('boom')));
    const running = group.submit(() => gate.promise);
    const queued = group.submit(() => 'never');
    await group.settled();
    expect(types).to.deep.equal([
      `task:failed#${failing.id}`,
      `task:cancelled#${running.id}`,
      `task:cancelled#${queued.id}`,
    ]);
    gate.resolve();
  });

  it('failFast: after the failure, a submission with bad options still throws', async () => {
    const group = pool.group({ failFast: true });
    await group.submit(() => Promise.reject(new Error('boom'))).result();
    expect(() => group.submit(() => 1, 5 as never)).to.throw(TypeError, /submit options must be an object/);
    expect(() => group.submit(() => 1, { timeout: -1 })).to.throw(RangeError, /timeout/);
    expect(group.submit(() => 1).state).to.equal('cancelled');
  });

  it('a fail-fast failure on the caller that empties a closing pool is still reported, then the pool closes', async () => {
    const callerRuns = new Pool({ maxWorkers: 1, queueCapacity: 0, onFull: 'caller-runs' });
    const types: string[] = [];
    callerRuns.events$.subscribe((event) => types.push(event.type));
    const busy = deferred();
    callerRuns.submit(() => busy.promise); // the one worker
    const group = callerRuns.group({ failFast: true });
    const onCaller = deferred();
    const failing = group.submit(() => onCaller.promise, { key: 'k' }); // runs on the caller
    const waiting = group.submit(() => 'never', { key: 'k' }); // waits behind its key
    busy.resolve();
    await flush();
    const closed = callerRuns.close();
    onCaller.reject(new Error('boom'));
    await closed;
    expect([failing.state, waiting.state]).to.deep.equal(['failed', 'cancelled']);
    expect(types.filter((type) => type !== 'task:queued' && type !== 'task:started')).to.deep.equal([
      'worker:started',
      'task:succeeded',
      'task:failed',
      'task:cancelled',
      'pool:drained',
      'worker:stopped',
      'pool:closed',
    ]);
  });

  it('failFast: a failure ahead of thousands of queued tasks cancels them all with it as cause, each once', async () => {
    const group = pool.group({ failFast: true });
    const failing = deferred();
    group.submit(() => failing.promise);
    group.submit(({ signal }) => new Promise((_, reject) => (signal.onabort = reject))); // busy until aborted
    const queued = Array.from({ length: 5_000 }, (_, i) => group.submit(() => i));
    const boom = new Error('boom');
    failing.reject(boom);
    expect(await group.wait().catch((e: unknown) => e)).to.equal(boom);
    expect(queued.every((future) => future.state === 'cancelled')).to.equal(true);
    const causes = await Promise.all(queued.map((future) => future.catch((e: CancelledError) => e.cause)));
    expect(new Set(causes)).to.deep.equal(new Set([boom]));
    expect(pool.stats).to.include({ queued: 0, cancelled: 5_001, failed: 1, submitted: 5_002 });
  });

  it('failFast: stops with the first failure, not with a cancellation a listener made on hearing of it', async () => {
    const single = new Pool({ maxWorkers: 1 }); // the next task waits while the first runs
    const group = single.group({ failFast: true });
    const boom = new Error('boom');
    const failing = group.submit(async () => {
      await null;
      throw boom;
    });
    const next = group.submit(() => 'next');
    single.events$.subscribe((event) => {
      if (event.type === 'task:failed' && event.taskId === failing.id) next.cancel('on hearing of it');
    });
    let submittedThen: Future<string> | undefined;
    single.events$.subscribe((event) => {
      // Told of the failure after the cancellation it caused: the group has stopped already.
      if (event.type === 'task:failed') submittedThen ??= group.submit(() => 'submitted then');
    });
    const queued = group.submit(() => 'queued');
    expect(await group.wait().catch((e: unknown) => e)).to.equal(boom);
    expect(submittedThen?.state).to.equal('cancelled');
    const later = group.submit(() => 'later');
    for (const future of [queued, submittedThen!, later]) {
      expect(await future.catch((e: CancelledError) => e.cause)).to.equal(boom);
    }
    await single.close();
  });

  it('failFast: a task a listener submits after the first failure never runs, though a cancellation was told first', async () => {
    const roomy = new Pool({ maxWorkers: 3 }); // a worker free for a task submitted then
    const group = roomy.group({ failFast: true });
    const hanging = group.submit(({ signal }) => new Promise((_, reject) => (signal.onabort = reject)));
    const failing = group.submit(async () => {
      throw new Error('boom');
    });
    let ran = false;
    let submittedThen: Future<unknown> | undefined;
    roomy.events$.subscribe((event) => {
      if (event.type !== 'task:failed' || event.taskId !== failing.id) return;
      hanging.cancel('on hearing of it');
      submittedThen = group.submit(() => (ran = true));
    });
    await group.wait().catch(() => {});
    expect(submittedThen?.state).to.equal('cancelled');
    expect(ran).to.equal(false);
    await roomy.close();
  });

  it('failFast: cancel(reason) gives every task, and a later one, the reason as cause', async () => {
    const group = pool.group({ failFast: true });
    const running = [0, 1, 2].map(() =>
      group.submit(({ signal }) => new Promise((_, reject) => (signal.onabort = reject))),
    );
    group.cancel('stop');
    const later = group.submit(() => 'never');
    const causes = await Promise.all([...running, later].map((f) => f.catch((e: CancelledError) => e.cause)));
    expect(causes).to.deep.equal(['stop', 'stop', 'stop', 'stop']);
  });

  it('a task submitted while cancel() is under way (by a listener) is cancelled at once, on the caller too', async () => {
    for (const failFast of [false, true]) {
      const onCaller = new Pool({ maxWorkers: 1, queueCapacity: 0, onFull: 'caller-runs' });
      const group = onCaller.group({ failFast });
      let ran = false;
      let late: Future<unknown> | undefined;
      onCaller.events$.subscribe((event) => {
        if (event.type === 'task:cancelled') late ??= group.submit(() => (ran = true));
      });
      group.submit(({ signal }) => new Promise((resolve) => (signal.onabort = resolve)));
      group.cancel('stop');
      expect(late?.state, `failFast: ${failFast}`).to.equal('cancelled');
      expect(await late!.catch((e: CancelledError) => e.cause)).to.equal('stop');
      expect(ran).to.equal(false);
      await onCaller.close();
    }
  });

  it('cancel cancels every unsettled task of the group only', async () => {
    const group = pool.group();
    const outside = pool.submit(async () => 'outside');
    const gate = deferred();
    const a = group.submit(() => gate.promise);
    const b = group.submit(() => 'b');
    const c = group.submit(() => 'c');
    group.cancel('stop');
    expect([a.state, b.state, c.state]).to.deep.equal(['cancelled', 'cancelled', 'cancelled']);
    expect(await outside).to.equal('outside');
    gate.resolve();
  });

  it('cancel stops the group: a task submitted later is cancelled at once, never queued or run, with the reason as cause', async () => {
    const group = pool.group();
    const events: string[] = [];
    pool.events$.subscribe((event) => events.push(event.type));
    group.cancel('stop');
    let called = false;
    const late = group.submit(() => (called = true));
    expect(late.state).to.equal('cancelled');
    const error = await late.catch((e: unknown) => e);
    expect(error).to.be.instanceOf(CancelledError).with.property('cause', 'stop');
    expect(called).to.equal(false);
    expect(events).to.deep.equal(['task:cancelled']);
    expect(await group.settled()).to.have.length(1);
  });

  it('cancel gives a task submitted later the error it gives the others, with no reason too', async () => {
    for (const reason of [undefined, 'stop']) {
      const group = pool.group();
      const gate = deferred();
      const before = group.submit(() => gate.promise);
      group.cancel(reason);
      const after = group.submit(() => 1);
      const [early, late] = await Promise.all([
        before.catch((e: unknown) => e),
        after.catch((e: unknown) => e),
      ]);
      for (const error of [early, late]) {
        expect(error).to.be.instanceOf(CancelledError).with.property('message', 'The task was cancelled');
        expect((error as CancelledError).cause, `cancel(${reason})`).to.equal(reason);
      }
      gate.resolve();
    }
  });

  it('cancel cancels its blocked tasks all at once: none starts in a place another freed', async () => {
    const blocking = new Pool({ maxWorkers: 2, queueCapacity: 0, onFull: 'block' });
    const holding = deferred();
    blocking.submit(() => holding.promise, { key: 'a' });
    const group = blocking.group();
    const called: number[] = [];
    group.submit(() => called.push(1), { key: 'a' }); // blocked: its key is busy and nothing may wait
    group.submit(() => called.push(2)); // blocked behind it
    group.cancel('stop');
    expect(group.futures.map((future) => future.state)).to.deep.equal(['cancelled', 'cancelled']);
    expect(called).to.deep.equal([]);
    holding.resolve();
    await blocking.close();
  });

  it('is typed by its tasks: submit gives each task its own type, wait gives the group type', async () => {
    const untyped = pool.group();
    const future: Future<number> = untyped.submit(async () => 1);
    const typed: TaskGroup<number> = pool.group<number>();
    // The group's type, not the literal the task returns: the futures mix.
    const futures = [typed.submit(() => 2)];
    futures.push(typed.submit(async () => 2.5));
    // @ts-expect-error a string task in a group of numbers
    typed.submit(() => 'three');
    const values: number[] = await typed.wait();
    expect([await future, ...values]).to.deep.equal([1, 2, 2.5, 'three']);
    expect(await Promise.all(futures)).to.deep.equal([2, 2.5]);
  });

  it('validates its options, naming any value', () => {
    expect(() => pool.group({ failFast: 'yes' as unknown as boolean })).to.throw(
      TypeError,
      /failFast must be a boolean/,
    );
    // Values that String() cannot print: no prototype, or a toString that throws.
    const bare = Object.create(null) as boolean;
    const hostile = {
      toString: (): never => {
        throw new Error('not this one');
      },
    } as unknown as boolean;
    for (const failFast of [bare, hostile]) {
      expect(() => pool.group({ failFast })).to.throw(TypeError, /^failFast must be a boolean, received /);
    }
  });

  it('a task that is not a function is refused at submission, as pool.submit refuses it', () => {
    const group = pool.group();
    expect(() => group.submit(5 as never)).to.throw(TypeError, 'task must be a function, received 5');
    expect(pool.stats.submitted).to.equal(0);
    expect(group.futures).to.deep.equal([]);
  });
});
