import { expect } from 'chai';
import fc from 'fast-check';
import {
  BasePool,
  CancelledError,
  type Future,
  type PoolEvent,
  type SubmitOptions,
} from '../../src/index.js';
import { resolveOptions, type PoolOptions } from '../../src/pool/options.js';
import type { Runtime, RuntimeWorker, WorkerCrashed } from '../../src/pool/runtime.js';
import type { TaskContext } from '../../src/pool/task.js';
import { deferred, flush, type Deferred } from '../support/deferred.js';

/** A task a worker runs: its name, and the outcome a spec settles by hand. */
interface Held {
  readonly id: number;
  readonly job: string;
  readonly outcome: Deferred<unknown>;
  /** Its function was called (an offered task: its worker took it). */
  started: boolean;
}

/**
 * A worker that takes offers as a thread does: when its task returns, it
 * posts the answer (delivered a microtask later, as a message) and then
 * takes the task offered, unless the pool recalled it before; a recall that
 * finds it taken reads the answer at once. `log` lists every start, as
 * `job@workerId`, in the order they happen.
 */
class OfferingWorker implements RuntimeWorker<string> {
  running: Held | undefined = undefined;
  offered: Held | undefined = undefined;
  /** Takes no offer while set. */
  refuse = false;
  readonly aborts: { taskId: number; terminating: boolean }[] = [];
  /** Answers posted and not yet read, in order. */
  readonly #answers: { held: Held; value: unknown }[] = [];
  #returned: ((outcome: unknown, ok: boolean) => void) | undefined = undefined;

  constructor(
    readonly id: number,
    private readonly log: string[],
    private readonly crashed: WorkerCrashed,
  ) {}

  run(job: string, ctx: TaskContext): Promise<unknown> {
    const offered = this.offered;
    const held =
      offered?.id === ctx.taskId ? offered : { id: ctx.taskId, job, outcome: deferred(), started: false };
    this.offered = undefined;
    this.running = held;
    this.#start(held);
    return held.outcome.promise;
  }

  offer(job: string, taskId: number, returned: (outcome: unknown, ok: boolean) => void): boolean {
    if (this.refuse || this.running === undefined || this.offered !== undefined) return false;
    this.offered = { id: taskId, job, outcome: deferred(), started: false };
    this.#returned = returned;
    return true;
  }

  recall(): boolean {
    if (!this.offered!.started) {
      this.offered = undefined;
      return true;
    }
    const answer = this.#answers.shift();
    if (answer !== undefined) this.#returned!(answer.value, true);
    return false;
  }

  abort(_reason: unknown, terminating: boolean, taskId: number): void {
    this.aborts.push({ taskId, terminating });
  }

  /** The worker dies: what it answered and the pool has not read is told with the death, as a thread's is. */
  die(error: unknown): void {
    const returned = this.#answers
      .splice(0)
      .map(({ held, value }) => ({ taskId: held.id, outcome: value, ok: true }));
    this.running = undefined;
    this.crashed(error, false, returned);
  }

  /**
   * The running task returns `value`: its answer is posted, and the task
   * offered starts at once, unless `take` is false (the worker dies first).
   */
  finish(value: unknown = 'done', take = true): void {
    const held = this.running!;
    this.running = undefined;
    this.#answers.push({ held, value });
    queueMicrotask(() => {
      // The first answer not yet read (by a recall) arrives.
      const answer = this.#answers.shift();
      answer?.held.outcome.resolve(answer.value);
    });
    if (this.offered !== undefined && take) {
      this.#start(this.offered);
      this.running = this.offered;
    }
  }

  #start(held: Held): void {
    if (held.started) return;
    held.started = true;
    this.log.push(`${held.job}@${this.id}`);
  }

  stop(): void {}
}

class OfferingRuntime implements Runtime<string> {
  readonly offers = true;
  readonly workers: OfferingWorker[] = [];
  readonly log: string[] = [];

  startWorker(workerId: number, crashed: WorkerCrashed): OfferingWorker {
    const worker = new OfferingWorker(workerId, this.log, crashed);
    this.workers.push(worker);
    return worker;
  }
}

class TestPool extends BasePool<string> {
  constructor(runtime: Runtime<string>, options: PoolOptions) {
    super(runtime, resolveOptions(options));
  }
  submit(job: string, options?: SubmitOptions): Future<unknown> {
    return this.submitJob(job, options);
  }
}

/** A pool of `maxWorkers` over an offering runtime, its events recorded as `type:taskId`. */
function offeringPool(options: Partial<PoolOptions> = {}) {
  const runtime = new OfferingRuntime();
  const pool = new TestPool(runtime, { maxWorkers: 1, dispatch: 'dedicated', ...options });
  const events: string[] = [];
  pool.events$.subscribe((event: PoolEvent) => {
    if ('taskId' in event) events.push(`${event.type}:${event.taskId}`);
  });
  return { runtime, pool, events, worker: (index = 0) => runtime.workers[index]! };
}

