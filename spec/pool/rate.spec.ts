import { expect } from 'chai';
import fc from 'fast-check';
import { StartWindow } from '../../src/pool/rate.js';

describe('StartWindow', () => {
  it('counts as a list of every start would, through growth and wrap-around (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 1, max: 50 }),
        // Mostly starts at the same moment, so that the ring fills and grows.
        fc.array(fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.nat({ max: 20 })), {
          maxLength: 400,
          size: 'max',
        }),
        (limit, interval, steps) => {
          const window = new StartWindow(limit, interval);
          const starts: number[] = [];
          let at = 0;
          for (const step of steps) {
            at += step;
            const inWindow = starts.filter((start) => start > at - interval);
            const left = window.left(at);
            expect(left).to.equal(limit - inWindow.length);
            if (left > 0) {
              window.record(at);
              starts.push(at);
            } else {
              expect(window.opensAt()).to.equal(inWindow[0]! + interval);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
