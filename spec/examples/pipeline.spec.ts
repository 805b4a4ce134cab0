import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { runTsx, type Run } from '../support/child.js';

describe('examples/pipeline.ts', () => {
  let run: Run;

  before(async function () {
    this.timeout(30_000);
    run = await runTsx('examples/pipeline.ts');
  });

  it('exits by itself with code 0 and writes nothing to stderr', () => {
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
  });

  it('compresses and verifies every file, and nothing fails', () => {
    expect(run.stdout).to.match(/compressed 48 files, 12\.0 MiB → \d+\.\d MiB, every round trip verified/);
    expect(run.stdout).to.contain('stats: submitted 48, succeeded 48, failed 0, cancelled 0, rejected 0');
  });

  it('reports throughput and latency as it goes', () => {
    const reports = run.stdout.match(
      /\d+\/48 files \| \d+\.\d files\/s \| wait p50 [\d.]+ p90 [\d.]+ p99 [\d.]+ ms \| run p50 [\d.]+ p90 [\d.]+ p99 [\d.]+ ms/g,
    );
    expect(reports).to.have.length.of.at.least(3);
  });

  it('autoscale grows the pool for the bursts and shrinks it back to 1', () => {
    const steps = [...run.stdout.matchAll(/autoscale: maxWorkers (\d+) → (\d+)/g)].map(([, from, to]) => [
      Number(from),
      Number(to),
    ]);
    expect(
      steps.some(([from, to]) => to! > from!),
      'a scale up',
    ).to.equal(true);
    expect(
      steps.some(([from, to]) => to! < from!),
      'a scale down',
    ).to.equal(true);
    expect(steps.every(([, to]) => to! >= 1 && to! <= 8)).to.equal(true);
    expect(steps.at(-1)![1]).to.equal(1);
  });

  it('removes its temp directory', () => {
    const removed = /removed (.+)$/m.exec(run.stdout)?.[1];
    expect(removed).to.be.a('string').and.to.contain('rxpool-pipeline-');
    expect(existsSync(removed!)).to.equal(false);
  });
});
