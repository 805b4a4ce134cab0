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

  it('an error whose getters throw comes back without what they stand for, and with everything else', () => {
    const original = new RangeError('disk full');
    Object.assign(original, { code: 'ENOSPC' });
    for (const key of ['stack', 'details']) {
      Object.defineProperty(original, key, {
        enumerable: key === 'details',
        get() {
          throw new Error(`no ${key} for you`);
        },
      });
    }
    const error = roundTrip(original) as RangeError;
    expect(error).to.be.instanceOf(RangeError).and.include({ name: 'RangeError', message: 'disk full' });
    expect(error).to.include({ code: 'ENOSPC' }).and.not.have.property('details');
    const nameless = new Error('why');
    const stack = nameless.stack; // formatted now, while the name can be read
    Object.defineProperty(nameless, 'name', {
      get() {
        throw null;
      },
    });
    expect(roundTrip(nameless)).to.include({ name: 'Error', message: 'why', stack });
  });

  it('an error whose cause or one of whose errors cannot be read loses that part alone', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const error = roundTrip(Object.assign(new RangeError('disk full', { cause: proxy }), { code: 'ENOSPC' }));
    expect(error).to.be.instanceOf(RangeError).and.include({ message: 'disk full', code: 'ENOSPC' });
    expect((error as Error).cause)
      .to.be.instanceOf(Error)
      .with.property('message')
      .that.matches(/cannot be read/);
    const errors = [new Error('a'), new Error('b')];
    Object.defineProperty(errors, 1, {
      get() {
        throw new Error('unreadable element');
      },
    });
    const unreadableOne = Object.defineProperty(new AggregateError([], 'two failures'), 'errors', {
      value: errors,
    });
    const aggregate = roundTrip(unreadableOne) as AggregateError;
    expect(aggregate).to.be.instanceOf(AggregateError).and.include({ message: 'two failures' });
    expect((aggregate.errors as Error[]).map((inner) => inner.message)).to.deep.equal([
      'a',
      'a value that cannot be read was thrown: Error: unreadable element',
    ]);
  });

  it('a thrown value that cannot even be read (a revoked proxy) comes back as an Error that says so', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const error = roundTrip(proxy) as Error;
    expect(error).to.be.instanceOf(Error);
    expect(error.message).to.match(/^a value that cannot be read was thrown: TypeError/);
  });
});
