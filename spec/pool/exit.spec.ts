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
