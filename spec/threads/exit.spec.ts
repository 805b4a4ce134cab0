import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { withoutCoverage } from '../support/child.js';

describe('ThreadPool after close()', () => {
  it('no thread, timer or handle is left, and idle threads hold nothing: the process exits by itself', async function () {
    this.timeout(30_000);
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        './spec/support/threads.mjs',
        'spec/threads/fixtures/close-and-exit.ts',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: withoutCoverage() },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(output).to.equal('closed after 9 tasks (2 on caller-runs): 55 89 144 233 377 610 2 4 6\n');
    expect(code).to.equal(0);
  });
});
