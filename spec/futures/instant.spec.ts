import { expect } from 'chai';
import fc from 'fast-check';
import { highWord, joinWords, lowWord, NOT_YET } from '../../src/futures/instant.js';

describe('instant (a moment as two int32 halves)', () => {
  it('joins the halves of any double back into that double, bit for bit', () => {
    fc.assert(
      fc.property(fc.double(), (at) => {
        const high = highWord(at);
        const low = lowWord(at);
        expect(high | 0).to.equal(high); // int32: stored in the object, never boxed
        expect(low | 0).to.equal(low);
        expect(Object.is(joinWords(high, low), at)).to.equal(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('tells the halves apart: the high word carries sign and exponent', () => {
    expect(highWord(1)).to.equal(0x3ff00000);
    expect(lowWord(1)).to.equal(0);
    expect(lowWord(1 + 2 ** -52)).to.equal(1);
    expect(highWord(-0)).to.equal(0x80000000 | 0);
  });

  it('marks a moment not reached with a high word no clock reading has', () => {
    expect(joinWords(NOT_YET, 0)).to.be.NaN;
    fc.assert(fc.property(fc.double({ noNaN: true }), (at) => highWord(at) !== NOT_YET));
  });
});
