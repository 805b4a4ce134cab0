import { expect } from 'chai';
import type { Result } from 'ts-results-es';
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

  it('Future.resolve and Future.reject make Promises, as their Promise namesakes do', async () => {
    const resolved = Future.resolve(1);
    expect(resolved).to.be.instanceOf(Promise).and.not.instanceOf(Future);
    expect(await resolved).to.equal(1);
    const failure = new Error('no');
    const rejected = Future.reject(failure);
    expect(rejected).to.be.instanceOf(Promise).and.not.instanceOf(Future);
    expect(await rejected.catch((error: unknown) => error)).to.equal(failure);
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

  it('each rejects a bad input as its Promise namesake does, and never throws', async () => {
    function* failing(): Generator<number> {
      yield 1;
      throw new RangeError('the iterator failed');
    }
    const inputs: [string, () => unknown, ErrorConstructor][] = [
      ['a number', () => 5, TypeError],
      ['a plain object', () => ({}), TypeError],
      ['an array-like', () => ({ length: 2 }), TypeError],
      ['undefined', () => undefined, TypeError],
      ['a failing iterator', failing, RangeError],
    ];
    const combinators: Record<string, (input: Iterable<unknown>) => Promise<unknown>> = {
      all: Future.all,
      allSettled: Future.allSettled,
      any: Future.any,
      race: Future.race,
    };
    for (const [name, combinator] of Object.entries(combinators)) {
      for (const [label, input, expected] of inputs) {
        let returned: Promise<unknown> | undefined;
        expect(
          () => (returned = combinator(input() as Iterable<unknown>)),
          `${name}(${label})`,
        ).not.to.throw();
        const reason = await returned!.then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(reason, `${name}(${label})`).to.be.instanceOf(expected);
      }
    }
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

  it('are typed as their Promise namesakes: tuples for all and allSettled, unions for any and race', async () => {
    const one = pool.submit(() => 1);
    const two = pool.submit(async () => 'two');
    // Checked by the compiler: each assignment fails to compile if the type is wider.
    const [a, b]: [number, string] = await Future.all([one, two]);
    const [ra, rb]: [Result<number, unknown>, Result<string, unknown>] = await Future.allSettled([one, two]);
    const first: number | string = await Future.any([one, two]);
    const fastest: number | string = await Future.race([one, two]);
    expect([a, b, ra.unwrap(), rb.unwrap()]).to.deep.equal([1, 'two', 1, 'two']);
    expect([1, 'two']).to.include.members([first, fastest]);
  });
});
