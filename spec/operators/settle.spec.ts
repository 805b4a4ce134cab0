import { expect } from 'chai';
import { Subject, from, lastValueFrom, toArray, type Observable, type Observer } from 'rxjs';
import type { Result } from 'ts-results-es';
import { CancelledError, Pool, type Future } from '../../src/index.js';
import { settle } from '../../src/operators/index.js';
import { deferred, flush } from '../support/deferred.js';

/** A Result as plain data, for deep equality (an Err also holds a stack). */
const outcome = <T>(result: Result<T, unknown>): ['ok', T] | ['err', unknown] =>
  result.isOk() ? ['ok', result.value] : ['err', result.error];

describe('settle', () => {
  let pool: Pool;
  beforeEach(() => (pool = new Pool({ maxWorkers: 4 })));
  afterEach(() => void pool.terminate());

  it('emits each outcome as a Result, in the order the futures settle, then completes', async () => {
    const gates = [deferred<string>(), deferred<string>(), deferred<string>()];
    const futures = new Subject<Future<string>>();
    const results: Result<string, unknown>[] = [];
    let completed = false;
    const typed: Observable<Result<string, unknown>> = futures.pipe(settle());
    typed.subscribe({ next: (result) => results.push(result), complete: () => (completed = true) });
    gates.forEach((gate) => futures.next(pool.submit(() => gate.promise)));
    futures.complete();
    gates[1]!.resolve('second');
    await flush();
    gates[2]!.reject('third failed');
    await flush();
    expect(results.map(outcome)).to.deep.equal([
      ['ok', 'second'],
      ['err', 'third failed'],
    ]);
    expect(completed).to.equal(false);
    gates[0]!.resolve('first');
    await flush();
    expect(results.map(outcome)).to.deep.equal([
      ['ok', 'second'],
      ['err', 'third failed'],
      ['ok', 'first'],
    ]);
    expect(completed).to.equal(true);
  });

  it('a cancelled future is an Err with a CancelledError', async () => {
    const future = pool.submit(() => new Promise<never>(() => {}));
    future.cancel('stop');
    const [result] = await lastValueFrom(from([future]).pipe(settle(), toArray()));
    expect(result!.isErr() && result!.error)
      .to.be.instanceOf(CancelledError)
      .with.property('cause', 'stop');
  });

  it('already settled futures and plain promises work too', async () => {
    const done = pool.submit(() => 1);
    await done;
    const results = await lastValueFrom(from([done, Promise.resolve(2)]).pipe(settle(), toArray()));
    expect(results.map(outcome)).to.deep.equal([
      ['ok', 1],
      ['ok', 2],
    ]);
  });

  it('a thenable whose then throws is an Err', async () => {
    const broken: PromiseLike<number> = {
      then: () => {
        throw new Error('broken then');
      },
    };
    const [result] = await lastValueFrom(from([broken]).pipe(settle(), toArray()));
    expect(result!.isErr() && result!.error)
      .to.be.instanceOf(Error)
      .with.property('message', 'broken then');
  });

  it('a thenable that calls back twice counts once: the stream still waits for the others', async () => {
    const twice: PromiseLike<number> = {
      then: (onFulfilled) => {
        onFulfilled?.(1);
        onFulfilled?.(2);
        return undefined as never;
      },
    };
    const gate = deferred<number>();
    const results = lastValueFrom(from([twice, gate.promise]).pipe(settle(), toArray()));
    await flush();
    gate.resolve(3);
    expect((await results).map(outcome)).to.deep.equal([
      ['ok', 1],
      ['ok', 3],
    ]);
  });

  it('passes a source error on at once', () => {
    const futures = new Subject<Future<number>>();
    let failure: unknown;
    futures.pipe(settle()).subscribe({ error: (error: unknown) => (failure = error) });
    futures.next(pool.submit(() => new Promise<number>(() => {})));
    futures.error('source failed');
    expect(failure).to.equal('source failed');
  });

  it('unsubscribing stops the emissions but cancels nothing', async () => {
    const gate = deferred<number>();
    const future = pool.submit(() => gate.promise);
    const seen: Partial<Observer<Result<number, unknown>>> & { values: unknown[] } = {
      values: [],
      next: (value) => seen.values.push(value),
    };
    const subscription = from([future]).pipe(settle()).subscribe(seen);
    subscription.unsubscribe();
    expect(future.state).to.equal('running');
    gate.resolve(5);
    expect(await future).to.equal(5);
    await flush();
    expect(seen.values).to.deep.equal([]);
  });
});
