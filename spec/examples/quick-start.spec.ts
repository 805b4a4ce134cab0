import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { root, runTsx } from '../support/child.js';

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
    const run = await runTsx('examples/quick-start.ts');
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
    expect(run.stdout).to.equal(
      ['1', '[ 1, 4, 9, 16, 25, 36 ]', 'The task timed out after 50 ms', '6 1', ''].join('\n'),
    );
  });
});
