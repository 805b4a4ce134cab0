import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sinon from 'sinon';
import { Future, PoolError, TimeoutError, WorkerCrashedError } from '../../src/index.js';
import { ThreadPool } from '../../src/threads/index.js';
import { TERMINATE_GRACE } from '../../src/threads/options.js';
import { EXIT_WAIT } from '../../src/threads/runtime.js';

type Work = typeof import('./fixtures/work.js');

/** The fixture, as a path relative to the working directory (the repository root). */
const workPath = 'spec/threads/fixtures/work.ts';
const workUrl = new URL('./fixtures/work.ts', import.meta.url);

describe('ThreadPool', () => {
  let pool: ThreadPool<Work>;
  before(() => {
    pool = new ThreadPool<Work>({ module: workPath, maxWorkers: 2 });
  });
  after(() => pool.close());

  describe('running a task', () => {
    it('submit({ fn, args }) calls the export in a thread and resolves to its value', async () => {
      const future = pool.submit<number>({ fn: 'fib', args: [20] });
      expect(future).to.be.instanceOf(Future);
      expect(await future).to.equal(6765);
      expect(future.state).to.equal('succeeded');
    });

    it('run(fn, ...args) is the short form, typed by the module', async () => {
      const value: number = await pool.run('add', 2, 3);
      expect(value).to.equal(5);
      const untyped = (other: ThreadPool): Future<unknown> => other.run('anything', 1, 'two');
      const mistyped = (): void => {
        // @ts-expect-error: the module exports no function by that name
        void pool.run('notAFunction');
        // @ts-expect-error: fib takes a number
        void pool.run('fib', 'ten');
      };
      expect([untyped, mistyped]).to.have.length(2); // checked by the compiler, never called
    });

    it('submit({ fn, args }) is typed by the module as run is; the result type may be named', async () => {
      const typed: Future<number> = pool.submit({ fn: 'fib', args: [10] });
      const named: Future<number> = pool.submit<number>({ fn: 'add', args: [1, 2] });
      expect([await typed, await named]).to.deep.equal([55, 3]);
      const mistyped = (): void => {
        // @ts-expect-error: fib takes a number
        void pool.submit({ fn: 'fib', args: ['ten'] });
        // @ts-expect-error: the module exports no function by that name
        void pool.submit<number>({ fn: 'nothing', args: [] });
        // @ts-expect-error: with the result type named, fib still takes a number
        void pool.submit<number>({ fn: 'fib', args: ['ten'] });
        // @ts-expect-error: nor the args of another export (add takes two numbers)
        void pool.submit<number>({ fn: 'fib', args: [1, 2] });
      };
      const untyped = (other: ThreadPool): Future<unknown> => other.submit({ fn: 'anything', args: [1] });
      // A string result named on an untyped pool: the name is the result type, not an export's.
      const namedString = (other: ThreadPool): Future<string> =>
        other.submit<string>({ fn: 'hash', args: [] });
      expect([mistyped, untyped, namedString]).to.have.length(3); // checked by the compiler, never called
    });

    it('passes the args as they are, nothing appended, structured-cloned', async () => {
      const args = [1, 'two', { three: [3] }, new Map([['four', 4]]), undefined];
      const echoed = await pool.submit<unknown[]>({ fn: 'echo', args });
      expect(echoed).to.deep.equal(args);
      expect(await pool.run('echo')).to.deep.equal([]);
    });

    it('runs the function in another thread', async () => {
      const { threadId } = await import('node:worker_threads');
      expect(await pool.run('thread'))
        .to.be.a('number')
        .and.not.equal(threadId);
    });

    it('transfers what task.transfer lists instead of copying it', async () => {
      const bytes = new Uint8Array([1, 2, 3, 4]);
      const future = pool.submit<number>({ fn: 'sum', args: [bytes], transfer: [bytes.buffer] });
      expect(bytes.byteLength).to.equal(0);
      expect(await future).to.equal(10);
    });

    it('a buffer transferred already fails its task with a DataCloneError; the thread goes on', async () => {
      const bytes = new Uint8Array([1, 2, 3, 4]);
      await pool.submit<number>({ fn: 'sum', args: [bytes], transfer: [bytes.buffer] });
      // Node's postMessage sends nothing and throws nothing for this one.
      const again = pool.submit<number>({ fn: 'sum', args: [bytes], transfer: [bytes.buffer] });
      const result = await again.result();
      const error = result.isErr() ? (result.error as DOMException) : undefined;
      expect(error).to.be.instanceOf(DOMException).with.property('name', 'DataCloneError');
      expect(error!.message).to.contain('task.transfer[0] is an ArrayBuffer already transferred');
      expect(await pool.run('add', 1, 2)).to.equal(3);
      expect(pool.stats.busyWorkers).to.equal(0);
    });

    it('move() sends a result back without copying it: the thread keeps nothing of it', async () => {
      const one = new ThreadPool<Work>({ module: workPath, maxWorkers: 1 }); // both tasks on one thread
      const bytes = new Uint8Array([0, 1, 254, 255]);
      const inverted = await one.run('invert', bytes);
      expect([...inverted]).to.deep.equal([255, 254, 1, 0]);
      expect(inverted).to.be.instanceOf(Uint8Array);
      expect(await one.run('movedLeft')).to.equal(0); // a copy would have left its 4 bytes there
      await one.close();
    });

    it('what a task posts on parentPort is its own: the pool neither breaks on it nor takes it for an answer', async () => {
      const future = pool.submit<string>({ fn: 'chatty', args: [0] });
      // The task posts null, a progress record and an answer-shaped message for its own id.
      const spoofed = pool.submit<string>({ fn: 'chatty', args: [future.id + 1] });
      expect(await future).to.equal('answered');
      expect(await spoofed).to.equal('answered');
    });

    it('group() tasks run in threads too', async () => {
      const group = pool.group<number>();
      group.submit({ fn: 'fib', args: [10] });
      group.submit({ fn: 'add', args: [1, 1] });
      expect(await group.wait()).to.deep.equal([55, 2]);
    });
  });

  describe('errors', () => {
    it('an error thrown in the thread fails the Future with its name, message, stack, properties and cause', async () => {
      const result = await pool.submit({ fn: 'throws', args: ['bad input'] }).result();
      const error = result.isErr() ? (result.error as Error & { code?: string; status?: number }) : undefined;
      expect(error).to.be.instanceOf(Error);
      expect(error).to.include({
        name: 'FixtureError',
        message: 'bad input',
        code: 'E_FIXTURE',
        status: 418,
      });
      expect(error!.stack).to.match(/^FixtureError: bad input\n\s+at throws .*work\.ts/);
      expect(error!.cause).to.be.instanceOf(TypeError).and.have.property('message', 'the cause');
    });

    it("one of rxpool's errors thrown in the thread arrives as an instance of its class", async () => {
      const result = await pool.run('throwsTimeout', 5).result();
      const error = result.isErr() ? result.error : undefined;
      expect(error).to.be.instanceOf(TimeoutError).and.instanceOf(PoolError);
      expect(error).to.include({ name: 'TimeoutError', code: 'ERR_TIMEOUT', timeout: 5, taskId: 99 });
      expect((error as Error).message).to.equal('The task timed out after 5 ms');
    });

    it('an AggregateError arrives as one, with its errors', async () => {
      const result = await pool.run('aggregate').result();
      const error = result.isErr() ? (result.error as AggregateError) : undefined;
      expect(error).to.be.instanceOf(AggregateError).and.include({ message: 'both failed' });
      expect(error!.errors.map((inner: Error) => [inner.name, inner.message])).to.deep.equal([
        ['FixtureError', 'one'],
        ['RangeError', 'two'],
      ]);
      expect(error!.errors[1]).to.be.instanceOf(RangeError);
    });

    it('a value that is not an error is thrown as is (cloned)', async () => {
      const result = await pool.run('rejects', { reason: 'plain object', n: 1 }).result();
      expect(result.isErr() && result.error).to.deep.equal({ reason: 'plain object', n: 1 });
      const text = await pool.run('rejects', 'just a string').result();
      expect(text.isErr() && text.error).to.equal('just a string');
    });

    it('an export that does not exist fails the Future with a TypeError naming it and the module', async () => {
      // @ts-expect-error: the module type has no such export either; untyped callers reach the thread
      const result = await pool.submit({ fn: 'noSuchExport', args: [] }).result();
      const error = result.isErr() ? (result.error as Error) : undefined;
      expect(error).to.be.instanceOf(TypeError);
      expect(error!.message).to.equal(
        `${pathToFileURL(workPath).href} exports no function named "noSuchExport"`,
      );
    });

    it('an export that is not a function fails the same way', async () => {
      // @ts-expect-error: not a function in the module type either
      const result = await pool.submit({ fn: 'notAFunction', args: [] }).result();
      expect(result.isErr() && (result.error as Error).message).to.match(
        /exports no function named "notAFunction"/,
      );
    });

    it('an argument that cannot be cloned fails its task alone; the thread goes on', async () => {
      const result = await pool.submit({ fn: 'echo', args: [() => 'a function'] }).result();
      expect(result.isErr() && (result.error as Error).name).to.equal('DataCloneError');
      expect(pool.stats).to.include({ running: 0, busyWorkers: 0 });
      expect(await pool.run('add', 1, 2)).to.equal(3);
    });

    it('a value returned that cannot be cloned fails the task with a DataCloneError', async () => {
      const result = await pool.run('returnsFunction').result();
      const error = result.isErr() ? (result.error as Error) : undefined;
      expect(error).to.include({ name: 'DataCloneError' });
      expect(error!.message).to.match(/^returnsFunction\(\) returned a value that cannot be cloned/);
    });

    it('a value returned whose getter throws null fails the task alone; the thread goes on', async () => {
      const thread = await pool.run('thread');
      const result = await pool.run('returnsNullThrower').result();
      const error = result.isErr() ? (result.error as Error) : undefined;
      expect(error).to.include({ name: 'Error' }).and.not.be.instanceOf(WorkerCrashedError);
      expect(error!.message).to.equal('returnsNullThrower() returned a value that cannot be cloned: null');
      expect(await pool.run('thread')).to.equal(thread);
    });

    it('an error whose cause cannot be read loses its cause alone; a value that throws one on cloning fails its task', async () => {
      const result = await pool.run('throwsWithRevokedCause').result();
      const error = result.isErr() ? (result.error as RangeError & { code?: string }) : undefined;
      expect(error).to.be.instanceOf(RangeError).and.include({ message: 'disk full', code: 'ENOSPC' });
      expect(error!.cause)
        .to.be.instanceOf(Error)
        .with.property('message')
        .that.matches(/cannot be read/);
      const thread = await pool.run('thread');
      const returned = await pool.run('returnsRevokedThrower').result();
      expect(returned.isErr() && (returned.error as Error).message).to.match(
        /^returnsRevokedThrower\(\) returned a value that cannot be cloned: /,
      );
      expect(await pool.run('thread')).to.equal(thread);
    });

    it('an error thrown with a getter that throws loses that property alone', async () => {
      const result = await pool.run('throwsWithGetter').result();
      const error = result.isErr() ? (result.error as RangeError & { code?: string }) : undefined;
      expect(error).to.be.instanceOf(RangeError).and.include({ message: 'disk full', code: 'ENOSPC' });
      expect(error).not.to.have.property('details');
      expect(error!.stack).to.include('throwsWithGetter');
    });

    it('a module that cannot be loaded fails each task with the loader error', async () => {
      const broken = new ThreadPool({ module: 'spec/threads/fixtures/broken.mjs', maxWorkers: 1 });
      const result = await broken.submit({ fn: 'anything', args: [] }).result();
      expect(result.isErr() && (result.error as Error).message).to.match(/cannot be loaded on purpose/);
      await broken.close();
    });

    it('a module with a syntax error fails each task with a SyntaxError whose stack names the module', async () => {
      // Written here: a file that does not parse would stop the linters.
      const dir = await mkdtemp(join(os.tmpdir(), 'rxpool-spec-'));
      const file = join(dir, 'unfinished.mjs');
      await writeFile(file, 'export const f = () => {\n');
      try {
        const broken = new ThreadPool({ module: file, maxWorkers: 1 });
        const result = await broken.submit({ fn: 'f', args: [] }).result();
        const error = result.isErr() ? (result.error as Error) : undefined;
        expect(error?.name).to.equal('SyntaxError');
        expect(error?.stack).to.contain(pathToFileURL(file).href);
        await broken.close();
      } finally {
        await rm(dir, { recursive: true });
      }
    });
  });

  describe('a module slow to load', () => {
    const slowLoad = 'spec/threads/fixtures/slow-load.mjs';

    it("a task's timeout counts from when its thread has loaded the module, not the thread's start", async () => {
      const slow = new ThreadPool({ module: slowLoad, maxWorkers: 1, taskTimeout: 2_000 });
      // The thread's start and 600 ms of loading, then 1,500 of work: counted from the hand-off,
      // this task would time out.
      expect(await slow.submit({ fn: 'wait', args: [1_500] })).to.equal(1_500);
      await slow.close();
    });

    it('under rateLimit, a task given to a thread still loading starts, for the window, when the thread calls it', async () => {
      const interval = 200;
      const slow = new ThreadPool({ module: slowLoad, maxWorkers: 1, rateLimit: { limit: 1, interval } });
      // The first waits 600 ms for the module; counted from its hand-off, the second could follow at once.
      const calls = (await Promise.all([slow.run('now'), slow.run('now')])) as number[];
      // Counted from the hand-off, both would be called at once when the module has loaded (some
      // 0 ms apart); counted from when the thread says it has loaded, about `interval` apart (less
      // the moment the thread's first call takes, and what the two messages take to arrive).
      expect(calls[1]! - calls[0]!).to.be.at.least(interval / 2);
      await slow.close();
    });

    it('a task goes to an idle thread that has loaded, not to one still loading that went idle later', async () => {
      const slow = new ThreadPool({ module: slowLoad, minWorkers: 1, maxWorkers: 2 });
      const startedOn: number[] = [];
      slow.events$.subscribe((event) => event.type === 'task:started' && startedOn.push(event.workerId));
      await slow.run('add', 1, 2); // the warm thread has loaded
      slow.resize({ minWorkers: 2 }); // a second warm thread starts, idle while it loads
      expect(slow.stats).to.include({ workers: 2, idleWorkers: 2 });
      await slow.run('add', 3, 4);
      expect(startedOn).to.deep.equal([1, 1]);
      await slow.close();
    });

    it('a start-up longer than the timeout times the task out', async () => {
      const slow = new ThreadPool({ module: slowLoad, maxWorkers: 1, taskTimeout: 50 });
      const result = await slow.submit({ fn: 'add', args: [1, 2] }).result();
      expect(result.isErr() && (result.error as Error).name).to.equal('TimeoutError');
      await slow.close();
    });
  });

  describe('abortGrace', () => {
    it('stops and replaces a thread whose aborted task goes on past it; the pool goes on', async () => {
      const strict = new ThreadPool<Work>({ module: workPath, maxWorkers: 1, abortGrace: 50 });
      const stops: string[] = [];
      strict.scaling$.subscribe(({ type, reason }) => stops.push(`${type} ${reason}`));
      expect(await strict.run('add', 0, 0)).to.equal(0); // the module loaded: the spin starts as it arrives
      const spinning = strict.submit({ fn: 'spin', args: [] }, { timeout: 50 });
      const result = await spinning.result();
      expect(result.isErr() && (result.error as Error).name).to.equal('TimeoutError');
      // The one thread spins for ever: only its replacement can run this.
      expect(await strict.run('add', 1, 2)).to.equal(3);
      expect(stops).to.deep.equal(['up demand', 'down crash', 'up demand']);
      expect(strict.stats).to.include({ failed: 1, succeeded: 2, busyWorkers: 0 });
      await strict.close();
    });

    it(`not given: terminate() stops a thread still running its aborted task ${TERMINATE_GRACE} ms on`, async () => {
      const pool = new ThreadPool<Work>({ module: workPath, maxWorkers: 2 });
      await Promise.all([pool.run('add', 1, 1), pool.run('add', 2, 2)]); // both threads have loaded
      const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        const spinning = pool.submit({ fn: 'spin', args: [] });
        const cancelledFirst = pool.submit({ fn: 'spin', args: [] });
        cancelledFirst.cancel(); // no grace for a cancel: it spins on, its thread busy
        let terminated = false;
        const terminating = pool.terminate().then(() => (terminated = true));
        await new Promise((resolve) => setImmediate(resolve));
        clock.tick(TERMINATE_GRACE - 1);
        await new Promise((resolve) => setImmediate(resolve));
        expect(terminated).to.equal(false);
        expect(pool.stats.busyWorkers).to.equal(2);
        clock.tick(1);
        await terminating;
        expect([spinning.state, cancelledFirst.state]).to.deep.equal(['cancelled', 'cancelled']);
        expect(pool.stats).to.include({ workers: 0, busyWorkers: 0 });
      } finally {
        clock.restore();
      }
    });

    it('terminate() resolves though a thread is blocked in a system call, once it was stopped and waited for', async () => {
      const pool = new ThreadPool<Work>({ module: workPath, maxWorkers: 1 });
      await pool.run('add', 1, 1); // the thread has loaded: the task starts as it arrives
      const flag = new Int32Array(new SharedArrayBuffer(4));
      const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        const blocked = pool.submit({ fn: 'blockInSystemCall', args: [flag, 5] });
        while (Atomics.load(flag, 0) === 0) await new Promise((resolve) => setImmediate(resolve));
        let terminated = false;
        const terminating = pool.terminate().then(() => (terminated = true));
        clock.tick(TERMINATE_GRACE); // the thread is stopped, but its exit comes only after the call
        for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
        expect(terminated).to.equal(false);
        expect(pool.stats).to.include({ busyWorkers: 0, workers: 0 }); // its slot is free already
        clock.tick(EXIT_WAIT);
        for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
        expect(terminated).to.equal(true);
        await terminating;
        expect(blocked.state).to.equal('cancelled');
      } finally {
        clock.restore();
      }
    });

    it('lets terminate() resolve though a task never reads its signal', async () => {
      const strict = new ThreadPool<Work>({ module: workPath, maxWorkers: 2, abortGrace: 0 });
      // Both threads up, the module loaded: the spinning tasks start as they arrive.
      await Promise.all([strict.run('add', 1, 1), strict.run('add', 2, 2)]);
      const downs: string[] = [];
      strict.scaling$.subscribe(({ type, reason }) => type === 'down' && downs.push(reason));
      const spinning = [strict.submit({ fn: 'spin', args: [] }), strict.submit({ fn: 'spin', args: [] })];
      const queued = strict.submit({ fn: 'add', args: [0, 0] });
      await strict.terminate();
      expect(downs).to.deep.equal(['shutdown', 'shutdown']); // stopped for the shutdown, not crashed
      expect([...spinning, queued].map((future) => future.state)).to.deep.equal([
        'cancelled',
        'cancelled',
        'cancelled',
      ]);
      expect(strict.stats).to.include({ workers: 0, busyWorkers: 0 });
    });
  });

  describe('a module that never finishes loading', () => {
    const neverLoads = 'spec/threads/fixtures/never-loads.mjs';

    it('holds no slot once its task is aborted: timeouts free it, terminate() resolves', async () => {
      const stuck = new ThreadPool({ module: neverLoads, maxWorkers: 1, taskTimeout: 50 });
      const futures = [0, 1, 2].map(() => stuck.submit({ fn: 'anything', args: [] }));
      const results = await Promise.all(futures.map((future) => future.result()));
      expect(results.map((result) => result.isErr() && (result.error as Error).name)).to.deep.equal([
        'TimeoutError',
        'TimeoutError',
        'TimeoutError',
      ]);
      await stuck.drain(); // the slot freed: the thread answered the abort of a task it never started
      expect(stuck.stats).to.include({ busyWorkers: 0, running: 0, failed: 3 });
      const waiting = stuck.submit({ fn: 'anything', args: [] }, { timeout: Infinity });
      await stuck.terminate();
      expect(waiting.state).to.equal('cancelled');
    });
  });

  describe('construction', () => {
    describe('without maxWorkers', () => {
      let parallelism: sinon.SinonStub<[], number>;
      beforeEach(() => {
        // Through the module object, as the pool reads it: a named import would not see the stub.
        parallelism = sinon.stub(os, 'availableParallelism');
      });
      afterEach(() => parallelism.restore());

      it('maxWorkers defaults to os.availableParallelism(), read at construction through the os module object', async () => {
        parallelism.returns(3);
        const three = new ThreadPool({ module: workPath });
        parallelism.returns(7);
        const seven = new ThreadPool({ module: workPath });
        expect(three.stats).to.include({ maxWorkers: 3, minWorkers: 0, workers: 0 });
        expect(seven.stats).to.include({ maxWorkers: 7, minWorkers: 0, workers: 0 });
        expect(parallelism.callCount).to.equal(2);
        await Promise.all([three.close(), seven.close()]);
      });

      it('a minWorkers above os.availableParallelism() raises the default to minWorkers', async () => {
        parallelism.returns(1);
        const warm = new ThreadPool<Work>({ module: workPath, minWorkers: 3 });
        expect(warm.stats).to.include({ maxWorkers: 3, minWorkers: 3, workers: 3 });
        expect(await Promise.all([warm.run('add', 1, 1), warm.run('add', 2, 2)])).to.deep.equal([2, 4]);
        await warm.close();
      });

      it('a minWorkers below os.availableParallelism() leaves the default alone', async () => {
        parallelism.returns(5);
        const warm = new ThreadPool({ module: workPath, minWorkers: 1 });
        expect(warm.stats).to.include({ maxWorkers: 5, minWorkers: 1 });
        await warm.close();
      });

      it('an explicit maxWorkers below minWorkers still throws', () => {
        parallelism.returns(8);
        expect(() => new ThreadPool({ module: workPath, minWorkers: 3, maxWorkers: 2 })).to.throw(
          RangeError,
          'minWorkers (3) must not exceed maxWorkers (2)',
        );
      });
    });

    it('takes the module as a file URL, and passes resourceLimits to each thread', async () => {
      const resourceLimits = { maxOldGenerationSizeMb: 64, stackSizeMb: 2 };
      const limited = new ThreadPool<Work>({ module: workUrl, maxWorkers: 1, resourceLimits });
      expect(await limited.run('limits')).to.include(resourceLimits);
      await limited.close();
    });

    it("passes workerData, env, argv and execArgv to each thread; workerData is the module's alone", async () => {
      const configured = new ThreadPool({
        module: 'spec/threads/fixtures/settings.mjs',
        maxWorkers: 1,
        workerData: { region: 'eu', sizes: [1, 2] },
        env: { RXPOOL_SPEC: 'from the pool' },
        argv: ['--mode', 7],
        execArgv: ['--no-warnings'],
      });
      const seen = (await configured.run('settings')) as Record<string, unknown> & { argv: string[] };
      expect(seen).to.deep.include({
        workerData: { region: 'eu', sizes: [1, 2] },
        env: 'from the pool',
        execArgv: ['--no-warnings'],
      });
      // As for a script: argv[1] names the thread's program (not the module, whose "run directly" check stays false).
      expect(seen.argv.slice(1)).to.deep.equal(['[rxpool thread]', '--mode', '7']);
      await configured.close();
      const plain = new ThreadPool({ module: 'spec/threads/fixtures/settings.mjs', maxWorkers: 1 });
      const { workerData, execArgv, argv } = (await plain.run('settings')) as {
        workerData: unknown;
        execArgv: string[];
        argv: string[];
      };
      expect(workerData).to.equal(undefined); // nothing of the pool's own
      expect(argv.slice(1)).to.deep.equal(['[rxpool thread]']);
      expect(execArgv).to.deep.equal(process.execArgv); // inherited, with the loader preloads
      await plain.close();
    });

    it('takes the module as a file: URL string', async () => {
      const fromString = new ThreadPool({ module: workUrl.href, maxWorkers: 1 });
      expect(fromString.stats.workers).to.equal(0);
      await fromString.close();
    });
  });
});
