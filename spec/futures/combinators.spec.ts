import { expect } from 'chai';
import { Future, Pool, all, allSettled, any, race } from '../../src/index.js';
import { deferred } from '../support/deferred.js';

describe('Future combinators', () => {
  let pool: Pool;
  beforeEach(() => {
    pool = new Pool({ maxWorkers: 4 });
  });
  afterEach(() => pool.terminate());

  it('are the same functions as the Future statics', () => {
    expect([Future.all, Future.allSettled, Future.any, Future.race]).to.deep.equal([
      all,
      allSettled,
      any,
      race,
    ]);
  });

  it('all resolves to values in input order, or rejects with the first failure', async () => {
    const slow = deferred<string>();
    const values = Future.all([pool.submit(() => slow.promise), pool.submit(() => 2)]);
    slow.resolve('one');
    expect(await values).to.deep.equal(['one', 2]);
    const failure = new Error('first');
    const rejected = Future.all([pool.submit(() => Promise.reject(failure)), pool.submit(() => 3)]);
    let caught: unknown;
    await rejected.catch((error: unknown) => (caught = error));
    expect(caught).to.equal(failure);
  });

  it('allSettled resolves to one Result per future and never rejects', async () => {
    const results = await Future.allSettled([
      pool.submit(() => 'a'),
      pool.submit(() => Promise.reject(new Error('b'))),
    ]);
    expect(results).to.have.length(2);
    expect(results[0]!.isOk() && results[0]!.value).to.equal('a');
    expect(results[1]!.isErr() && (results[1]!.error as Error).message).to.equal('b');
  });

  it('any resolves with the first success', async () => {
    const gate = deferred<string>();
    const first = Future.any([
      pool.submit(() => Promise.reject(new Error('no'))),
      pool.submit(() => gate.promise),
    ]);
    gate.resolve('winner');
    expect(await first).to.equal('winner');
    let caught: unknown;
    await Future.any([pool.submit(() => Promise.reject(new Error('x')))]).catch((e: unknown) => (caught = e));
    expect(caught).to.be.instanceOf(AggregateError);
  });

  it('race settles as the first to settle', async () => {
    const never = deferred<string>();
    const result = Future.race([pool.submit(() => never.promise), pool.submit(async () => 'fast')]);
    expect(await result).to.equal('fast');
    never.resolve('late'); // terminate() waits for running functions to return
  });
});