/** Two workers busy with `a` and `b`; the second takes no offer. */
function twoBusy() {
  const made = offeringPool({ maxWorkers: 2 });
  made.pool.submit('a');
  made.pool.submit('b');
  made.worker(1).refuse = true;
  return made;
}

describe('offers: a busy worker is handed the next task before its own returns', () => {
  it('offers the head of the queue once no worker can take it; it starts as the task before it returns', async () => {
    const { pool, runtime, events, worker } = offeringPool();
    const [a, b, c] = ['a', 'b', 'c'].map((job) => pool.submit(job));
    expect(worker().offered?.id).to.equal(b!.id);
    // Offered, it is still queued, and counted so.
    expect(b!.state).to.equal('queued');
    expect(pool.stats).to.include({ queued: 2, running: 1 });
    worker().finish('A');
    expect(runtime.log).to.deep.equal(['a@1', 'b@1']);
    expect(await a).to.equal('A');
    expect(b!.state).to.equal('running');
    expect(worker().offered?.id).to.equal(c!.id);
    expect(events.slice(-2)).to.deep.equal([`task:succeeded:${a!.id}`, `task:started:${b!.id}`]);
    worker().finish('B');
    await flush();
    worker().finish('C');
    expect(await c).to.equal('C');
    expect(runtime.log).to.deep.equal(['a@1', 'b@1', 'c@1']);
    expect(pool.stats).to.include({ queued: 0, running: 0, succeeded: 3 });
    await pool.close();
  });

  it('offers nothing while a worker may still start, from one shared queue, or from a queue not FIFO', async () => {
    const scaling = offeringPool({ maxWorkers: 2, scaleUp: 'lazy' });
    scaling.pool.submit('a');
    scaling.pool.submit('b');
    expect(scaling.runtime.workers).to.have.length(1);
    expect(scaling.worker().offered).to.equal(undefined);
    for (const options of [{ dispatch: 'shared' }, { queue: 'lifo' }, { queue: 'priority' }] as const) {
      const { pool, worker } = offeringPool(options);
      pool.submit('a');
      pool.submit('b');
      expect(worker().offered, JSON.stringify(options)).to.equal(undefined);
      worker().finish();
      await flush();
      worker().finish();
      await pool.close();
    }
    scaling.worker().finish();
    await flush();
    scaling.worker().finish();
    await scaling.pool.close();
  });

  it('offers nothing to a worker whose task frees, as it returns, an older task waiting behind its key', async () => {
    const { pool, runtime, worker } = offeringPool();
    pool.submit('a', { key: 'k' });
    pool.submit('b', { key: 'k' });
    pool.submit('c');
    expect(worker().offered).to.equal(undefined);
    worker().finish();
    await flush();
    worker().finish();
    await flush();
    worker().finish();
    await pool.close();
    expect(runtime.log).to.deep.equal(['a@1', 'b@1', 'c@1']);
  });

  it('offers no task with a timeout: it would start before its time is counted', async () => {
    for (const options of [{ taskTimeout: 1_000 }, {}]) {
      const { pool, worker } = offeringPool(options);
      pool.submit('a');
      pool.submit('b', { timeout: 1_000 });
      expect(worker().offered, JSON.stringify(options)).to.equal(undefined);
      worker().finish();
      await flush();
      worker().finish();
      await pool.close();
    }
  });

  it('takes an offer back for a worker that comes free with nothing else to do', async () => {
    const { pool, runtime, worker } = twoBusy();
    const c = pool.submit('c');
    expect(worker(0).offered?.id).to.equal(c.id);
    worker(1).finish();
    await flush();
    // c runs on the worker that came free, not after a on the first: stolen, as from a queue.
    expect(worker(0).offered).to.equal(undefined);
    expect(runtime.log).to.deep.equal(['a@1', 'b@2', 'c@2']);
    worker(0).finish();
    worker(1).finish();
    await pool.close();
  });

  it('a worker that comes free starts the oldest task waiting, even one offered to a busy worker', async () => {
    const { pool, runtime, worker } = twoBusy();
    const waiting = ['c', 'd', 'e'].map((job) => pool.submit(job));
    expect(worker(0).offered).to.not.equal(undefined);
    for (let i = 0; i < waiting.length; i++) {
      worker(1).finish();
      await flush();
      expect(runtime.log.at(-1)).to.equal(`${'cde'[i]}@2`);
    }
    expect(waiting.map((future) => future.state)).to.deep.equal(['succeeded', 'succeeded', 'running']);
    worker(0).finish();
    worker(1).finish();
    await pool.close();
  });

  it('cancelling an offered task that has not started takes it back: it never runs', async () => {
    const { pool, runtime, worker } = offeringPool();
    pool.submit('a');
    const b = pool.submit('b');
    const c = pool.submit('c');
    expect(b.cancel('not needed')).to.equal(true);
    expect(worker().offered?.id).to.equal(c.id);
    worker().finish();
    await flush();
    worker().finish();
    expect(await c).to.equal('done');
    expect(runtime.log).to.deep.equal(['a@1', 'c@1']);
    expect(worker().aborts).to.deep.equal([]);
    await pool.close();
  });

  it('cancelling an offered task that has started cancels it as a running task, told started first', async () => {
    const { pool, events, worker } = offeringPool();
    const a = pool.submit('a');
    const b = pool.submit('b');
    worker().finish(); // b starts; the pool has yet to hear that a returned
    expect(b.cancel('late')).to.equal(true);
    expect(b.state).to.equal('cancelled');
    expect(events.slice(-2)).to.deep.equal([`task:started:${b.id}`, `task:cancelled:${b.id}`]);
    expect(worker().aborts).to.deep.equal([{ taskId: b.id, terminating: false }]);
    expect(await a).to.equal('done');
    // Its worker is busy until it returns.
    expect(pool.stats).to.include({ busyWorkers: 1, running: 0, queued: 0, cancelled: 1 });
    worker().finish();
    await flush();
    expect(pool.stats).to.include({ busyWorkers: 0, succeeded: 1 });
    await pool.close();
  });

  it('pause() takes back an offer not yet started; resume() starts it', async () => {
    const { pool, runtime, worker } = offeringPool();
    pool.submit('a');
    const b = pool.submit('b');
    pool.pause();
    expect(worker().offered).to.equal(undefined);
    worker().finish();
    await flush();
    expect(runtime.log).to.deep.equal(['a@1']);
    expect(pool.stats).to.include({ queued: 1, busyWorkers: 0 });
    pool.resume();
    expect(b.state).to.equal('running');
    worker().finish();
    await pool.close();
    expect(runtime.log).to.deep.equal(['a@1', 'b@1']);
  });

  it('an offer started before pause() runs on, as a task that started before it', async () => {
    const { pool, worker } = offeringPool();
    pool.submit('a');
    const b = pool.submit('b');
    worker().finish();
    pool.pause();
    expect(b.state).to.equal('running');
    await flush();
    worker().finish();
    expect(await b).to.equal('done');
    pool.resume();
    await pool.close();
  });

  it('terminate() cancels an offer not started, which never runs, and aborts one that has', async () => {
    for (const started of [false, true]) {
      const { pool, runtime, worker } = offeringPool();
      pool.submit('a');
      const b = pool.submit('b');
      if (started) worker().finish();
      const terminated = pool.terminate('stop');
      expect(b.state).to.equal('cancelled');
      const error = await b.catch((e: unknown) => e);
      expect(error).to.be.instanceOf(CancelledError);
      expect(
        worker()
          .aborts.map((abort) => abort.taskId)
          .includes(b.id),
      ).to.equal(started);
      expect(runtime.log.includes('b@1')).to.equal(started);
      if (!started) worker().finish();
      await flush();
      if (started) worker().finish();
      await terminated;
    }
  });

  it('clear() cancels offers not yet started with the rest of the queue', async () => {
    const { pool, runtime, worker } = offeringPool();
    pool.submit('a');
    const waiting = ['b', 'c'].map((job) => pool.submit(job));
    expect(pool.clear()).to.equal(2);
    expect(waiting.map((future) => future.state)).to.deep.equal(['cancelled', 'cancelled']);
    worker().finish();
    await pool.close();
    expect(runtime.log).to.deep.equal(['a@1']);
  });

  it('a worker that dies before starting its offer leaves it to the queue, where another runs it', async () => {
    const { pool, runtime, worker } = offeringPool();
    const a = pool.submit('a');
    const b = pool.submit('b');
    expect(worker().offered?.id).to.equal(b.id);
    worker().die(new Error('gone'));
    expect(a.state).to.equal('failed');
    expect(b.state).to.equal('running');
    expect(runtime.log).to.deep.equal(['a@1', 'b@2']);
    worker(1).finish('B');
    expect(await b).to.equal('B');
    await pool.close();
  });

  describe('a worker that dies after answering: what returned settles as it returned', () => {
    it('its task, whose answer the pool had not read (one shared queue too)', async () => {
      const { pool, worker } = offeringPool({ dispatch: 'shared' });
      const a = pool.submit('a');
      worker().finish('A');
      worker().die(new Error('gone'));
      expect(a.state).to.equal('succeeded');
      expect(await a).to.equal('A');
      await pool.close();
    });

    it('and its offer, which started and returned too', async () => {
      const { pool, worker } = offeringPool();
      const [a, b] = ['a', 'b'].map((job) => pool.submit(job));
      worker().finish('A');
      worker().finish('B');
      worker().die(new Error('gone'));
      expect([a!.state, b!.state]).to.deep.equal(['succeeded', 'succeeded']);
      expect(await b).to.equal('B');
      await pool.close();
    });

    it('its offer, started and not returned, fails with the death', async () => {
      const { pool, worker } = offeringPool();
      const [a, b] = ['a', 'b'].map((job) => pool.submit(job));
      worker().finish('A');
      const error = new Error('gone');
      worker().die(error);
      expect(a!.state).to.equal('succeeded');
      expect(await b!.catch((e: unknown) => e)).to.equal(error);
      await pool.close();
    });

    it('its offer, not started, waits in the queue again and runs on the next worker', async () => {
      const { pool, runtime, worker } = offeringPool();
      const [a, b] = ['a', 'b'].map((job) => pool.submit(job));
      worker().finish('A', false);
      worker().die(new Error('gone'));
      expect(a!.state).to.equal('succeeded');
      expect(runtime.log).to.deep.equal(['a@1', 'b@2']);
      worker(1).finish('B');
      expect(await b).to.equal('B');
      await pool.close();
    });
  });

  it('property: tasks start once each and settle once, whatever is cancelled, paused or finished when', async () => {
    type Step =
      | { op: 'submit' }
      | { op: 'finish'; worker: number }
      | { op: 'cancel'; task: number }
      | { op: 'pause' }
      | { op: 'resume' }
      | { op: 'clear' }
      | { op: 'resize'; maxWorkers: number }
      | { op: 'flush' };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.constant({ op: 'submit' as const }),
      fc.record({ op: fc.constant('finish' as const), worker: fc.nat(2) }),
      fc.record({ op: fc.constant('cancel' as const), task: fc.nat(30) }),
      fc.constant({ op: 'pause' as const }),
      fc.constant({ op: 'resume' as const }),
      fc.constant({ op: 'clear' as const }),
      fc.record({ op: fc.constant('resize' as const), maxWorkers: fc.integer({ min: 1, max: 3 }) }),
      fc.constant({ op: 'flush' as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 60 }), async (steps) => {
        const { pool, runtime } = offeringPool({ maxWorkers: 3, minWorkers: 3 });
        // A worker runs one task at a time.
        for (const worker of runtime.workers) expect(worker.running).to.equal(undefined);
        const futures: Future<unknown>[] = [];
        const settled = new Map<number, number>();
        const watch = (future: Future<unknown>): void => {
          futures.push(future);
          const count = (): void => void settled.set(future.id, (settled.get(future.id) ?? 0) + 1);
          future.then(count, count);
        };
        for (const s of steps) {
          if (s.op === 'submit') watch(pool.submit(`t${futures.length}`));
          else if (s.op === 'finish')
            runtime.workers[s.worker]?.running && runtime.workers[s.worker]!.finish();
          else if (s.op === 'cancel') futures[s.task]?.cancel();
          else if (s.op === 'pause') pool.pause();
          else if (s.op === 'resume') pool.resume();
          else if (s.op === 'clear') pool.clear();
          else if (s.op === 'resize') pool.resize({ minWorkers: 0, maxWorkers: s.maxWorkers });
          else await flush();
          expect(pool.stats.running).to.be.at.most(3);
        }
        pool.resume();
        // Everything left runs to its end.
        const done = (): boolean => futures.every((future) => future.settled) && pool.stats.busyWorkers === 0;
        for (let round = 0; round < 200 && !done(); round++) {
          for (const worker of runtime.workers) if (worker.running !== undefined) worker.finish();
          await flush();
        }
        await flush();
        expect(done(), 'everything ends').to.equal(true);
        const started = runtime.log.map((entry) => Number(entry.slice(1, entry.indexOf('@'))));
        expect(new Set(started).size, 'each started once').to.equal(started.length);
        for (const future of futures) expect(settled.get(future.id), `task ${future.id}`).to.equal(1);
        const { succeeded, cancelled } = pool.stats;
        expect(succeeded + cancelled).to.equal(futures.length);
        // What succeeded ran; what was cancelled may have, once started.
        futures.forEach((future, index) => {
          if (future.state === 'succeeded') expect(started).to.include(index);
        });
        await pool.close();
      }),
      { numRuns: 500 },
    );
  });
});
