import { expect } from 'chai';
import { MessageChannel } from 'node:worker_threads';
import { move } from '../../src/threads/index.js';
import { moveKey } from '../../src/threads/move.js';

/** What the thread's bootstrap reads of a result `move()` marked. */
const marked = (result: unknown) => {
  const moved = result as { value: unknown; transfer: unknown[] } & Record<symbol, unknown>;
  expect(moved[Symbol.for(moveKey)]).to.equal(true);
  return { value: moved.value, transfer: moved.transfer };
};

describe('move()', () => {
  it('moves a buffer itself, a view its buffer, a port itself', () => {
    const buffer = new ArrayBuffer(8);
    expect(marked(move(buffer))).to.deep.equal({ value: buffer, transfer: [buffer] });
    const view = new Float64Array(2);
    expect(marked(move(view)).transfer).to.deep.equal([view.buffer]);
    const data = new DataView(new ArrayBuffer(4));
    expect(marked(move(data)).transfer).to.deep.equal([data.buffer]);
    const { port1, port2 } = new MessageChannel();
    expect(marked(move(port1)).transfer[0]).to.equal(port1);
    port1.close();
    port2.close();
  });

  it('takes the list it is given for anything else', () => {
    const result = { pixels: new Uint8Array(4), width: 2 };
    expect(marked(move(result, [result.pixels.buffer]))).to.deep.equal({
      value: result,
      transfer: [result.pixels.buffer],
    });
  });

  it('throws a TypeError for a value it cannot move by itself, or a list that is not an array', () => {
    expect(() => move({ width: 2 })).to.throw(TypeError, 'move() needs a transfer list');
    expect(() => move(new ArrayBuffer(1), 'all' as never)).to.throw(
      TypeError,
      'move() transfer must be an array, received string',
    );
  });
});
