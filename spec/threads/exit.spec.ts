import { expect } from 'chai';
import { runTsx } from '../support/child.js';

/** Runs a fixture as its own process, with the pool's threads under tsx too; expects it to print `output` and exit 0. */
async function expectRun(fixture: string, output: string): Promise<void> {
  const { code, stdout, stderr } = await runTsx(`spec/threads/fixtures/${fixture}`, {
    preloads: ['./spec/support/threads.mjs'],
  });
  expect(stdout + stderr).to.equal(output);
  expect(code).to.equal(0);
}

describe('ThreadPool after close()', () => {
  it('no thread, timer or handle is left, and idle threads hold nothing: the process exits by itself', async function () {
    this.timeout(30_000);
    await expectRun(
      'close-and-exit.ts',
      'closed after 9 tasks (2 on caller-runs): 55 89 144 233 377 610 2 4 6\n',
    );
  });
});

describe('ThreadPool, once close() or terminate() has resolved', () => {
  it("holds nothing: its threads have exited, as after piscina's destroy()", async function () {
    this.timeout(30_000);
    await expectRun('closed-holds-nothing.ts', '[]\n');
  });
});

describe('ThreadPool under `node --import tsx` alone', () => {
  it('runs a TypeScript module, though on Node 20 tsx registers its import hooks on the main thread only', async function () {
    this.timeout(30_000);
    const { code, stdout, stderr } = await runTsx('spec/threads/fixtures/plain-tsx.ts');
    expect(stdout + stderr).to.equal('5 true\n');
    expect(code).to.equal(0);
  });
});

describe("ThreadPool and a thread's output", () => {
  it('what a task printed reaches the process before its answer, so close() and an idle timeout lose none of it', async function () {
    this.timeout(30_000);
    const { code, stdout, stderr } = await runTsx('spec/threads/fixtures/print-and-exit.ts', {
      preloads: ['./spec/support/threads.mjs'],
    });
    const printed = (label: string): number =>
      stdout.split('\n').filter((line) => line.startsWith(`${label} `)).length;
    expect([printed('closed-a'), printed('closed-b'), printed('idle')]).to.deep.equal([2000, 2000, 2000]);
    expect(stderr.split('\n').filter(Boolean).sort()).to.deep.equal([
      'closed-a done',
      'closed-b done',
      'idle done',
    ]);
    expect(code).to.equal(0);
  });
});

describe('ThreadPool stopping a thread that loops', () => {
  it('terminate(), and close() after an abortGrace, resolve though nothing else holds the process open', async function () {
    this.timeout(30_000);
    await expectRun('terminate-a-loop.ts', 'terminate() resolved: cancelled\nclose() resolved: cancelled\n');
  });
});
