import { expect } from 'chai';
import sinon from 'sinon';
import { Pool, type Future, type PoolStats } from '../../src/index.js';
import { deferred, flush } from '../support/deferred.js';

// Listeners run synchronously, in the middle of the pool's work: each spec
// here has one act on the pool at such a moment, and checks that the pool
// carries on from what the listener left, not from what it saw before. What
// the pool publishes while a listener runs reaches every subscriber after
// the value that listener was told.

const idleAndBusyAddUp = (stats: PoolStats): boolean =>
  stats.workers === stats.idleWorkers + stats.busyWorkers && stats.idleWorkers >= 0 && stats.busyWorkers >= 0;

describe('Pool, acted on by its own listeners', () => {
  it('terminate() from a worker:started listener leaves no worker behind', async () => {
    for (const warm of [false, true]) {
      const pool = new Pool({ maxWorkers: 2, idleTimeout: Infinity });
      pool.events$.subscribe((event) => {
        if (event.type === 'worker:started') void pool.terminate();
      });
      if (warm) pool.resize({ minWorkers: 1 });
      else pool.submit(() => 'never');
      await pool.close();
      expect(pool.stats, warm ? 'warm-up' : 'demand').to.include({
        workers: 0,
        idleWorkers: 0,
        busyWorkers: 0,
      });
    }
  });

  it('a scaling$ listener that shrinks the pool while a worker starts keeps the bound', async () => {
    const pool = new Pool({ maxWorkers: 1, idleTimeout: Infinity });
    let running = 0;
    let peak = 0;
    const gate = deferred();
    const task = async (): Promise<void> => {
      peak = Math.max(peak, ++running);
      await gate.promise;
      running--;
    };
    pool.submit(task);
    const queued = pool.submit(task);
    pool.scaling$.subscribe((event) => {
      if (event.type === 'up' && event.workers === 2) pool.resize({ maxWorkers: 1 });
    });
    pool.resize({ maxWorkers: 2 }); // starts a worker for the queued task; the listener takes the room back
    expect(queued.state).to.equal('queued');
    expect(pool.stats).to.include({ running: 1, workers: 1, maxWorkers: 1 });
    gate.resolve();
    await pool.close();
    expect(peak).to.equal(1);
  });

  it('a task submitted from a pool:resized listener never runs on an idle worker the shrink stops', async () => {
    const pool = new Pool({ maxWorkers: 2, idleTimeout: Infinity });
    const gate = deferred();
    pool.submit(() => gate.promise);
    await pool.submit(() => 'done'); // its worker is idle now
    expect(pool.stats).to.include({ workers: 2, idleWorkers: 1 });
    let late: ReturnType<typeof pool.submit> | undefined;
    pool.events$.subscribe((event) => {
      if (event.type === 'pool:resized') late = pool.submit(() => gate.promise);
    });
    pool.resize({ maxWorkers: 1 });
    expect(late!.state).to.equal('queued');
    expect(pool.stats).to.include({ workers: 1, running: 1, busyWorkers: 1 });
    gate.resolve();
    await pool.close();
  });

  for (const act of ['pause', 'terminate'] as const) {
    it(`${act}() from a listener of a stop published inside another listener comes after that listener's step`, async () => {
      const pool = new Pool({ maxWorkers: 3, idleTimeout: Infinity });
      await Promise.all([1, 2, 3].map(() => pool.submit(async () => {}))); // three idle workers
      const scaling: string[] = [];
      pool.scaling$.subscribe(({ type, reason }) => scaling.push(`${type}:${reason}`));
      let late: ReturnType<typeof pool.submit> | undefined;
      let ran = false;
      let acted = false;
      pool.events$.subscribe((event) => {
        // A producer that sees room.
        if (event.type === 'pool:resized') late = pool.submit(() => ((ran = true), 'ran'));
        if (event.type === 'worker:stopped' && !acted) {
          acted = true;
          expect(ran, 'the submission made before this stop was told').to.equal(true);
          void pool[act]();
        }
      });
      pool.resize({ maxWorkers: 1 });
      expect(acted).to.equal(true);
      // Terminated before its outcome was told, a task that ran is cancelled as a running one is.
      if (act === 'pause') expect(await late).to.equal('ran');
      else expect(late!.state).to.equal('cancelled');
      if (act === 'pause') {
        expect(pool.stats).to.include({ paused: true, workers: 1, running: 0 });
        await pool.close();
      } else await pool.terminate();
      expect(pool.stats).to.include({ workers: 0, idleWorkers: 0 });
      expect(scaling.filter((change) => change.startsWith('up'))).to.deep.equal([]);
    });
  }

  it("a later subscriber sees a task's events in order when an earlier one acts on them", async () => {
    for (const act of ['cancel', 'terminate'] as const) {
      const pool = new Pool({ maxWorkers: 1 });
      const gate = deferred();
      pool.submit(() => gate.promise);
      const second = pool.submit(() => 'second');
      pool.events$.subscribe((event) => {
        if (event.type !== 'task:started' || event.taskId !== second.id) return;
        if (act === 'cancel') second.cancel('stop');
        else void pool.terminate();
      });
      const seen: string[] = [];
      pool.events$.subscribe((event) => {
        if ('taskId' in event && event.taskId === second.id) seen.push(event.type);
      });
      gate.resolve();
      await second.result();
      await pool.close();
      expect(seen, act).to.deep.equal(['task:started', 'task:cancelled']);
    }
  });

  it("a worker's events$ and scaling$ news both go out before what a listener of the first does", async () => {
    // A listener of worker:stopped starts another worker; one of worker:started terminates the pool.
    for (const act of ['submit', 'terminate'] as const) {
      const pool = new Pool({ maxWorkers: 2, idleTimeout: 0 });
      const gate = deferred();
      let acted = false;
      pool.events$.subscribe((event) => {
        if (acted) return;
        if (act === 'submit' && event.type === 'worker:stopped') {
          acted = true;
          pool.submit(() => gate.promise);
        } else if (act === 'terminate' && event.type === 'worker:started') {
          acted = true;
          void pool.terminate();
        }
      });
      const scaling: string[] = [];
      pool.scaling$.subscribe(({ type, workers, workerId }) =>
        scaling.push(`${type}:${workers}#${workerId}`),
      );
      const workers: string[] = [];
      pool.events$.subscribe((event) => {
        if (event.type === 'worker:started' || event.type === 'worker:stopped') {
          workers.push(`${event.type === 'worker:started' ? 'up' : 'down'}#${event.workerId}`);
        }
      });
      await pool.submit(() => 1).result();
      await flush();
      gate.resolve();
      await pool.close();
      expect(
        scaling.map((change) => change.replace(/:\d+#/, '#')),
        act,
      ).to.deep.equal(workers);
      if (act === 'submit') expect(scaling, act).to.deep.equal(['up:1#1', 'down:0#1', 'up:1#2', 'down:0#2']);
      else expect(scaling, act).to.deep.equal(['up:1#1', 'down:0#1']);
    }
  });

  it('queueDepth$ misses no depth when a listener of task:queued submits', async () => {
    const pool = new Pool({ maxWorkers: 1 });
    const gate = deferred();
    pool.submit(() => gate.promise);
    const depths: number[] = [];
    pool.queueDepth$.subscribe((depth) => depths.push(depth));
    let once = false;
    pool.events$.subscribe((event) => {
      if (event.type === 'task:queued' && !once) {
        once = true;
        pool.submit(() => 1);
      }
    });
    pool.submit(() => 1);
    gate.resolve();
    await pool.close();
    expect(depths).to.deep.equal([0, 1, 2, 1, 0]);
  });

  it('a later scaling$ subscriber counts the workers right when an earlier one starts a worker', async () => {
    const pool = new Pool({ maxWorkers: 2, idleTimeout: 0 });
    const gate = deferred();
    let submitted = false;
    pool.scaling$.subscribe(({ type }) => {
      if (type === 'down' && !submitted) {
        submitted = true;
        pool.submit(() => gate.promise);
      }
    });
    const seen: string[] = [];
    pool.scaling$.subscribe(({ type, workers }) => seen.push(`${type}:${workers}`));
    await pool.submit(() => 1);
    await flush();
    expect(seen).to.deep.equal(['up:1', 'down:0', 'up:1']);
    expect(pool.stats.workers).to.equal(1);
    gate.resolve();
    await pool.close();
  });

  it('a warm worker whose worker:started listener shrinks the pool below it stops at once', async () => {
    const pool = new Pool({ maxWorkers: 1, idleTimeout: Infinity });
    const gate = deferred();
    pool.submit(() => gate.promise);
    let shrunk = false;
    pool.events$.subscribe((event) => {
      if (event.type === 'worker:started' && !shrunk) {
        shrunk = true;
        pool.resize({ minWorkers: 0, maxWorkers: 1 });
      }
    });
    pool.resize({ minWorkers: 2, maxWorkers: 2 }); // the warm-up's worker is told of, and shrunk away
    expect(pool.stats).to.include({ workers: 1, idleWorkers: 0, maxWorkers: 1 });
    const next = pool.submit(() => gate.promise);
    expect(next.state).to.equal('queued');
    expect(pool.stats.running).to.equal(1);
    gate.resolve();
    await pool.close();
  });

  it("'discard-oldest' takes the task submitted first as its victim, also among submissions made by its listeners", async () => {
    const pool = new Pool({ maxWorkers: 1, queueCapacity: 2, onFull: 'discard-oldest' });
    pool.pause(); // nothing starts: the queue only fills
    const never = (): Promise<never> => new Promise(() => {});
    const discarded: number[] = [];
    let resubmits = 2;
    pool.events$.subscribe((event) => {
      if (event.type !== 'task:cancelled') return;
      discarded.push(event.taskId);
      if (resubmits-- > 0) pool.submit(never); // each evicts the oldest in turn
    });
    pool.submit(never); // 1
    pool.submit(never); // 2: full
    pool.submit(never); // 3 evicts 1; the listener's 4 evicts 2, and its 5 evicts 3
    pool.submit(never); // 6 evicts 4, the oldest left
    expect(discarded).to.deep.equal([1, 2, 3, 4]);
    expect(pool.stats).to.include({ queued: 2, cancelled: 4, rejected: 0 });
    await pool.terminate();
  });

  it('a worker being started has no task: its worker:started listener counts it idle, and so does pool:drained', async () => {
    const pool = new Pool({ maxWorkers: 2, minWorkers: 1 });
    const seen: string[] = [];
    let submitted = false;
    pool.events$.subscribe((event) => {
      if (event.type !== 'worker:started' && event.type !== 'pool:drained') return;
      const { busyWorkers, idleWorkers, workers } = pool.stats;
      seen.push(`${event.type} busy ${busyWorkers} idle ${idleWorkers} of ${workers}`);
      if (event.type === 'worker:started' && !submitted) {
        submitted = true;
        pool.submit(() => 'done at once');
      }
    });
    pool.resize({ minWorkers: 2 }); // the warm-up starts worker 2
    expect(seen).to.deep.equal(['worker:started busy 0 idle 2 of 2']);
    await Promise.resolve(); // the task's outcome is told
    expect(seen).to.deep.equal(['worker:started busy 0 idle 2 of 2', 'pool:drained busy 0 idle 2 of 2']);
    await pool.close();
  });

  it('a worker started for a task a listener cancelled is idle, and stops after idleTimeout', async () => {
    const clock = sinon.useFakeTimers();
    try {
      const pool = new Pool({ maxWorkers: 2, idleTimeout: 1_000 });
      const gate = deferred();
      pool.submit(() => gate.promise);
      pool.pause();
      let ran = false;
      const later = pool.submit(() => (ran = true));
      pool.events$.subscribe((event) => {
        if (event.type === 'worker:started' && event.workerId === 2) later.cancel();
      });
      pool.resume(); // the pump starts worker 2 for `later`
      expect(later.state).to.equal('cancelled');
      expect(ran).to.equal(false);
      expect(pool.stats).to.include({ workers: 2, idleWorkers: 1 });
      await clock.tickAsync(1_000);
      expect(pool.stats).to.include({ workers: 1, idleWorkers: 0 });
      gate.resolve();
      await pool.close();
    } finally {
      clock.restore();
    }
  });

  it('nothing is published after pool:closed, whatever its listeners do', async () => {
    const pool = new Pool({ maxWorkers: 4 });
    const seen: string[] = [];
    pool.events$.subscribe({ next: (event) => seen.push(event.type), complete: () => seen.push('complete') });
    let late: Future<number> | undefined;
    pool.events$.subscribe((event) => {
      if (event.type === 'pool:closed') {
        pool.resize({ minWorkers: 2 });
        late = pool.submit(() => 1);
      }
    });
    await pool.close();
    expect(seen).to.deep.equal(['pool:closed', 'complete']);
    expect(late?.state).to.equal('failed'); // refused: the pool is closed
    expect(pool.stats).to.include({ workers: 0, minWorkers: 0 });
  });

  it('a resize() from a pool:resized listener is the one in force, and the listener sees the new bounds', async () => {
    const pool = new Pool({ maxWorkers: 1 });
    const seen: { minWorkers: number; maxWorkers: number }[] = [];
    pool.events$.subscribe((event) => {
      if (event.type !== 'pool:resized') return;
      const { minWorkers, maxWorkers } = pool.stats;
      seen.push({ minWorkers, maxWorkers });
      if (event.maxWorkers === 2) pool.resize({ maxWorkers: 3 });
    });
    pool.resize({ maxWorkers: 2 });
    expect(seen).to.deep.equal([
      { minWorkers: 0, maxWorkers: 2 },
      { minWorkers: 0, maxWorkers: 3 },
    ]);
    expect(pool.stats.maxWorkers).to.equal(3);
    await pool.close();
  });

  it('a task cancelled from its task:started listener leaves no timeout timer behind', async () => {
    const clock = sinon.useFakeTimers();
    try {
      const pool = new Pool({ maxWorkers: 1, taskTimeout: 30_000 });
      pool.pause();
      const future = pool.submit(() => 'x');
      pool.events$.subscribe((event) => {
        if (event.type === 'task:started') future.cancel();
      });
      pool.resume();
      await pool.close();
      expect(future.state).to.equal('cancelled');
      expect(clock.countTimers()).to.equal(0);
    } finally {
      clock.restore();
    }
  });

  for (const where of ['worker', 'caller'] as const) {
    it(`a task whose start a listener answers with terminate() is never called (${where})`, async () => {
      const pool = new Pool({ maxWorkers: 1, queueCapacity: 0, onFull: 'caller-runs' });
      const gate = deferred();
      if (where === 'caller') pool.submit(() => gate.promise); // the worker is busy: the next runs on the caller
      const target = where === 'caller' ? 2 : 1;
      let terminated: Promise<void> | undefined;
      pool.events$.subscribe((event) => {
        if (event.type === 'task:started' && event.taskId === target) terminated = pool.terminate();
      });
      let called = false;
      const future = pool.submit(() => {
        called = true;
      });
      expect(future.state).to.equal('cancelled');
      expect(called).to.equal(false);
      gate.resolve();
      await terminated;
      expect(pool.stats).to.include({ workers: 0, busyWorkers: 0, running: 0 });
    });
  }

  it("'discard-oldest': the victim's cancellation comes first, even when a listener then terminates the pool", async () => {
    const pool = new Pool({ maxWorkers: 1, queueCapacity: 1, onFull: 'discard-oldest' });
    pool.pause(); // nothing runs: terminate() finishes the pool at once
    const victim = pool.submit(() => 'victim');
    const seen: string[] = [];
    pool.events$.subscribe((event) => {
      seen.push(
        'taskId' in event ? `${event.type}:${event.taskId === victim.id ? 'victim' : 'new'}` : event.type,
      );
      if (event.type === 'task:queued') void pool.terminate();
    });
    pool.submit(() => 'replacement');
    await pool.close();
    expect(seen).to.deep.equal([
      'task:cancelled:victim',
      'task:queued:new',
      'pool:resumed', // terminate() ends the pause, and starts nothing
      'task:cancelled:new',
      'pool:drained',
      'pool:closed',
    ]);
  });

  it("a running task's signal aborts for why it settled, though a listener told of that terminates the pool", async () => {
    const clock = sinon.useFakeTimers();
    try {
      for (const settledBy of ['timeout', 'cancel'] as const) {
        const pool = new Pool({ maxWorkers: 1 });
        let signal: AbortSignal | undefined;
        const future = pool.submit(
          (ctx) => {
            signal = ctx.signal;
            return new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
          },
          { timeout: settledBy === 'timeout' ? 10 : undefined },
        );
        pool.events$.subscribe((event) => {
          if (event.type === 'task:failed' || event.type === 'task:cancelled')
            void pool.terminate('from a listener');
        });
        if (settledBy === 'timeout') await clock.tickAsync(10);
        else future.cancel('cancelled first');
        const result = await future.result();
        expect(result.isErr() && result.error, settledBy).to.be.instanceOf(Error);
        expect(signal!.reason, settledBy).to.equal(result.isErr() && result.error);
        await pool.terminate();
      }
    } finally {
      clock.restore();
    }
  });

  it('state$ says closed as soon as close() is called, while tasks still run', async () => {
    const pool = new Pool({ maxWorkers: 1 });
    const gate = deferred();
    pool.submit(() => gate.promise);
    const closedFlags: boolean[] = [];
    pool.state$.subscribe((stats) => closedFlags.push(stats.closed));
    const closed = pool.close();
    await flush();
    expect(closedFlags).to.deep.equal([false, true]);
    gate.resolve();
    await closed;
  });

  it('each scaling event counts the workers after its own change, whatever a listener starts', async () => {
    const pool = new Pool({ maxWorkers: 1, idleTimeout: 0 });
    const scaling: string[] = [];
    pool.scaling$.subscribe((event) => scaling.push(`${event.type}:${event.workerId}:${event.workers}`));
    let resubmitted = false;
    pool.events$.subscribe((event) => {
      if (event.type !== 'worker:stopped' || resubmitted) return;
      resubmitted = true;
      pool.submit(() => 2); // starts worker 2 inside worker 1's stop; it stops once its task is told
    });
    await pool.submit(() => 1);
    await pool.close();
    expect(scaling).to.have.members(['up:1:1', 'down:1:0', 'up:2:1', 'down:2:0']);
    expect(idleAndBusyAddUp(pool.stats)).to.equal(true);
  });

  it('a listener that closes the pool keeps no later subscriber from the event it was told', async () => {
    const pool = new Pool({ maxWorkers: 1 });
    pool.events$.subscribe((event) => {
      if (event.type === 'pool:drained') void pool.close();
    });
    const later: string[] = [];
    pool.events$.subscribe({
      next: (event) => later.push(event.type),
      complete: () => later.push('complete'),
    });
    await pool.submit(() => 1);
    await pool.close();
    // The worker close() stops comes after the event whose listener closed the pool.
    expect(later.slice(-4)).to.deep.equal(['pool:drained', 'worker:stopped', 'pool:closed', 'complete']);
  });

  it('scaling$ has one event per worker started or stopped when a listener terminates the pool', async () => {
    const clock = sinon.useFakeTimers();
    try {
      const pool = new Pool({ maxWorkers: 2, idleTimeout: 1_000 });
      pool.events$.subscribe((event) => {
        if (event.type === 'worker:stopped') void pool.terminate();
      });
      const scaling: string[] = [];
      pool.scaling$.subscribe({
        next: ({ type, reason }) => scaling.push(`${type}:${reason}`),
        complete: () => scaling.push('complete'),
      });
      await Promise.all([pool.submit(async () => 1), pool.submit(async () => 2)]);
      await clock.tickAsync(1_000); // the first idle timeout: its listener terminates the pool
      await pool.terminate();
      expect(scaling.filter((entry) => entry.startsWith('up'))).to.have.length(2);
      expect(scaling.filter((entry) => entry.startsWith('down'))).to.have.length(2);
      expect(scaling.at(-1)).to.equal('complete');
    } finally {
      clock.restore();
    }
  });

  it('queueDepth$ leaves every subscriber at the true depth when one of them changes it', async () => {
    const pool = new Pool({ maxWorkers: 1 });
    pool.pause();
    pool.queueDepth$.subscribe((depth) => {
      if (depth > 0) pool.resume(); // the queued task starts: the depth is 0 again
    });
    const gauge: number[] = [];
    pool.queueDepth$.subscribe({ next: (depth) => gauge.push(depth), complete: () => gauge.push(-1) });
    const gate = deferred();
    pool.submit(() => gate.promise);
    expect(gauge.at(-1)).to.equal(pool.stats.queued);
    expect(gauge).to.deep.equal([0, 1, 0]);
    gate.resolve();
    // A listener that ends the pool at depth 0 still lets the others hear 0 before completion.
    const ending = new Pool({ maxWorkers: 1 });
    ending.pause();
    const queued = ending.submit(() => 1);
    ending.queueDepth$.subscribe((depth) => {
      if (depth === 0) void ending.terminate();
    });
    const last: number[] = [];
    ending.queueDepth$.subscribe({ next: (depth) => last.push(depth), complete: () => last.push(-1) });
    queued.cancel();
    await flush();
    expect(last).to.deep.equal([1, 0, -1]);
    await pool.close();
  });
});

describe('Pool, with listeners that take their time (fake timers)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  /** Timing of a task, relative to `from`. */
  const timing = (future: { timing: { submittedAt: number; startedAt?: number } }, from: number) => ({
    submitted: future.timing.submittedAt - from,
    started: future.timing.startedAt! - from,
  });

  it('a task that takes the place of one whose listeners ran starts when they are done, never before it was submitted', async () => {
    const pool = new Pool({ maxWorkers: 1 });
    const from = performance.now();
    let followUp: ReturnType<Pool['submit']> | undefined;
    pool.events$.subscribe((event) => {
      if (event.type !== 'task:succeeded' || followUp !== undefined) return;
      clock.tick(5); // a listener that takes 5 ms, then submits
      followUp = pool.submit(() => 'follow-up');
    });
    const gate = deferred();
    const first = pool.submit(() => gate.promise);
    const queued = pool.submit(() => 'queued');
    await clock.tickAsync(10);
    gate.resolve();
    await flush();
    expect(await first).to.equal(undefined);
    expect(timing(queued, from)).to.deep.equal({ submitted: 0, started: 15 });
    expect(timing(followUp!, from)).to.deep.equal({ submitted: 15, started: 15 });
    await pool.close();
  });

  it('the same for a toObservable() subscriber, and for listeners of a submission', async () => {
    const pool = new Pool({ maxWorkers: 1 });
    const from = performance.now();
    const gate = deferred();
    const first = pool.submit(() => gate.promise);
    first.toObservable().subscribe(() => clock.tick(7));
    const second = pool.submit(() => 'second');
    await clock.tickAsync(10);
    gate.resolve();
    await flush();
    expect(timing(second, from)).to.deep.equal({ submitted: 0, started: 17 });

    const depth = pool.queueDepth$.subscribe(() => clock.tick(3));
    const at = performance.now() - from;
    const third = pool.submit(() => 'third'); // the depth goes to 1 (told: 3 ms), then it starts
    expect(timing(third, from)).to.deep.equal({ submitted: at, started: at + 3 });
    depth.unsubscribe();
    await pool.close();
  });

  it('a task a worker was started for starts once the listeners of that start are done', async () => {
    const pool = new Pool({ maxWorkers: 1 });
    pool.scaling$.subscribe(() => clock.tick(4));
    const from = performance.now();
    const future = pool.submit(() => 'on a new worker');
    expect(timing(future, from)).to.deep.equal({ submitted: 0, started: 4 });
    await pool.close();
  });

  it('a task submitted by a listener starts before the listeners of what its start publishes, which run after', async () => {
    const pool = new Pool({ maxWorkers: 3, minWorkers: 3, idleTimeout: Infinity });
    let submitted: ReturnType<Pool['submit']> | undefined;
    const stops: number[] = [];
    pool.scaling$.subscribe((event) => {
      if (event.type !== 'down') return;
      clock.tick(60);
      stops.push(performance.now());
      submitted ??= pool.submit(() => performance.now());
    });
    pool.resize({ minWorkers: 0, maxWorkers: 1 });
    // Submitted by the first stop's listener (60 ms on), and started at once: the second stop,
    // which its start caused, is told after that listener's step (120).
    expect(submitted!.timing).to.include({ submittedAt: 60, startedAt: 60 });
    expect(stops).to.deep.equal([60, 120]);
    expect(await submitted!).to.equal(60);
    await pool.close();
  });

  it('rateLimit counts from when a task really starts, after the listeners of the one before', async () => {
    const pool = new Pool({ maxWorkers: 1, rateLimit: { limit: 1, interval: 100 } });
    pool.events$.subscribe((event) => {
      if (event.type === 'task:succeeded') clock.tick(60);
    });
    const starts: number[] = [];
    const from = performance.now();
    const task = (runs: number) => async () => {
      starts.push(performance.now() - from);
      await new Promise((resolve) => setTimeout(resolve, runs));
    };
    const futures = [pool.submit(task(150)), pool.submit(task(1)), pool.submit(task(1))];
    await clock.runAllAsync();
    await Promise.all(futures);
    expect(starts).to.have.length(3);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).to.be.at.least(100);
    await pool.close();
  });
});
