import { expect } from 'chai';
import { runTsx, type Run } from '../support/child.js';

/** The number after `label` in a line of output: `numberAfter('ok 12 failed 3', 'failed')` is 3. */
function numberAfter(text: string, label: string): number {
  const match = new RegExp(`${label} (\\d+)`).exec(text);
  expect(match, `"${label} <n>" in ${text}`).to.not.equal(null);
  return Number(match![1]);
}

function lineStarting(lines: string[], prefix: string): string {
  const line = lines.find((candidate) => candidate.trimStart().startsWith(prefix));
  expect(line, `a line starting with "${prefix}"`).to.be.a('string');
  return line!;
}

describe('examples/demo.ts (npm start)', () => {
  let run: Run;
  let lines: string[];

  before(async function () {
    this.timeout(30_000);
    // It closes the pool and the server, so the process exits by itself: one still running
    // after runTsx's limit is killed, and its code is then null, not 0.
    run = await runTsx('examples/demo.ts');
    lines = run.stdout.split('\n');
  });

  it('exits with code 0 and writes nothing to stderr', () => {
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
  });

  it('talks to a server on the loopback interface only', () => {
    expect(lines[0]).to.match(/^GET 200 items from http:\/\/127\.0\.0\.1:\d+ through new Pool\(/);
  });

  it('prints progress a tenth at a time when stdout is not a terminal, up to 100%', () => {
    expect(run.stdout).to.not.contain('\r').and.not.contain('\x1b[');
    const progress = lines.filter((line) => /^\[[#.]{20}\]/.test(line));
    expect(progress.length).to.be.within(5, 30);
    expect(progress.at(-1)).to.match(/\] 100% (\d+)\/\1 \| workers \d+ busy \d+ queued 0 \|/);
    for (const line of progress) {
      expect(numberAfter(line, 'busy')).to.be.at.most(8);
      expect(numberAfter(line, 'workers')).to.be.at.most(8);
    }
  });

  it('removes five items: two in flight, three queued', () => {
    expect(lineStarting(lines, 'removed items')).to.match(
      /^removed items \d+, \d+ \(in flight\) and \d+, \d+, \d+ \(queued\)$/,
    );
  });

  it('sums up tasks whose counts add up to the number submitted', () => {
    const tasks = lineStarting(lines, 'tasks:');
    const submitted = numberAfter(tasks, 'submitted');
    const succeeded = numberAfter(tasks, 'succeeded');
    const failed = numberAfter(tasks, 'failed');
    const cancelled = numberAfter(tasks, 'cancelled');
    const rejected = numberAfter(tasks, 'rejected');
    const retried = numberAfter(lineStarting(lines, 'retrying'), 'retrying');
    expect(submitted).to.equal(200 + retried);
    expect(succeeded + failed + cancelled + rejected).to.equal(submitted);
    expect(cancelled).to.equal(5);
    expect(rejected).to.equal(0);
    expect(succeeded).to.be.above(150);

    // Every failed or cancelled task appears once among the errors by class.
    const start = lines.indexOf('Errors by class (every attempt)');
    const byClass = lines.slice(start + 1, lines.indexOf('', start));
    const counted = byClass.map((line) => Number(/^\s+\w+\s+(\d+)\s+e\.g\. /.exec(line)![1]));
    expect(counted.reduce((a, b) => a + b, 0)).to.equal(failed + cancelled);
    expect(lineStarting(byClass, 'CancelledError')).to.contain('(cause: removed from the list)');
    expect(lineStarting(byClass, 'HttpError')).to.contain('HTTP 500 from /items/');
  });

  it('accounts for every item: fetched, removed or failed after a retry', () => {
    const items = lineStarting(lines, 'items:');
    const [, fetched, removed, failed] = /(\d+) of 200 fetched .*, (\d+) removed, (\d+) failed/.exec(items)!;
    expect(Number(fetched) + Number(removed) + Number(failed)).to.equal(200);
  });

  it('reports workers started for demand and all of them stopped', () => {
    const up = lineStarting(lines, 'up ');
    const down = lineStarting(lines, 'down ');
    expect(up).to.match(/^\s+up\s+(\d+) workers \(demand \1\)$/);
    expect(down).to.contain('shutdown');
    expect(numberAfter(up, 'up\\s*')).to.equal(numberAfter(down, 'down\\s*'));
    expect(lineStarting(lines, 'peak ')).to.match(/peak\s+8 workers/);
    expect(lineStarting(lines, 'wall time')).to.match(/^\s+wall time \d+\.\d\d s$/);
  });
});
