import { expect } from 'chai';
import fc from 'fast-check';
import sinon from 'sinon';
import { Future, Pool } from '../../src/index.js';
import { deferred } from '../support/deferred.js';

// What a handler does with its input: each kind a promise handler can do.
type Action =
  | { kind: 'return' | 'throw' | 'resolved' | 'rejected' | 'future' | 'failed-future'; value: number }
  | { kind: 'self' }
  | { kind: 'none' };

// One link of a chain: `then(onFulfilled, onRejected)`, `catch(onRejected)` or `finally(onFinally)`.
type Step =
  | { method: 'then'; onFulfilled: Action; onRejected: Action }
  | { method: 'catch'; onRejected: Action }
  | { method: 'finally'; onFinally: Action };

type Outcome = { ok: boolean; value: unknown };

const acting: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('return', 'throw', 'resolved', 'rejected', 'future', 'failed-future'),
    value: fc.integer({ min: 0, max: 9 }),
  }) as fc.Arbitrary<Action>,
  fc.constant({ kind: 'none' } as const),
);
// A then or catch handler may also return its own link's result. (A finally
// handler that did would wait for itself forever, native promises included.)
const action: fc.Arbitrary<Action> = fc.oneof(acting, fc.constant({ kind: 'self' } as const));

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ method: fc.constant('then' as const), onFulfilled: action, onRejected: action }),
  fc.record({ method: fc.constant('catch' as const), onRejected: action }),
  fc.record({ method: fc.constant('finally' as const), onFinally: acting }),
);

