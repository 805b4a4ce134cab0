import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { withoutCoverage } from '../support/child.js';

describe('after close()', () => {
  it('no timer or handle is left: the process exits by itself', async function () {
    this.timeout(30_000);
    const child = spawn(process.execPath, ['--import', 'tsx', 'spec/fixtures/close-and-exit.ts'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: withoutCoverage(),
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(output).to.contain('closed after 21 tasks');
    expect(code).to.equal(0);
  });
});
