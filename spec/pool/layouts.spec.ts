import { expect } from 'chai';
import sinon from 'sinon';
import { Pool } from '../../src/index.js';
import * as Layouts from '../../src/pool/layouts.js';
import { runTsx } from '../support/child.js';

let copies = 0;

/** A fresh copy of the module, as in a process where no pool was made yet. */
async function freshLayouts(): Promise<typeof Layouts> {
  const url = new URL(`../../src/pool/layouts.ts?copy=${++copies}`, import.meta.url);
  return (await import(url.href)) as typeof Layouts;
}

describe('settleLayouts', () => {
  it('takes two pools through a whole life, finished in the microtasks after it returns: one left open and idle, one closed', async () => {
    const { settleLayouts, KEEPER_OPTIONS } = await freshLayouts();
    const pools: Pool[] = [];
    settleLayouts(() => {
      const pool = new Pool(KEEPER_OPTIONS);
      pools.push(pool);
      return pool;
    });
    // A task each for the warm workers, run before it returned; their outcomes, and the last task, come in
    // the microtasks right after.
    expect(pools.map((pool) => pool.stats.running)).to.deep.equal([
      KEEPER_OPTIONS.maxWorkers,
      KEEPER_OPTIONS.maxWorkers,
    ]);
    await new Promise((resolve) => setImmediate(resolve));
    const [open, closed] = pools.map((pool) => pool.stats);
    expect(pools).to.have.length(2);
    // One task that keeps its context, then one more than the workers, alternately returning and throwing.
    const alternating = KEEPER_OPTIONS.maxWorkers;
    const expected = {
      submitted: 1 + alternating,
      succeeded: 1 + Math.ceil(alternating / 2),
      failed: Math.floor(alternating / 2),
      queued: 0,
      running: 0,
    };
    for (const stats of [open!, closed!]) expect(stats).to.include(expected);
    expect(open).to.include({ workers: KEEPER_OPTIONS.maxWorkers, idleWorkers: KEEPER_OPTIONS.maxWorkers });
    expect(open!.workers).to.be.greaterThan(16); // more than a deque's first slots
    expect(open!.closed).to.equal(false);
    expect(closed).to.include({ workers: 0, closed: true });
  });

  it('runs once per process: later calls make no pool', async () => {
    const { settleLayouts } = await freshLayouts();
    const make = sinon.spy(() => new Pool({ maxWorkers: 1 }));
    settleLayouts(make);
    settleLayouts(make);
    settleLayouts(make);
    expect(make.callCount).to.equal(2);
  });

  it('in this process it has run already: a new pool makes none', () => {
    new Pool({ maxWorkers: 1 });
    const make = sinon.spy(() => new Pool({ maxWorkers: 1 }));
    Layouts.settleLayouts(make);
    expect(make.called).to.equal(false);
  });

  it('leaves the first pool of a process untouched and starts no timer, even under fake timers', async function () {
    this.timeout(30_000);
    const { code, stdout, stderr } = await runTsx('spec/fixtures/first-pool.ts');
    expect(code, stderr).to.equal(0);
    const report = JSON.parse(stdout) as {
      timers: number;
      before: Record<string, unknown>;
      firstId: number;
      value: string;
      after: Record<string, unknown>;
    };
    expect(report.timers).to.equal(0);
    expect(report.before).to.include({ workers: 0, submitted: 0, completed: 0, queued: 0 });
    expect(report.firstId).to.equal(new Pool({ maxWorkers: 1 }).submit(() => 0).id);
    expect(report.value).to.equal('first');
    expect(report.after).to.include({ submitted: 1, succeeded: 1, closed: true, workers: 0 });
  });
});
