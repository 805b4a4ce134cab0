import { expect } from 'chai';
import { TimeoutError } from '../../src/index.js';
import { fromRecord, recordThrown, type ThrownRecord } from '../../src/threads/protocol.js';

/** Records `thrown`, clones the record as postMessage would, and rebuilds it. */
const roundTrip = (thrown: unknown): unknown =>
  fromRecord(structuredClone(recordThrown(thrown)) as ThrownRecord);

describe('thread protocol: thrown values', () => {
  it('a standard error comes back as its own class, with message, stack and cause', () => {
    const original = new RangeError('out of range', { cause: new Error('why') });
    const error = roundTrip(original) as RangeError;
    expect(error).to.be.instanceOf(RangeError);
    expect(error).to.include({ name: 'RangeError', message: 'out of range', stack: original.stack });
    expect(error.cause).to.be.instanceOf(Error).and.have.property('message', 'why');
    expect(Object.keys(error)).to.deep.equal([]);
  });

  it('another error class comes back as an Error with its name and own properties', () => {
    const error = roundTrip(new TimeoutError(100, { taskId: 7 })) as Error;
    expect(error).to.be.instanceOf(Error);
    expect(error).to.include({ name: 'TimeoutError', message: 'The task timed out after 100 ms' });
    expect(error).to.include({ code: 'ERR_TIMEOUT', taskId: 7, timeout: 100 });
    expect(Object.getOwnPropertyDescriptor(error, 'name')?.enumerable).to.equal(false);
  });

  it('an AggregateError comes back as one, with its errors, which are not own enumerable properties', () => {
    const original = new AggregateError([new TypeError('first'), 'second'], 'all failed');
    const error = roundTrip(original) as AggregateError;
    expect(error).to.be.instanceOf(AggregateError).and.include({ message: 'all failed' });
    expect(error.errors[0]).to.be.instanceOf(TypeError).and.have.property('message', 'first');
    expect(error.errors[1]).to.equal('second');
  });

  it('drops the properties that cannot be cloned, keeps the others', () => {
    const original = Object.assign(new Error('with extras'), { retry: () => {}, status: 503 });
    expect(roundTrip(original)).to.include({ status: 503 }).and.not.have.property('retry');
  });

  it('ends a cycle of causes', () => {
    const original = new Error('its own cause');
    original.cause = original;
    let error = roundTrip(original) as Error;
    let depth = 0;
    while (error.cause !== undefined) {
      error = error.cause as Error;
      depth++;
    }
    expect(depth).to.equal(8);
  });

  it('a thrown value that is not an error comes back as itself', () => {
    expect(roundTrip({ status: 404, tags: ['a'] })).to.deep.equal({ status: 404, tags: ['a'] });
    expect(roundTrip(undefined)).to.equal(undefined);
  });

  it('a thrown value that cannot be cloned comes back as an Error that describes it', () => {
    const error = roundTrip(Symbol('odd')) as Error;
    expect(error).to.be.instanceOf(Error);
    expect(error.message).to.equal('a value that cannot be cloned was thrown: Symbol(odd)');
    const bare = roundTrip(Object.assign(Object.create(null) as object, { fn: () => {} })) as Error;
    expect(bare.message).to.equal('a value that cannot be cloned was thrown: [object Object]');
  });

  it('a thrown value that cannot even be read (a throwing getter, a revoked proxy) comes back as an Error that says so', () => {
    const unreadable = new Error('bad');
    Object.defineProperty(unreadable, 'stack', {
      get() {
        throw new Error('no stack for you');
      },
    });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    for (const thrown of [unreadable, proxy]) {
      const error = roundTrip(thrown) as Error;
      expect(error).to.be.instanceOf(Error);
      expect(error.message).to.match(/^a value that cannot be read was thrown: /);
    }
    expect((roundTrip(unreadable) as Error).message).to.include('no stack for you');
  });
});
