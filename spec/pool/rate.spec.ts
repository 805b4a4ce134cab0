import { expect } from 'chai';
import fc from 'fast-check';
import { StartWindow } from '../../src/pool/rate.js';

type Step =
  | { readonly op: 'start'; readonly after: number; readonly stale: number }
  | { readonly op: 'pending'; readonly after: number }
  | { readonly op: 'confirm'; readonly after: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  // Mostly starts at the same moment, so that the ring fills and grows.
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('start' as const),
      after: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, fc.nat({ max: 20 })),
      stale: fc.nat({ max: 10 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('pending' as const), after: fc.nat({ max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('confirm' as const), after: fc.nat({ max: 20 }) }) },
);

describe('StartWindow', () => {
  it('counts as a list of every start would, pending ones included, through growth and wrap-around (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(step, { maxLength: 400, size: 'max' }),
        (limit, interval, steps) => {
          const window = new StartWindow(limit, interval);
          // Each start's moment; null while pending. Confirmed in the order they were recorded.
          const starts: (number | null)[] = [];
          let at = 0;
          for (const { op, after, ...rest } of steps) {
            at += after;
            const inWindow = starts.filter((start) => start === null || start > at - interval);
            const left = window.left(at);
            expect(left).to.equal(limit - inWindow.length);
            if (op === 'confirm') {
              const first = starts.indexOf(null);
              if (first === -1) continue;
              window.confirm(at);
              starts[first] = at;
            } else if (left > 0) {
              // A reading older than `at` (taken before listeners ran) counts as `at`.
              if (op === 'start') window.record(at - ('stale' in rest ? rest.stale : 0));
              else window.record(at, true);
              starts.push(op === 'start' ? at : null);
            } else {
              const finite = inWindow.filter((start): start is number => start !== null);
              const opensAt = finite.length === 0 ? Infinity : Math.min(...finite) + interval;
              expect(window.opensAt()).to.equal(opensAt);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
