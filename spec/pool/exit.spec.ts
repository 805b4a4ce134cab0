import { expect } from 'chai';
import { runTsx } from '../support/child.js';

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
