import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runTsx, type Run } from '../support/child.js';

describe('examples/bounded-producer.ts', () => {
  let run: Run;

  before(async function () {
    this.timeout(30_000);
    run = await runTsx('examples/bounded-producer.ts');
  });

  it('exits with code 0 and writes nothing to stderr', () => {
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
  });

  it('exports every record through the bounded queue and nothing is rejected', () => {
    expect(run.stdout).to.contain(
      'stats: submitted 500, succeeded 500, failed 0, cancelled 0, rejected 0; workers 0, closed true',
    );
    expect(run.stdout).to.match(/^wrote and verified 500 files, \d+\.\d KiB, in \d+\.\d\d s$/m);
  });

  it('never lets the queue grow past its capacity', () => {
    const [, queued, inFlight] = /^peak queue depth (\d+) of 16; peak in flight (\d+)$/m.exec(run.stdout)!;
    expect(Number(queued)).to.be.within(1, 16);
    expect(Number(inFlight)).to.be.at.most(4 + 16);
  });

  it('works in a fresh directory under the OS temp dir and removes it', () => {
    const [, dir] = /^removed (.+)$/m.exec(run.stdout)!;
    expect(dir!.startsWith(tmpdir())).to.equal(true);
    expect(run.stdout).to.contain(`exporting 500 records to ${dir} through new Pool(`);
    expect(existsSync(dir!)).to.equal(false);
  });
});
