import { expect } from 'chai';
import { Pool } from '../../src/index.js';
import { runTsx } from '../support/child.js';
import { collected } from '../support/gc.js';

describe('after close()', () => {
  it('no timer or handle is left: the process exits by itself', async function () {
    this.timeout(30_000);
    const { code, stdout, stderr } = await runTsx('spec/fixtures/close-and-exit.ts');
    expect(stdout + stderr).to.contain('closed after 21 tasks');
    expect(code).to.equal(0);
  });
});

describe('ready()', () => {
  it('waiting behind places nobody took, is let in with nothing else to keep the process alive', async function () {
    this.timeout(30_000);
    const { code, stdout, stderr } = await runTsx('spec/fixtures/ready-after-giving-up.ts');
    expect(stdout + stderr).to.contain('ready after 2 tasks');
    expect(code).to.equal(0); // 13: the process ended with the ready() still pending
  });

  it('lets the place of a producer that never submits go, though rxpool was imported under fake timers', async function () {
    this.timeout(30_000);
    const { code, stdout, stderr } = await runTsx('spec/fixtures/imported-under-fake-timers.ts');
    expect(stdout + stderr).to.equal('room after a producer gave up: true\n');
    expect(code).to.equal(0);
  });
});

describe('a pool nobody closed', () => {
  it('is collected once unreachable, though ready() held a place for a producer', async () => {
    /** A pool used through ready(), then dropped; what it holds to the end, a listener of its events. */
    const used = async (queueCapacity: number): Promise<WeakRef<object>> => {
      const pool = new Pool({ maxWorkers: 1, queueCapacity, idleTimeout: 0 });
      const listener = (): void => {};
      pool.events$.subscribe(listener);
      await pool.ready(); // bounded: a place held until the next turn
      await pool.submit(() => 'done');
      return new WeakRef(listener);
    };
    const refs = [await used(Infinity), await used(1)];
    await new Promise((resolve) => setImmediate(resolve)); // the held place has gone
    expect(await Promise.all(refs.map((ref) => collected(ref)))).to.deep.equal([true, true]);
  });
});
