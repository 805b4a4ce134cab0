import { expect } from 'chai';
import { CancelledError, Pool } from '../../src/index.js';
import { deferred, flush } from '../support/deferred.js';

describe('task groups', () => {
  let pool: Pool;
  beforeEach(() => {
    pool = new Pool({ maxWorkers: 2 });
  });
  afterEach(() => pool.close());

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

  it('validates its options', () => {
    expect(() => pool.group({ failFast: 'yes' as unknown as boolean })).to.throw(
      TypeError,
      /failFast must be a boolean/,
    );
  });
});