describe('Future as a promise', () => {
  let pool: Pool;
  beforeEach(() => {
    pool = new Pool({ maxWorkers: 4 });
  });
  afterEach(() => pool.terminate());

  const settled = (ok: boolean, value: number) =>
    pool.submit(() => (ok ? value : Promise.reject(new Error(String(value)))));

  /**
   * Runs `steps` on `start`, logging each handler's call, and gives the
   * final outcome. `self` returns the link's own result: a chaining cycle.
   */
  async function runChain(
    start: PromiseLike<unknown>,
    steps: readonly Step[],
    log: string[],
  ): Promise<Outcome> {
    let current = start as Promise<unknown>;
    steps.forEach((link, index) => {
      let own: Promise<unknown> | undefined;
      const handler = (action: Action, name: string) => {
        if (action.kind === 'none') return undefined;
        return (input?: unknown) => {
          log.push(`${index}.${name}(${show(input)})`);
          switch (action.kind) {
            case 'return':
              return action.value;
            case 'throw':
              throw new Error(String(action.value));
            case 'resolved':
              return Promise.resolve(action.value);
            case 'rejected':
              return Promise.reject(new Error(String(action.value)));
            case 'future':
              return settled(true, action.value);
            case 'failed-future':
              return settled(false, action.value);
            case 'self':
              return own;
          }
        };
      };
      if (link.method === 'then')
        own = current.then(handler(link.onFulfilled, 'fulfilled'), handler(link.onRejected, 'rejected'));
      else if (link.method === 'catch') own = current.catch(handler(link.onRejected, 'caught'));
      else own = current.finally(handler(link.onFinally, 'finally') as () => void);
      current = own;
    });
    try {
      return { ok: true, value: await current };
    } catch (error) {
      return { ok: false, value: show(error) };
    }
  }

  const show = (value: unknown): string =>
    value instanceof TypeError
      ? 'TypeError'
      : value instanceof Error
        ? `Error ${value.message}`
        : String(value);

  it('chains exactly as a native promise does: same handlers, same order, same outcome', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.integer({ min: 0, max: 9 }),
        fc.array(step, { maxLength: 6 }),
        async (ok, value, steps) => {
          const nativeLog: string[] = [];
          const futureLog: string[] = [];
          const native = ok ? Promise.resolve(value) : Promise.reject(new Error(String(value)));
          const nativeOutcome = await runChain(native, steps, nativeLog);
          const futureOutcome = await runChain(settled(ok, value), steps, futureLog);
          expect(futureLog).to.deep.equal(nativeLog);
          expect(futureOutcome).to.deep.equal(nativeOutcome);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is a native promise that await, Promise.resolve and Promise.all take as it is', async () => {
    const future = pool.submit(() => 1);
    expect(future).to.be.instanceOf(Promise);
    // Taken as it is, not wrapped: no extra promise, job or call to then.
    expect(Promise.resolve(future)).to.equal(future);
    const next = future.then((value) => value + 1);
    expect(next).to.be.instanceOf(Promise).and.not.be.instanceOf(Future);
    expect(await Promise.all([future, next])).to.deep.equal([1, 2]);
  });

  it('runs handlers in the order the Futures settled, failures and successes alike', async () => {
    const gate = deferred<void>();
    const failing = pool.submit(async () => {
      await gate.promise;
      throw new Error('settled first');
    });
    const succeeding = pool.submit(async () => {
      await gate.promise;
      return 'settled second';
    });
    const order: string[] = [];
    void succeeding.then((value) => order.push(value));
    failing.catch((error: Error) => order.push(error.message));
    gate.resolve();
    await Promise.allSettled([failing, succeeding]);
    expect(order).to.deep.equal(['settled first', 'settled second']);
  });

  it("runs every Future's handlers once, in the order the Futures settled, whatever the mix", async () => {
    const ending = fc.constantFrom('return', 'throw', 'reject', 'cancel');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ ending, turn: fc.nat() }), { minLength: 1, maxLength: 8 }),
        async (tasks) => {
          const wide = new Pool({ maxWorkers: tasks.length });
          const gates = tasks.map(() => deferred<void>());
          const settledOrder: number[] = [];
          const handledOrder: string[] = [];
          const futures = tasks.map(({ ending }, id) => {
            const future = wide.submit(async () => {
              await gates[id]!.promise;
              if (ending === 'throw') throw new Error(String(id));
              if (ending === 'reject') return Promise.reject(new Error(String(id)));
              return id;
            });
            // Synchronous at settlement: the order the Futures settled in.
            future.toObservable().subscribe({
              complete: () => settledOrder.push(id),
              error: () => settledOrder.push(id),
            });
            future.then(
              (value) => handledOrder.push(`${id} ok ${value}`),
              (error: Error) => handledOrder.push(`${id} failed ${error instanceof Error ? error.name : ''}`),
            );
            return future;
          });
          // Gates open and cancels happen in an order of their own.
          const order = tasks.map((task, id) => ({ id, turn: task.turn })).sort((a, b) => a.turn - b.turn);
          for (const { id } of order) {
            if (tasks[id]!.ending === 'cancel') futures[id]!.cancel();
            else gates[id]!.resolve();
          }
          await Promise.allSettled(futures);
          // A cancelled task still holds its worker until its function returns.
          for (const gate of gates) gate.resolve();
          await wide.close();
          const expected = settledOrder.map((id) => {
            const { ending } = tasks[id]!;
            if (ending === 'return') return `${id} ok ${id}`;
            return `${id} failed ${ending === 'cancel' ? 'CancelledError' : 'Error'}`;
          });
          expect(handledOrder).to.deep.equal(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never runs a handler during then, even on a settled Future', async () => {
    const future = pool.submit(() => 1);
    await future;
    const calls: string[] = [];
    const next = future.then((value) => calls.push(`handler ${value}`));
    calls.push('after then');
    await next;
    expect(calls).to.deep.equal(['after then', 'handler 1']);
  });

  it('runs the handlers of one Future in the order then was called', async () => {
    const gate = deferred<string>();
    const future = pool.submit(() => gate.promise);
    const calls: string[] = [];
    const all = [1, 2, 3].map((n) => future.then((value) => calls.push(`${n}:${value}`)));
    gate.resolve('v');
    await Promise.all(all);
    expect(calls).to.deep.equal(['1:v', '2:v', '3:v']);
  });

  it('queues a handler given during a drain behind the microtasks already queued, as a promise does', async () => {
    const order = async (source: PromiseLike<number>): Promise<string[]> => {
      const calls: string[] = [];
      await source;
      await new Promise<void>((done) => {
        void source.then(() => {
          void Promise.resolve().then(() => calls.push('queued first'));
          void source.then(() => calls.push('given later'));
          void Promise.resolve()
            .then(() => undefined)
            .then(() => done());
        });
      });
      return calls;
    };
    const native = await order(Promise.resolve(1));
    expect(native).to.deep.equal(['queued first', 'given later']);
    expect(await order(pool.submit(() => 1))).to.deep.equal(native);
  });

  it('adopts any thenable a handler returns, and rejects when reading then throws', async () => {
    const future = pool.submit(() => 1);
    // Only a then method, as some libraries hand out.
    const thenable = { then: (resolve: (value: string) => void) => resolve('adopted') };
    const adopted = await future.then(() => thenable as unknown as PromiseLike<string>);
    expect(adopted).to.equal('adopted');
    const hostile = {
      get then(): never {
        throw new RangeError('no then');
      },
    };
    const rejected = await future
      .then(() => hostile)
      .then(
        () => 'fulfilled',
        (error: unknown) => error,
      );
    expect(rejected).to.be.instanceOf(RangeError);
  });

  it('gives then a result that is a promise to TypeScript and to Object.prototype.toString', async () => {
    const next: Promise<number> = pool.submit(() => 1).then((value) => value + 1);
    expect(Object.prototype.toString.call(next)).to.equal('[object Promise]');
    expect(Object.prototype.toString.call(pool.submit(() => 1))).to.equal('[object Future]');
    expect(await next).to.equal(2);
  });

  it('can be awaited while fake timers are installed, without a tick', async () => {
    const clock = sinon.useFakeTimers();
    try {
      expect(await pool.submit(async () => 'no timer needed')).to.equal('no timer needed');
      expect(await pool.submit(() => 2).then((value) => value * 2)).to.equal(4);
    } finally {
      clock.restore();
    }
  });

  describe('unhandled rejections', () => {
    let saved: NodeJS.UnhandledRejectionListener[];
    let unhandled: unknown[];
    const listener = (reason: unknown): void => void unhandled.push(reason);
    beforeEach(() => {
      // The runner's own listener fails the run on any unhandled rejection.
      saved = process.listeners('unhandledRejection');
      process.removeAllListeners('unhandledRejection');
      process.on('unhandledRejection', listener);
      unhandled = [];
    });
    afterEach(() => {
      process.off('unhandledRejection', listener);
      for (const restore of saved) process.on('unhandledRejection', restore);
    });
    const turn = () => new Promise((resolve) => setImmediate(resolve));

    it('are raised, as for a promise, when what then returned rejects and nobody handles it', async () => {
      const error = new Error('from a handler');
      void pool
        .submit(() => 1)
        .then(() => {
          throw error;
        });
      const passedOn = new Error('passed on');
      void pool.submit(() => Promise.reject(passedOn)).then(() => 'no rejection handler');
      await pool.drain();
      await turn();
      expect(unhandled).to.have.members([error, passedOn]);
    });

    it('are not raised when a handler comes within the same turn', async () => {
      const error = new Error('handled later in the turn');
      const next = pool
        .submit(() => 1)
        .then(() => {
          throw error;
        });
      await pool.drain();
      expect(await next.catch((caught: unknown) => caught)).to.equal(error);
      await turn();
      expect(unhandled).to.deep.equal([]);
    });
  });
});
