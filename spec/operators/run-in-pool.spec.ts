import { expect } from 'chai';
import { createHash } from 'node:crypto';
import sinon from 'sinon';
import {
  Subject,
  asapScheduler,
  count,
  from,
  lastValueFrom,
  map,
  of,
  range,
  repeat,
  retry,
  scheduled,
  take,
  takeUntil,
  tap,
  toArray,
  type Observable,
  type Observer,
} from 'rxjs';
import type { Result } from 'ts-results-es';
import {
  BasePool,
  CancelledError,
  Pool,
  PoolClosedError,
  TimeoutError,
  type Future,
  type SubmitOptions,
} from '../../src/index.js';
import { runInPool } from '../../src/operators/index.js';
import { resolveOptions } from '../../src/pool/options.js';
import { ThreadPool, type ThreadTask } from '../../src/threads/index.js';
import type { Runtime } from '../../src/pool/runtime.js';
import { deferred, flush } from '../support/deferred.js';

/** Everything a subscription saw. */
interface Seen<T> extends Observer<T> {
  readonly values: T[];
  failure: unknown;
  completed: boolean;
}

function watch<T>(): Seen<T> {
  const seen: Seen<T> = {
    values: [],
    failure: undefined,
    completed: false,
    next: (value) => seen.values.push(value),
    error: (error: unknown) => (seen.failure = error),
    complete: () => (seen.completed = true),
  };
  return seen;
}

/** A Result as plain data, for deep equality (an Err also holds a stack). */
const outcome = <T>(result: Result<T, unknown>): ['ok', T] | ['err', unknown] =>
  result.isOk() ? ['ok', result.value] : ['err', result.error];

/** A task that returns on the next turn of the event loop. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Lets the pool and the operator run their promise callbacks. */
const settleDown = (): Promise<void> => flush(40);

