import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withoutCoverage } from '../support/child.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an example with `tsx` from the repository root, stdout a pipe. */
function runExample(name: string): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}.ts`], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: withoutCoverage(),
    timeout: 25_000, // a hung example is killed, so it cannot hold the spec run open
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('examples/quick-start.ts', () => {
  it('is the README quick start, word for word (importing from the sources instead of the package)', async () => {
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Quick start'));
    const snippet = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(snippet, 'a ts code block under "## Quick start"').to.be.a('string');
    const example = await readFile(join(root, 'examples', 'quick-start.ts'), 'utf8');
    expect(snippet!.replace("from 'rxpool';", "from '../src/index.js';")).to.equal(example);
  });

  it('runs, prints what its comments say, and exits by itself', async function () {
    this.timeout(30_000);
    const run = await runExample('quick-start');
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
    expect(run.stdout).to.equal(
      ['1', '[ 1, 4, 9, 16, 25, 36 ]', 'The task timed out after 50 ms', '6 1', ''].join('\n'),
    );
  });
});
