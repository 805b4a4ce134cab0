import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';

/** An RxJS TestScheduler that compares frames with chai's deep equality. */
export function marbles(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });
}