describe('runInPool', () => {
  let pool: Pool;
  // Tasks left waiting on a gate would hold terminate() open: do not wait for them.
  afterEach(() => void pool.terminate());

  describe('order', () => {
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => (clock = sinon.useFakeTimers()));
    afterEach(() => clock.restore());

    // Task i sleeps durations[i] ms (fake time) and returns i.
    const durations = [40, 10, 30, 20];
    const sleepy =
      (i: number) =>
      ({ signal }: { signal: AbortSignal }): Promise<number> =>
        new Promise((resolve) => {
          const timer = setTimeout(resolve, durations[i], i);
          signal.addEventListener('abort', () => clearTimeout(timer));
        });

    it('emits results as they finish by default', async () => {
      pool = new Pool({ maxWorkers: 4 });
      const seen = watch<number>();
      from([0, 1, 2, 3]).pipe(runInPool(pool, sleepy)).subscribe(seen);
      await clock.tickAsync(100);
      expect(seen.values).to.deep.equal([1, 3, 2, 0]);
      expect(seen.completed).to.equal(true);
    });

    it('emits in source order with ordered: true', async () => {
      pool = new Pool({ maxWorkers: 4 });
      const seen = watch<number>();
      from([0, 1, 2, 3])
        .pipe(runInPool(pool, sleepy, { ordered: true }))
        .subscribe(seen);
      await clock.tickAsync(100);
      expect(seen.values).to.deep.equal([0, 1, 2, 3]);
      expect(seen.completed).to.equal(true);
    });

    it('with ordered, holds back only results that wait for an earlier one', async () => {
      pool = new Pool({ maxWorkers: 4 });
      const seen = watch<number>();
      from([0, 1, 2, 3])
        .pipe(runInPool(pool, (i) => sleepy([1, 0, 3, 2][i]!), { ordered: true }))
        .subscribe(seen);
      await clock.tickAsync(10); // the first value's task is done: out at once
      expect(seen.values).to.deep.equal([1]);
      await clock.tickAsync(10); // the fourth is done, but waits for the third
      expect(seen.values).to.deep.equal([1]);
      await clock.tickAsync(20); // the second (40 ms) and the third (30 ms): all out
      expect(seen.values).to.deep.equal([1, 0, 3, 2]);
      expect(seen.completed).to.equal(true);
    });

    it('passes the source index to project', async () => {
      pool = new Pool({ maxWorkers: 2 });
      const out = lastValueFrom(
        from(['a', 'b', 'c']).pipe(
          runInPool(pool, (letter, index) => () => `${letter}${index}`, { ordered: true }),
          toArray(),
        ),
      );
      await clock.tickAsync(0);
      expect(await out).to.deep.equal(['a0', 'b1', 'c2']);
    });
  });

  describe('settle', () => {
    it('emits failures as Err and successes as Ok, and goes on', async () => {
      pool = new Pool({ maxWorkers: 2 });
      const boom = new Error('odd');
      const results = await lastValueFrom(
        range(0, 6).pipe(
          runInPool(
            pool,
            (i) => async () => {
              if (i % 2 === 1) throw boom;
              return i;
            },
            { settle: true, ordered: true },
          ),
          toArray(),
        ),
      );
      expect(results.map(outcome)).to.deep.equal([
        ['ok', 0],
        ['err', boom],
        ['ok', 2],
        ['err', boom],
        ['ok', 4],
        ['err', boom],
      ]);
      expect(pool.stats).to.include({ succeeded: 3, failed: 3, cancelled: 0 });
    });

    it('unordered, emits each outcome as it settles', async () => {
      pool = new Pool({ maxWorkers: 3 });
      const gates = [deferred<number>(), deferred<number>(), deferred<number>()];
      const seen = watch<Result<number, unknown>>();
      from([0, 1, 2])
        .pipe(runInPool(pool, (i) => () => gates[i]!.promise, { settle: true }))
        .subscribe(seen);
      await settleDown();
      gates[2]!.reject('two');
      await settleDown();
      gates[0]!.resolve(0);
      await settleDown();
      expect(seen.values.map(outcome)).to.deep.equal([
        ['err', 'two'],
        ['ok', 0],
      ]);
      expect(seen.completed).to.equal(false);
      gates[1]!.resolve(1);
      await settleDown();
      expect(seen.values.map(outcome)).to.deep.equal([
        ['err', 'two'],
        ['ok', 0],
        ['ok', 1],
      ]);
      expect(seen.completed).to.equal(true);
    });
  });

  describe("downstream acting inside the pool's step", () => {
    // Results are told as the pool settles each task: what a downstream operator then does
    // (feed the source, end the stream) happens inside that step.

    it('a result is never lost, though the source is fed and completed while it goes downstream', async () => {
      pool = new Pool({ maxWorkers: 2 });
      const source = new Subject<number>();
      const gate = deferred<number>();
      const seen: (number | 'complete')[] = [];
      source
        .pipe(
          runInPool(pool, (v) => (v === 0 ? () => gate.promise : () => v)),
          tap((v) => {
            if (v !== 0) return;
            source.next(1); // its task returns at once
            source.complete();
          }),
        )
        .subscribe({ next: (v) => seen.push(v), complete: () => seen.push('complete') });
      source.next(0);
      gate.resolve(0);
      await settleDown();
      expect(seen).to.deep.equal([0, 1, 'complete']);
    });

    it('a failure told while a result goes downstream comes after it', async () => {
      pool = new Pool({ maxWorkers: 2 });
      const source = new Subject<number>();
      const gate = deferred<number>();
      const seen = watch<number>();
      source
        .pipe(
          runInPool(pool, (v) =>
            v === 0
              ? () => gate.promise
              : () => {
                  throw new Error('boom');
                },
          ),
          tap((v) => v === 0 && source.next(9)), // its task throws at once
        )
        .subscribe(seen);
      source.next(0);
      gate.resolve(0);
      await settleDown();
      expect(seen.values).to.deep.equal([0]);
      expect(seen.failure).to.have.property('message', 'boom');
    });

    it('repeat and retry over synchronous tasks go round thousands of times without overflowing the stack', async () => {
      pool = new Pool({ maxWorkers: 1 });
      // Each round used to start on the stack of the one before: repeat overflowed after some
      // 4,000 rounds, retry after some 7,000.
      const repeated = of(1).pipe(
        runInPool(pool, (v) => () => v),
        repeat(6_000),
        count(),
      );
      expect(await lastValueFrom(repeated)).to.equal(6_000);
      let tries = 0;
      const retried = of(1).pipe(
        runInPool(pool, () => () => {
          if (++tries <= 9_000) throw new Error('not yet');
          return tries;
        }),
        retry(9_000),
      );
      expect(await lastValueFrom(retried)).to.equal(9_001);
      expect(pool.stats).to.include({ submitted: 15_001, running: 0, queued: 0 });
    });

    it('take(1): a task whose own submission starts the one that ends the stream never starts', async () => {
      // Value 2's submission makes lazy start a worker for value 1, queued before it, whose
      // synchronous result ends the stream while 2 is still being submitted.
      pool = new Pool({ maxWorkers: 4, scaleUp: 'lazy' });
      const gate = deferred<number>();
      const started: number[] = [];
      const seen: number[] = [];
      from([0, 1, 2])
        .pipe(
          runInPool(pool, (v) => () => {
            started.push(v);
            return v === 0 ? gate.promise : v;
          }),
          take(1),
        )
        .subscribe((v) => seen.push(v));
      await settleDown();
      expect(seen).to.deep.equal([1]);
      expect(started).to.deep.equal([0, 1]);
      gate.resolve(0);
      await pool.drain();
      expect(started).to.deep.equal([0, 1]);
    });

    it('ordered: a result told while an earlier one goes downstream waits for it', async () => {
      pool = new Pool({ maxWorkers: 2 });
      const source = new Subject<number>();
      const gate = deferred<number>();
      const seen: number[] = [];
      source
        .pipe(
          runInPool(pool, (v) => (v === 0 ? () => gate.promise : v === 1 ? async () => v : () => v), {
            ordered: true,
          }),
          tap((v) => v === 1 && source.next(2)),
        )
        .subscribe((v) => seen.push(v));
      source.next(0);
      source.next(1);
      await settleDown(); // 1 is held back for 0
      gate.resolve(0);
      await settleDown();
      expect(seen).to.deep.equal([0, 1, 2]);
    });

    it('take(1) over a synchronous source of synchronous tasks runs what the workers took, not the whole source', async () => {
      pool = new Pool({ maxWorkers: 4 });
      let started = 0;
      const seen: number[] = [];
      range(0, 100_000)
        .pipe(
          runInPool(pool, (v) => () => (started++, v)),
          take(1),
        )
        .subscribe((v) => seen.push(v));
      // Each task holds its worker until its outcome is told, a microtask later: four start at once.
      expect(started).to.equal(4);
      await settleDown();
      expect(seen).to.deep.equal([0]);
      // The others had returned, but the stream ended before their outcome was told: cancelled.
      expect(pool.stats).to.include({ submitted: 4, succeeded: 1, cancelled: 3, queued: 0 });
      expect(started).to.equal(4);
    });

    it('take(n) over an endless source on a scheduler ends, having submitted no more than it took', async () => {
      pool = new Pool({ maxWorkers: 2 });
      function* naturals(): Generator<number> {
        for (let i = 0; ; i++) yield i;
      }
      const taken = scheduled(naturals(), asapScheduler).pipe(
        runInPool(pool, (i) => () => i * 10),
        take(3),
        toArray(),
      );
      expect(await lastValueFrom(taken)).to.deep.equal([0, 10, 20]);
      expect(pool.stats.submitted).to.equal(3);
    });

    it("take(1) over tasks of one key: those in the key's line never start", async () => {
      pool = new Pool({ maxWorkers: 2 });
      const started: string[] = [];
      const gates = new Map(['a', 'b', 'c'].map((v) => [v, deferred<string>()]));
      const seen: string[] = [];
      from(['a', 'b', 'c'])
        .pipe(
          runInPool(
            pool,
            (v) => () => {
              started.push(v);
              return gates.get(v)!.promise;
            },
            { submitOptions: () => ({ key: 'user-1' }) },
          ),
          take(1),
        )
        .subscribe((v) => seen.push(v));
      gates.get('a')!.resolve('a');
      await settleDown();
      expect(seen).to.deep.equal(['a']);
      expect(started).to.deep.equal(['a']);
      expect(pool.stats).to.include({
        succeeded: 1,
        cancelled: pool.stats.submitted - 1,
        running: 0,
        queued: 0,
      });
    });
  });

  describe('failure', () => {
    it('errors the stream and cancels what is still in flight: running ones abort, queued ones never start', async () => {
      pool = new Pool({ maxWorkers: 2 });
      const boom = new Error('boom');
      const gates = Array.from({ length: 5 }, () => deferred<number>());
      const started: number[] = [];
      const aborted: number[] = [];
      const causes: unknown[] = [];
      const seen = watch<number>();
      let cancelledBeforeTheError = -1;
      seen.error = (error: unknown) => {
        seen.failure = error;
        cancelledBeforeTheError = pool.stats.cancelled;
      };
      from([0, 1, 2, 3, 4])
        .pipe(
          runInPool(pool, (i) => ({ signal }) => {
            started.push(i);
            signal.addEventListener('abort', () => {
              aborted.push(i);
              causes.push((signal.reason as CancelledError).cause);
            });
            return gates[i]!.promise;
          }),
        )
        .subscribe(seen);
      await settleDown();
      expect(started).to.deep.equal([0, 1]);
      gates[1]!.reject(boom);
      await settleDown();
      expect(seen.failure).to.equal(boom);
      // The failure is seen as the pool tells of it, before 2 takes 1's slot: 2 never starts.
      expect(started).to.deep.equal([0, 1]);
      expect(aborted).to.deep.equal([0]);
      expect(causes).to.deep.equal([boom]);
      // 0 running, 2, 3 and 4 queued: all cancelled, before the error is delivered, with it as the cause.
      expect(cancelledBeforeTheError).to.equal(4);
      expect(pool.stats).to.include({ failed: 1, cancelled: 4, queued: 0, running: 0 });
      gates.forEach((gate) => gate.resolve(0));
      await pool.drain();
      expect(started).to.deep.equal([0, 1]);
      expect(aborted).to.deep.equal([0]);
    });

    it('a task that fails synchronously stops a synchronous source: only what the free workers took ran', async () => {
      for (const onFull of ['reject', 'caller-runs'] as const) {
        pool = new Pool({ maxWorkers: 2, queueCapacity: onFull === 'caller-runs' ? 0 : Infinity, onFull });
        let ran = 0;
        const seen = watch<number>();
        range(0, 1000)
          .pipe(
            runInPool(pool, (n) => () => {
              ran++;
              if (n === 0) throw new Error('boom');
              return n;
            }),
          )
          .subscribe(seen);
        expect(ran, onFull).to.equal(2);
        await settleDown();
        expect(seen.failure, onFull).to.be.instanceOf(Error).with.property('message', 'boom');
        expect(pool.stats, onFull).to.include({ submitted: 2, failed: 1, cancelled: 1, succeeded: 0 });
        await pool.close();
      }
    });

    it('in ordered mode too, a failure errors the stream at once', async () => {
      pool = new Pool({ maxWorkers: 2 });
      const first = deferred<number>();
      const seen = watch<number>();
      from([0, 1])
        .pipe(
          runInPool(pool, (i) => () => (i === 0 ? first.promise : Promise.reject(new Error('second'))), {
            ordered: true,
          }),
        )
        .subscribe(seen);
      await settleDown();
      expect(seen.values).to.deep.equal([]);
      expect(seen.failure).to.be.instanceOf(Error).with.property('message', 'second');
      expect(pool.stats).to.include({ failed: 1, cancelled: 1 });
      first.resolve(0);
    });

    it('a project that throws errors the stream and cancels what is in flight', async () => {
      pool = new Pool({ maxWorkers: 2 });
      const gate = deferred<number>();
      const seen = watch<number>();
      from([0, 1])
        .pipe(
          runInPool(pool, (i) => {
            if (i === 1) throw new TypeError('no task for 1');
            return () => gate.promise;
          }),
        )
        .subscribe(seen);
      await settleDown();
      expect(seen.failure).to.be.instanceOf(TypeError).with.property('message', 'no task for 1');
      expect(pool.stats).to.include({ submitted: 1, cancelled: 1 });
      gate.resolve(0);
    });

    it('a project that throws errors the stream with settle too: it is no task failure', async () => {
      pool = new Pool({ maxWorkers: 2 });
      const seen = watch<Result<number, unknown>>();
      of(1, 2, 3)
        .pipe(
          runInPool(
            pool,
            (n) => {
              if (n === 2) throw new RangeError('no task for 2');
              return () => n;
            },
            { settle: true },
          ),
        )
        .subscribe(seen);
      await settleDown();
      expect(seen.failure).to.be.instanceOf(RangeError).with.property('message', 'no task for 2');
      expect(seen.completed).to.equal(false);
    });

    it('stops a synchronous source at its first failure instead of reading it to the end', () => {
      pool = new Pool({ maxWorkers: 8 }); // every value is submitted as it arrives
      let read = 0;
      function* values(): Generator<number> {
        for (let i = 0; i < 1_000; i++) {
          read++;
          yield i;
        }
      }
      const seen = watch<number>();
      from(values())
        .pipe(
          runInPool(pool, (i) => {
            if (i === 2) throw new TypeError('no task for 2');
            return () => new Promise<number>(() => {});
          }),
        )
        .subscribe(seen);
      expect(seen.failure).to.be.instanceOf(TypeError);
      expect(read).to.equal(3);
      expect(pool.stats).to.include({ submitted: 2, cancelled: 2 });
    });

    it('a source error cancels what is in flight and is passed on', async () => {
      pool = new Pool({ maxWorkers: 2 });
      const gate = deferred<number>();
      const seen = watch<number>();
      const source = new Subject<number>();
      source.pipe(runInPool(pool, () => () => gate.promise)).subscribe(seen);
      source.next(1);
      source.next(2);
      await settleDown();
      source.error('source failed');
      expect(seen.failure).to.equal('source failed');
      expect(pool.stats).to.include({ cancelled: 2, running: 0 });
      gate.resolve(0);
    });

    it('a closed pool fails each value with PoolClosedError', async () => {
      pool = new Pool({ maxWorkers: 1 });
      await pool.close();
      const results = await lastValueFrom(
        from([1, 2]).pipe(
          runInPool(pool, (i) => () => i, { settle: true }),
          toArray(),
        ),
      );
      expect(results).to.have.length(2);
      for (const result of results) expect(result.isErr() && result.error).to.be.instanceOf(PoolClosedError);
      const seen = watch<number>();
      from([1])
        .pipe(runInPool(pool, (i) => () => i))
        .subscribe(seen);
      await settleDown();
      expect(seen.failure).to.be.instanceOf(PoolClosedError);
    });
  });

  describe('unsubscribe', () => {
    it('take(1): the next task never starts, as under mergeMap', async () => {
      for (const ordered of [false, true]) {
        pool = new Pool({ maxWorkers: 1 });
        const started: number[] = [];
        const gate = deferred<string>();
        const first = lastValueFrom(
          from([0, 1, 2]).pipe(
            runInPool(
              pool,
              (i) => () => {
                started.push(i);
                return gate.promise;
              },
              { ordered },
            ),
            take(1),
          ),
        );
        gate.resolve('done');
        expect(await first).to.equal('done');
        await pool.drain();
        expect(started, `ordered: ${ordered}`).to.deep.equal([0]);
        const { submitted, succeeded, cancelled } = pool.stats;
        expect([succeeded, cancelled]).to.deep.equal([1, submitted - 1]); // the rest submitted never ran
      }
    });

    it('cancels every task it submitted and has not finished; stats count them cancelled', async () => {
      pool = new Pool({ maxWorkers: 2 });
      const gates = Array.from({ length: 5 }, () => deferred<number>());
      const started: number[] = [];
      const reasons: unknown[] = [];
      const source = new Subject<number>();
      const seen = watch<number>();
      const subscription = source
        .pipe(
          runInPool(pool, (i) => ({ signal }) => {
            started.push(i);
            signal.addEventListener('abort', () => reasons.push(signal.reason));
            return gates[i]!.promise;
          }),
        )
        .subscribe(seen);
      for (let i = 0; i < 5; i++) source.next(i);
      await settleDown();
      gates[0]!.resolve(0); // one finished before the unsubscribe: not cancelled
      await settleDown();
      expect(seen.values).to.deep.equal([0]);
      expect(started).to.deep.equal([0, 1, 2]);
      subscription.unsubscribe();
      // 1 and 2 were running: their signals aborted; 3 and 4 were queued.
      expect(reasons).to.have.length(2);
      expect(reasons.every((reason) => reason instanceof CancelledError)).to.equal(true);
      expect(pool.stats).to.include({ submitted: 5, succeeded: 1, cancelled: 4, queued: 0, running: 0 });
      gates.forEach((gate) => gate.resolve(0));
      await pool.drain();
      expect(started).to.deep.equal([0, 1, 2]);
      expect(source.observed).to.equal(false);
    });

    it('values still waiting for room are dropped, never submitted', async () => {
      pool = new Pool({ maxWorkers: 1, queueCapacity: 1, onFull: 'reject' });
      const gate = deferred<number>();
      const subscription = range(0, 10)
        .pipe(runInPool(pool, () => () => gate.promise))
        .subscribe();
      await settleDown();
      expect(pool.stats).to.include({ submitted: 2, running: 1, queued: 1 });
      subscription.unsubscribe();
      gate.resolve(0);
      await pool.drain();
      await settleDown();
      expect(pool.stats).to.include({ submitted: 2, cancelled: 2, rejected: 0 });
    });

    it('leaves the line of ready(): the next producer gets the room at once', async () => {
      pool = new Pool({ maxWorkers: 1, queueCapacity: 1, onFull: 'reject' });
      const [first, second] = [deferred(), deferred()];
      pool.submit(() => first.promise);
      pool.submit(() => second.promise); // the queue is full
      const subscription = range(0, 3)
        .pipe(runInPool(pool, () => () => 0))
        .subscribe(); // waits in ready()
      subscription.unsubscribe();
      let ready = false;
      const next = pool.ready().then(() => (ready = true));
      first.resolve(); // one place frees
      await flush();
      expect(ready).to.equal(true); // the gone subscription held the place until the next turn
      await next;
      second.resolve();
      expect(pool.stats).to.include({ submitted: 2, rejected: 0 });
    });

    it('cancels a task whose start ends the stream, while it is being submitted', async () => {
      for (const end of ['unsubscribe', 'source error'] as const) {
        pool = new Pool({ maxWorkers: 2 });
        const source = new Subject<number>();
        const stop = new Subject<void>();
        const signals: AbortSignal[] = [];
        const seen = watch<number>();
        source
          .pipe(
            runInPool(pool, () => ({ signal }) => {
              signals.push(signal);
              if (end === 'unsubscribe') stop.next();
              else source.error(new Error('source broke'));
              // Aborted by now: the stream's end cancels it as it ends.
              if (signal.aborted) return Promise.resolve(0);
              return new Promise<number>((resolve) => signal.addEventListener('abort', () => resolve(0)));
            }),
            takeUntil(stop),
          )
          .subscribe(seen);
        source.next(1);
        expect(signals, end).to.have.length(1);
        expect(signals[0]!.aborted, end).to.equal(true);
        if (end === 'source error') {
          expect(seen.failure).to.have.property('message', 'source broke');
          expect(signals[0]!.reason).to.have.property('cause', seen.failure);
        }
        await pool.drain();
        expect(pool.stats, end).to.include({ submitted: 1, cancelled: 1, succeeded: 0 });
        await pool.close();
      }
    });

    it('each subscription submits and cancels its own tasks', async () => {
      pool = new Pool({ maxWorkers: 4 });
      const gate = deferred<number>();
      const work$ = from([1, 2]).pipe(runInPool(pool, () => () => gate.promise));
      const first = work$.subscribe();
      const second = watch<number>();
      work$.subscribe(second);
      await settleDown();
      expect(pool.stats.running).to.equal(4);
      first.unsubscribe();
      expect(pool.stats).to.include({ running: 2, cancelled: 2 });
      gate.resolve(7);
      await settleDown();
      expect(second.values).to.deep.equal([7, 7]);
      expect(second.completed).to.equal(true);
    });
  });

  describe('synchronous submission', () => {
    it('submits a synchronous source before subscribe() returns while a worker is free', async () => {
      pool = new Pool({ maxWorkers: 3 });
      const seen = watch<number>();
      from([1, 2, 3, 4])
        .pipe(runInPool(pool, (v) => () => v))
        .subscribe(seen);
      // A worker each for the first three; the fourth waits for room, here.
      expect(pool.stats).to.include({ submitted: 3, running: 3, queued: 0 });
      await settleDown();
      expect(seen.values).to.deep.equal([1, 2, 3, 4]);
      expect(seen.completed).to.equal(true);
    });

    it('submits each value as it arrives while workers are free, then waits for room', async () => {
      pool = new Pool({ maxWorkers: 2, queueCapacity: 0, onFull: 'reject' });
      const gates = [deferred<number>(), deferred<number>(), deferred<number>()];
      const source = new Subject<number>();
      const seen = watch<number>();
      source.pipe(runInPool(pool, (i) => () => gates[i]!.promise)).subscribe(seen);
      source.next(0);
      expect(pool.stats).to.include({ submitted: 1, running: 1 });
      source.next(1);
      expect(pool.stats).to.include({ submitted: 2, running: 2 });
      source.next(2); // no room: it waits for ready(), and is not refused
      source.complete();
      expect(pool.stats.submitted).to.equal(2);
      await settleDown();
      expect(pool.stats).to.include({ submitted: 2, rejected: 0 });
      gates[0]!.resolve(0);
      await settleDown();
      expect(pool.stats).to.include({ submitted: 3, running: 2, rejected: 0 });
      gates[1]!.resolve(1);
      gates[2]!.resolve(2);
      await settleDown();
      expect(seen.values).to.deep.equal([0, 1, 2]);
      expect(seen.completed).to.equal(true);
    });

    it('submits as far as workers are free; the rest wait in the operator, not in the queue', async () => {
      pool = new Pool({ maxWorkers: 2 });
      const gate = deferred();
      const seen = watch<number>();
      from([0, 1, 2, 3, 4])
        .pipe(runInPool(pool, (i) => async () => (await gate.promise, i)))
        .subscribe(seen);
      expect(pool.stats).to.include({ submitted: 2, running: 2, queued: 0 });
      gate.resolve();
      await settleDown();
      expect([...seen.values].sort()).to.deep.equal([0, 1, 2, 3, 4]);
      expect(seen.completed).to.equal(true);
    });

    it('a value never overtakes one waiting for room, even when a worker frees meanwhile', async () => {
      pool = new Pool({ maxWorkers: 1, queueCapacity: 0 });
      const gate = deferred<number>();
      const order: number[] = [];
      const source = new Subject<number>();
      const subscription = source
        .pipe(
          runInPool(pool, (i) => () => {
            order.push(i);
            return gate.promise;
          }),
        )
        .subscribe();
      source.next(0); // submitted at once
      source.next(1); // the worker is busy and nothing may wait: it waits for ready()
      pool.resize({ maxWorkers: 3 }); // now workers are free, but 1 is still waiting
      source.next(2);
      expect(order).to.deep.equal([0]);
      // 1's place was reserved when the queue had more room than that: its
      // submission may have been another producer's, so the place stays
      // reserved until the next turn, and 2 waits for it.
      for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
      await settleDown();
      expect(order).to.deep.equal([0, 1, 2]);
      subscription.unsubscribe();
      gate.resolve(0);
    });

    it('unsubscribing cancels the tasks it submitted synchronously', () => {
      pool = new Pool({ maxWorkers: 4 });
      const gate = deferred<number>();
      const subscription = from([1, 2, 3])
        .pipe(runInPool(pool, () => () => gate.promise))
        .subscribe();
      expect(pool.stats).to.include({ submitted: 3, running: 3 });
      subscription.unsubscribe();
      expect(pool.stats).to.include({ submitted: 3, running: 0, cancelled: 3 });
      gate.resolve(0);
    });
  });

  describe('backpressure', () => {
    it('a bounded pool that rejects when full loses none of 1000 synchronous values', async () => {
      pool = new Pool({ maxWorkers: 2, queueCapacity: 2, onFull: 'reject' });
      let deepest = 0;
      pool.queueDepth$.subscribe((depth) => (deepest = Math.max(deepest, depth)));
      const values = await lastValueFrom(
        range(0, 1000).pipe(
          runInPool(pool, (i) => async () => {
            await Promise.resolve();
            return i;
          }),
          toArray(),
        ),
      );
      expect(values).to.have.length(1000);
      expect([...values].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i));
      expect(pool.stats).to.include({ submitted: 1000, succeeded: 1000, rejected: 0, failed: 0 });
      expect(deepest).to.be.within(1, 2);
    });

    it("a state$ listener's submission made as room frees does not take the place ready() gave the stream", async () => {
      pool = new Pool({ maxWorkers: 1, queueCapacity: 1, onFull: 'reject' });
      let outside: Future<void> | undefined;
      pool.state$.subscribe(({ succeeded }) => {
        if (succeeded === 1) outside ??= pool.submit(nextTurn);
      });
      const values = await lastValueFrom(
        from([1, 2, 3, 4]).pipe(
          runInPool(pool, (n) => async () => {
            await nextTurn();
            return n;
          }),
          toArray(),
        ),
      );
      expect(values).to.deep.equal([1, 2, 3, 4]);
      expect(outside).to.not.equal(undefined);
      await outside!.result();
      expect(pool.stats).to.include({ rejected: 0, succeeded: 5 });
    });

    it('two subscriptions sharing a bounded pool that rejects lose none of their values', async () => {
      pool = new Pool({ maxWorkers: 3, queueCapacity: 0, onFull: 'reject' });
      const through = (first: number): Promise<number[]> =>
        lastValueFrom(
          range(first, 20).pipe(
            runInPool(pool, (i) => async () => {
              await Promise.resolve();
              return i;
            }),
            toArray(),
          ),
        );
      const [low, high] = await Promise.all([through(0), through(100)]);
      expect([...low!, ...high!].sort((a, b) => a - b)).to.deep.equal([
        ...Array.from({ length: 20 }, (_, i) => i),
        ...Array.from({ length: 20 }, (_, i) => 100 + i),
      ]);
      expect(pool.stats).to.include({ submitted: 40, succeeded: 40, rejected: 0 });
    });

    it('a value a synchronous task feeds back into the source while room frees is projected once, in order', async () => {
      pool = new Pool({ maxWorkers: 3, queueCapacity: 2 });
      const source = new Subject<string>();
      const projected: [unknown, number][] = [];
      const seen = watch<string>();
      source
        .pipe(
          runInPool(
            pool,
            (value, index) => {
              projected.push([value, index]);
              if (value.startsWith('slow')) return async () => value;
              return () => {
                if (value === 'A') source.next('A-child');
                return `${value}#${index}`;
              };
            },
            { ordered: true },
          ),
        )
        .subscribe(seen);
      for (const value of ['slow0', 'slow1', 'slow2', 'A', 'B', 'C', 'D']) source.next(value);
      await settleDown();
      source.complete();
      await settleDown();
      expect(seen.failure).to.equal(undefined);
      expect(projected.map(([value]) => value)).to.deep.equal([
        'slow0',
        'slow1',
        'slow2',
        'A',
        'B',
        'C',
        'D',
        'A-child',
      ]);
      expect(projected.map(([, index]) => index)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(seen.values).to.deep.equal(['slow0', 'slow1', 'slow2', 'A#3', 'B#4', 'C#5', 'D#6', 'A-child#7']);
      expect(seen.completed).to.equal(true);
    });

    it('a value project feeds into the source waits for the one being submitted, as under mergeMap', async () => {
      pool = new Pool({ maxWorkers: 1 });
      const source = new Subject<number>();
      const started: number[] = [];
      const results = lastValueFrom(
        source.pipe(
          runInPool(pool, (value) => {
            if (value < 4) source.next(value + 1);
            else source.complete();
            return () => (started.push(value), value);
          }),
          toArray(),
        ),
      );
      source.next(0);
      expect(await results).to.deep.equal([0, 1, 2, 3, 4]);
      expect(started).to.deep.equal([0, 1, 2, 3, 4]);
    });

    for (const onFull of ['reject', 'discard', 'caller-runs', 'discard-oldest'] as const) {
      it(`${onFull}: a value whose place a plain submit() took after ready() waits for the next, refused never`, async () => {
        const bounded = new Pool({ maxWorkers: 1, queueCapacity: 1, onFull });
        pool = bounded;
        const [running, filler] = [deferred<void>(), deferred<void>()];
        bounded.submit(() => running.promise);
        bounded.submit(() => filler.promise); // the queue is full
        let external: Future<unknown> | undefined;
        // Code that never asks ready() submits as room frees, before the operator's turn comes.
        const ready = bounded.ready.bind(bounded);
        bounded.ready = (options) => {
          const room = ready(options);
          void room.then(() => (external = bounded.submit(() => 'external')));
          return room;
        };
        const result = lastValueFrom(of('stream value').pipe(runInPool(bounded, (value) => () => value)));
        await settleDown();
        running.resolve(); // the filler starts: a place frees
        await settleDown();
        filler.resolve();
        expect(await result).to.equal('stream value');
        expect(external).to.not.equal(undefined);
        expect(bounded.stats).to.include({ rejected: 0, cancelled: 0, succeeded: 4 });
      });
    }

    it('values that arrive while it waits for room are submitted in source order', async () => {
      pool = new Pool({ maxWorkers: 1, queueCapacity: 1, onFull: 'reject' });
      const gates = Array.from({ length: 6 }, () => deferred<void>());
      const order: number[] = [];
      const source = new Subject<number>();
      const seen = watch<number>();
      source
        .pipe(
          runInPool(pool, (value) => async ({ taskId }) => {
            order.push(value);
            await gates[value]!.promise;
            return taskId;
          }),
        )
        .subscribe(seen);
      for (let i = 0; i < 6; i++) source.next(i);
      source.complete();
      await settleDown();
      expect(pool.stats).to.include({ submitted: 2, rejected: 0 });
      for (let i = 0; i < 6; i++) {
        gates[i]!.resolve();
        await settleDown();
      }
      expect(order).to.deep.equal([0, 1, 2, 3, 4, 5]);
      expect(seen.values).to.have.length(6);
      expect(seen.values).to.deep.equal([...seen.values].sort((a, b) => a - b)); // task ids rise with the values
      expect(seen.completed).to.equal(true);
      expect(pool.stats).to.include({ submitted: 6, succeeded: 6, rejected: 0 });
    });

    it('completes only when the source has completed and every result was emitted', async () => {
      pool = new Pool({ maxWorkers: 1 });
      const gate = deferred<string>();
      const seen = watch<string>();
      from(['x'])
        .pipe(runInPool(pool, () => () => gate.promise))
        .subscribe(seen);
      await settleDown();
      expect(seen.completed).to.equal(false);
      gate.resolve('done');
      await settleDown();
      expect(seen.values).to.deep.equal(['done']);
      expect(seen.completed).to.equal(true);
    });

    it('ordered: a source completed from a subscriber still emits the results held back', async () => {
      pool = new Pool({ maxWorkers: 2 });
      const source = new Subject<number>();
      const gates = [deferred<number>(), deferred<number>()];
      const seen = watch<number>();
      source.pipe(runInPool(pool, (i) => () => gates[i]!.promise, { ordered: true })).subscribe({
        ...seen,
        next: (value) => {
          seen.values.push(value);
          if (value === 0) source.complete();
        },
      });
      source.next(0);
      source.next(1);
      gates[1]!.resolve(1); // finishes first: held back behind 0
      await settleDown();
      gates[0]!.resolve(0);
      await settleDown();
      expect(seen.values).to.deep.equal([0, 1]);
      expect(seen.completed).to.equal(true);
    });

    it('an empty source completes', async () => {
      pool = new Pool({ maxWorkers: 1 });
      expect(
        await lastValueFrom(
          from([]).pipe(
            runInPool(pool, () => () => 1),
            count(),
          ),
        ),
      ).to.equal(0);
    });
  });

  describe('submitOptions', () => {
    it("keys: each key's tasks one at a time in source order, different keys at once", async () => {
      pool = new Pool({ maxWorkers: 4 });
      const running = new Map<string, number>();
      const log: string[] = [];
      let overlapAcross = 0;
      const events = [
        ['a', 1],
        ['b', 1],
        ['a', 2],
        ['b', 2],
        ['a', 3],
      ] as const;
      const out = await lastValueFrom(
        from(events).pipe(
          runInPool(
            pool,
            ([user, n]) =>
              async () => {
                expect(running.get(user) ?? 0, `${user} runs one at a time`).to.equal(0);
                running.set(user, 1);
                if ([...running.values()].filter((count) => count > 0).length > 1) overlapAcross++;
                log.push(`${user}${n}`);
                await new Promise<void>((resolve) => setImmediate(resolve));
                running.set(user, 0);
                return `${user}${n}`;
              },
            { submitOptions: ([user]) => ({ key: user }) },
          ),
          toArray(),
        ),
      );
      expect(log.filter((entry) => entry.startsWith('a'))).to.deep.equal(['a1', 'a2', 'a3']);
      expect(log.filter((entry) => entry.startsWith('b'))).to.deep.equal(['b1', 'b2']);
      expect(overlapAcross).to.be.above(0);
      expect([...out].sort()).to.deep.equal(['a1', 'a2', 'a3', 'b1', 'b2']);
    });

    it('with keys on a bounded queue that rejects when full, no value is refused', async () => {
      pool = new Pool({ maxWorkers: 3, queueCapacity: 1, onFull: 'reject' });
      const keys = ['a', 'b', 'a', 'a', 'c', 'b', 'b', 'a', 'c', 'c'];
      const values = await lastValueFrom(
        range(0, 200).pipe(
          runInPool(
            pool,
            (i) => async () => {
              await Promise.resolve();
              return i;
            },
            { submitOptions: (i) => ({ key: keys[i % keys.length] }) },
          ),
          toArray(),
        ),
      );
      expect([...values].sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 200 }, (_, i) => i));
      expect(pool.stats).to.include({ submitted: 200, succeeded: 200, rejected: 0 });
    });

    it("passes the rest through: a value's priority and timeout, asked once with its index", async () => {
      pool = new Pool({ maxWorkers: 1, queue: 'priority' });
      const gate = deferred();
      pool.submit(() => gate.promise); // holds the only worker while the values queue
      const asked: [string, number][] = [];
      const order: string[] = [];
      const seen = watch<Result<string, unknown>>();
      from(['low', 'high', 'slow'])
        .pipe(
          runInPool(
            pool,
            (name) =>
              ({ signal }) => {
                order.push(name);
                if (name !== 'slow') return name;
                return new Promise<string>((_, reject) =>
                  signal.addEventListener('abort', () => reject(signal.reason)),
                );
              },
            {
              settle: true,
              submitOptions: (name, index) => {
                asked.push([name, index]);
                return name === 'high' ? { priority: 1 } : name === 'slow' ? { timeout: 5 } : undefined;
              },
            },
          ),
        )
        .subscribe(seen);
      await settleDown(); // the values wait for ready(), then queue behind the gate
      expect(asked).to.deep.equal([
        ['low', 0],
        ['high', 1],
        ['slow', 2],
      ]);
      gate.resolve();
      await pool.drain();
      await settleDown();
      expect(order).to.deep.equal(['high', 'low', 'slow']);
      const slow = seen.values.find((result) => result.isErr());
      expect(slow?.isErr() && slow.error).to.be.instanceOf(TimeoutError);
    });

    it('one that throws errors the stream with its error, and nothing more is submitted', async () => {
      pool = new Pool({ maxWorkers: 1, queueCapacity: 1 });
      const boom = new Error('no options');
      const seen = watch<number>();
      range(0, 10)
        .pipe(
          runInPool(pool, (i) => () => i, {
            submitOptions: (i) => {
              if (i === 3) throw boom;
              return undefined;
            },
          }),
        )
        .subscribe(seen);
      await settleDown();
      expect(seen.failure).to.equal(boom);
      expect(pool.stats.submitted).to.equal(3);
    });
  });

  describe('large synchronous sources', () => {
    // rxjs mergeMap over futures takes tens of seconds here; the time runInPool takes is
    // measured in bench/ (scenario 5). Here: that all of a large source goes through, right.
    const size = 200_000;
    const items = Array.from({ length: size }, (_, i) => i);
    const expectedSum = (size * (size - 1)) / 2;

    it('unordered: 200,000 values from an array, each once', async () => {
      pool = new Pool({ maxWorkers: 4 });
      let sum = 0;
      let seen = 0;
      await lastValueFrom(
        from(items).pipe(
          runInPool(pool, (i) => () => i),
          map((value) => {
            sum += value;
            seen++;
          }),
        ),
      );
      expect(seen).to.equal(size);
      expect(sum).to.equal(expectedSum);
    });

    it('ordered and settled, with async tasks: 200,000 values in order', async () => {
      pool = new Pool({ maxWorkers: 8 });
      let next = 0;
      let inOrder = true;
      await lastValueFrom(
        from(items).pipe(
          runInPool(pool, (i) => async () => i, { ordered: true, settle: true }),
          map((result) => {
            if (!result.isOk() || result.value !== next++) inOrder = false;
          }),
        ),
      );
      expect(next).to.equal(size);
      expect(inOrder).to.equal(true);
    });

    it('through a bounded queue, none refused', async () => {
      pool = new Pool({ maxWorkers: 4, queueCapacity: 8, onFull: 'reject' });
      const total = await lastValueFrom(
        from(items).pipe(
          runInPool(pool, (i) => () => i),
          count(),
        ),
      );
      expect(total).to.equal(size);
      expect(pool.stats).to.include({ submitted: size, succeeded: size, rejected: 0 });
    });
  });

  describe('any pool', () => {
    interface Call {
      readonly fn: string;
      readonly args: readonly number[];
    }
    const functions: Record<string, (...args: number[]) => number> = {
      add: (a, b) => a + b,
      square: (a) => a * a,
    };
    /** A pool whose jobs are `{ fn, args }` records, as a thread pool's are. */
    class CallPool extends BasePool<Call> {
      constructor() {
        const runtime: Runtime<Call> = {
          startWorker: () => ({
            run: async (call) => functions[call.fn]!(...call.args),
            stop: () => {},
          }),
        };
        super(runtime, resolveOptions({ maxWorkers: 2 }));
      }
      submit<T>(call: Call, options?: SubmitOptions): Future<T> {
        return this.submitJob<T>(call, options);
      }
    }

    it('submits the jobs project returns, for a pool of { fn, args } jobs', async () => {
      const calls = new CallPool();
      const results = await lastValueFrom(
        from([1, 2, 3]).pipe(
          runInPool<number, Call, number>(calls, (n) => ({ fn: n === 2 ? 'square' : 'add', args: [n, n] }), {
            ordered: true,
          }),
          toArray(),
        ),
      );
      expect(results).to.deep.equal([2, 4, 6]);
      expect(calls.stats.succeeded).to.equal(3);
      await calls.close();
      pool = new Pool({ maxWorkers: 1 }); // for afterEach
    });
  });

  describe('types', () => {
    /** `emits(source)<V>()` compiles only if `source` emits exactly `V`. */
    const emits =
      <A>(_source: Observable<A>) =>
      <B>(..._proof: [A] extends [B] ? ([B] extends [A] ? [] : [never]) : [never]): void => {};

    it('the output type follows the task function and the settle option', () => {
      pool = new Pool({ maxWorkers: 1 });
      const numbers = of(1, 2);
      const plain = numbers.pipe(runInPool(pool, (n) => async () => n * 2));
      const settled = numbers.pipe(runInPool(pool, (n) => () => String(n), { settle: true, ordered: true }));
      const either = numbers.pipe(runInPool(pool, (n) => () => n, { settle: Math.random() > 2 }));
      emits(plain)<number>();
      emits(settled)<Result<string, unknown>>();
      emits(either)<number | Result<number, unknown>>();
      // @ts-expect-error a Pool's job is a function
      numbers.pipe(runInPool(pool, (n) => ({ fn: 'square', args: [n] })));
    });

    it('through a ThreadPool typed by its module, the output is what the export returns', () => {
      pool = new Pool({ maxWorkers: 1 }); // for afterEach
      // Compiled, never run: no thread starts.
      const typed = (threads: ThreadPool<typeof import('../threads/fixtures/work.js')>): void => {
        const numbers = of(10, 20);
        emits(numbers.pipe(runInPool(threads, (n) => ({ fn: 'fib', args: [n] }))))<number>();
        emits(numbers.pipe(runInPool(threads, (n) => ({ fn: 'echo', args: [n, 'x'] }), { settle: true })))<
          Result<unknown[], unknown>
        >();
        // @ts-expect-error the module exports no function by that name
        numbers.pipe(runInPool(threads, (n) => ({ fn: 'nothing', args: [n] })));
        // @ts-expect-error fib takes one number
        numbers.pipe(runInPool(threads, (n) => ({ fn: 'fib', args: [n, n] })));
        // @ts-expect-error add takes numbers
        numbers.pipe(runInPool(threads, () => ({ fn: 'add', args: ['x', 1] })));
      };
      const untyped = (threads: ThreadPool): void => {
        emits(of(1).pipe(runInPool(threads, (n) => ({ fn: 'anything', args: [n] }))))<unknown>();
      };
      expect([typed, untyped]).to.have.length(2);
    });
  });

  describe('with a ThreadPool', () => {
    it('submits the { fn, args } jobs project returns, and settles failures from threads', async function () {
      this.timeout(10_000);
      const threads = new ThreadPool({
        module: new URL('./fixtures/digest.mjs', import.meta.url),
        maxWorkers: 2,
      });
      try {
        const words = ['alpha', 'beta', 'gamma'];
        const digests = await lastValueFrom(
          from(words).pipe(
            runInPool<string, ThreadTask, string>(threads, (word) => ({ fn: 'sha256', args: [word] }), {
              ordered: true,
            }),
            toArray(),
          ),
        );
        expect(digests).to.deep.equal(words.map((word) => createHash('sha256').update(word).digest('hex')));
        const results = await lastValueFrom(
          from(['x']).pipe(
            runInPool(threads, (word) => ({ fn: 'fails', args: [`no ${word}`] }), { settle: true }),
            toArray(),
          ),
        );
        expect(results.map((result) => result.isErr() && (result.error as Error).message)).to.deep.equal([
          'no x',
        ]);
      } finally {
        await threads.close();
      }
      pool = new Pool({ maxWorkers: 1 }); // for afterEach
    });
  });

  describe('arguments', () => {
    beforeEach(() => (pool = new Pool({ maxWorkers: 1 })));

    it('throws a TypeError for a project that is not a function', () => {
      expect(() => runInPool(pool, 'nope' as never)).to.throw(
        TypeError,
        'runInPool project must be a function, received "nope"',
      );
    });

    it('throws a TypeError for something that is not a pool', () => {
      expect(() => runInPool({} as never, () => () => 1)).to.throw(
        TypeError,
        'runInPool expects a pool, received an object',
      );
    });

    it('throws a TypeError for options of the wrong type', () => {
      expect(() => runInPool(pool, () => () => 1, 3 as never)).to.throw(
        TypeError,
        'runInPool options must be an object, received 3',
      );
      expect(() => runInPool(pool, () => () => 1, { ordered: 'yes' } as never)).to.throw(
        TypeError,
        'runInPool option ordered must be a boolean, received "yes"',
      );
      expect(() => runInPool(pool, () => () => 1, { settle: 1 } as never)).to.throw(
        TypeError,
        'runInPool option settle must be a boolean, received 1',
      );
      expect(() => runInPool(pool, () => () => 1, { submitOptions: 'key' } as never)).to.throw(
        TypeError,
        'runInPool option submitOptions must be a function, received "key"',
      );
    });
  });
});
