import { expect } from 'chai';
import { Pool, type ScaleUpPolicyName } from '../../../src/index.js';
import { scaleUpPolicies } from '../../../src/pool/policies/scale-up.js';
import { deferred } from '../../support/deferred.js';

/** Workers started by a burst of `burst` pending tasks on an empty pool. */
async function startedBy(policy: ScaleUpPolicyName, burst: number, maxWorkers: number): Promise<number> {
  const pool = new Pool({ maxWorkers, scaleUp: policy });
  let started = 0;
  pool.scaling$.subscribe((event) => (started += event.type === 'up' ? 1 : 0));
  const gate = deferred();
  const futures = Array.from({ length: burst }, () => pool.submit(() => gate.promise));
  const workers = pool.stats.workers;
  gate.resolve();
  await Promise.all(futures);
  await pool.close();
  expect(started).to.equal(workers);
  return workers;
}

describe('scale-up policies', () => {
  for (const [burst, max] of [
    [2, 2],
    [8, 8],
    [10, 4],
    [20, 8],
    [64, 16],
    [5, 100],
  ] as const) {
    it(`burst ${burst} on maxWorkers ${max}: eager = min(burst, max) ≥ balanced ≥ lazy, lazy fewer`, async () => {
      const eager = await startedBy('eager', burst, max);
      const balanced = await startedBy('balanced', burst, max);
      const lazy = await startedBy('lazy', burst, max);
      expect(eager).to.equal(Math.min(burst, max));
      expect(eager).to.be.at.least(balanced);
      expect(balanced).to.be.at.least(lazy);
      expect(lazy).to.be.lessThan(eager);
      expect(lazy).to.be.at.least(1);
    });
  }

  it('every policy starts a worker when a task waits and none exists', () => {
    for (const policy of Object.values(scaleUpPolicies)) {
      expect(policy.grow(0, 1, 8)).to.equal(true);
      expect(policy.grow(0, 1, Infinity)).to.equal(true);
    }
  });

  it('lazy grows one worker per maxWorkers waiting tasks per worker', () => {
    expect(scaleUpPolicies.lazy.grow(1, 3, 4)).to.equal(false);
    expect(scaleUpPolicies.lazy.grow(1, 4, 4)).to.equal(true);
    expect(scaleUpPolicies.lazy.grow(2, 7, 4)).to.equal(false);
    expect(scaleUpPolicies.lazy.grow(2, 8, 4)).to.equal(true);
    expect(scaleUpPolicies.balanced.grow(2, 2, 4)).to.equal(false);
    expect(scaleUpPolicies.balanced.grow(2, 3, 4)).to.equal(true);
  });
});
