import { expect } from 'chai';
import * as rxpool from '../src/index.js';
import {
  CancelledError,
  DiscardedError,
  PoolClosedError,
  PoolError,
  QueueFullError,
  TimeoutError,
  WorkerCrashedError,
} from '../src/index.js';

describe('errors', () => {
  const made: [PoolError, string, RegExp][] = [
    [new CancelledError(undefined, { taskId: 1, cause: 'user' }), 'ERR_CANCELLED', /cancelled/],
    [new TimeoutError(250, { taskId: 2 }), 'ERR_TIMEOUT', /250 ms/],
    [new QueueFullError(16, { taskId: 3 }), 'ERR_QUEUE_FULL', /queueCapacity: 16/],
    [new DiscardedError(undefined, { taskId: 4 }), 'ERR_DISCARDED', /discarded/],
    [new PoolClosedError({ taskId: 5 }), 'ERR_POOL_CLOSED', /closed/],
    [new WorkerCrashedError(7, { taskId: 6 }), 'ERR_WORKER_CRASHED', /Worker 7 crashed/],
  ];

  for (const [error, code, message] of made) {
    it(`${error.name}: a PoolError exported from rxpool, with code ${code}, its name and a message`, () => {
      expect(error).to.be.instanceOf(Error).and.instanceOf(PoolError);
      expect(rxpool[error.name as keyof typeof rxpool]).to.equal(error.constructor);
      expect(error.code).to.equal(code);
      expect(error.name).to.equal(error.constructor.name);
      expect(error.message).to.match(message);
      expect(String(error)).to.equal(`${error.name}: ${error.message}`);
    });
  }

  it('carries the task id, and a cause only when one was given', () => {
    const [cancelled, timedOut] = made.map(([error]) => error);
    expect(cancelled).to.include({ taskId: 1, cause: 'user' });
    expect(timedOut!.taskId).to.equal(2);
    expect('cause' in timedOut!).to.equal(false);
    expect(new CancelledError('x', { cause: undefined })).to.have.property('cause', undefined);
  });

  it('takes any context from plain JavaScript without throwing', () => {
    const Closed = PoolClosedError as unknown as new (context: unknown) => PoolClosedError;
    for (const context of ['a message', null, 42]) {
      const error = new Closed(context);
      expect(error.taskId).to.equal(undefined);
      expect('cause' in error).to.equal(false);
    }
  });
});
