import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { withoutCoverage } from './support/child.js';

const run = promisify(execFile);
const fixtures = 'spec/fixtures/package';

/** Runs `node` from the package root, where `rxpool` names this package. */
async function node(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, args, { env: withoutCoverage() });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`node ${args.join(' ')} failed:\n${stdout}${stderr}`, { cause: error });
  }
}

describe('the built package', function () {
  this.timeout(120_000);

  before(async () => {
    await node('scripts/build.mjs');
  });

  for (const [format, file] of [
    ['ESM import', 'run.mjs'],
    ['CommonJS require', 'run.cjs'],
  ] as const) {
    it(`works through ${format} of rxpool, rxpool/operators and rxpool/threads`, async () => {
      const output = JSON.parse(await node(`${fixtures}/${file}`)) as unknown;
      expect(output).to.deep.equal({
        direct: file.endsWith('.mjs') ? 'esm' : 'cjs',
        streamed: [10, 20, 30],
        squared: 49,
      });
    });
  }

  it("errors of one build are instances of the other build's classes, and of no others", async () => {
    const output = JSON.parse(await node(`${fixtures}/both-builds.mjs`)) as unknown;
    expect(output).to.deep.equal({
      distinctClasses: true,
      esmErrorAsCjs: ['PoolError', 'QueueFullError'],
      cjsErrorAsEsm: ['PoolError', 'QueueFullError'],
      plainError: [],
    });
  });

  it('gives an importing and a requiring TypeScript user its types', async () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const consumers = [`${fixtures}/consumer.mts`, `${fixtures}/consumer.cts`];
    const flags = ['--ignoreConfig', '--noEmit', '--strict', '--target', 'es2022', '--types', 'node'];
    await node(tsc, ...flags, '--module', 'nodenext', '--moduleResolution', 'nodenext', ...consumers);
  });

  it('gives its types to a TypeScript user still on the node10 resolution, which reads no exports', async () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const flags = ['--ignoreConfig', '--noEmit', '--strict', '--target', 'es2022', '--types', 'node'];
    const legacy = ['--module', 'commonjs', '--moduleResolution', 'node10', '--ignoreDeprecations', '6.0'];
    // node10 has no self-reference by name: the consumer sits in a project that has rxpool installed.
    const project = await mkdtemp(join(tmpdir(), 'rxpool-node10-'));
    try {
      await mkdir(join(project, 'node_modules'));
      await symlink(process.cwd(), join(project, 'node_modules', 'rxpool'), 'dir');
      await symlink(resolve('node_modules/@types'), join(project, 'node_modules', '@types'), 'dir');
      await copyFile(`${fixtures}/consumer.cts`, join(project, 'consumer.cts'));
      await node(
        tsc,
        ...flags,
        '--typeRoots',
        join(project, 'node_modules/@types'),
        ...legacy,
        join(project, 'consumer.cts'),
      );
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });

  it('lets a user read its package.json, as tools do', () => {
    const manifest = createRequire(import.meta.url)('rxpool/package.json') as { name: string };
    expect(manifest.name).to.equal('rxpool');
  });

  it('ships source maps that carry their sources, since the package has no src/', () => {
    for (const format of ['esm', 'cjs']) {
      const map = JSON.parse(readFileSync(`dist/${format}/pool/core.js.map`, 'utf8')) as {
        sources: string[];
        sourcesContent?: string[];
      };
      expect(map.sourcesContent, format).to.have.length(map.sources.length);
      expect(map.sourcesContent![0], format).to.contain('export class PoolCore');
    }
  });
});
