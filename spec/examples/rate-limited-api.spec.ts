import { expect } from 'chai';
import { runTsx, type Run } from '../support/child.js';

const ITEMS = 60;
const LIMIT = 10; // the API's: requests in any WINDOW ms
const WINDOW = 250;
const INTERVAL = 350; // the pool's rateLimit.interval

interface Section {
  succeeded: number;
  tooMany: number;
  peak: number;
  elapsed: number;
  stats: string;
}

/** The two lines the example prints under `header`, read into numbers. */
function section(stdout: string, header: string): Section {
  const lines = stdout.split('\n');
  const at = lines.indexOf(header);
  expect(at, `a line "${header}" in\n${stdout}`).to.not.equal(-1);
  const match = new RegExp(
    `^  ${ITEMS} requests: (\\d+) succeeded, (\\d+) answered 429; the API saw at most (\\d+) in ${WINDOW} ms; (\\d+) ms$`,
  ).exec(lines[at + 1] ?? '');
  expect(match, `the line after "${header}" in\n${stdout}`).to.not.equal(null);
  const [, succeeded, tooMany, peak, elapsed] = match!.map(Number);
  return {
    succeeded: succeeded!,
    tooMany: tooMany!,
    peak: peak!,
    elapsed: elapsed!,
    stats: lines[at + 2] ?? '',
  };
}

describe('examples/rate-limited-api.ts', () => {
  let run: Run;
  let unlimited: Section;
  let limited: Section;

  before(async function () {
    this.timeout(30_000);
    run = await runTsx('examples/rate-limited-api.ts');
    unlimited = section(run.stdout, 'new Pool({ maxWorkers: 4 }):');
    limited = section(
      run.stdout,
      `new Pool({ maxWorkers: 4, rateLimit: { limit: ${LIMIT}, interval: ${INTERVAL} } }):`,
    );
  });

  it('exits with code 0 and writes nothing to stderr', () => {
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.stderr).to.equal('');
  });

  it('talks to an API on the loopback interface only', () => {
    expect(run.stdout).to.match(
      new RegExp(
        `^API http://127\\.0\\.0\\.1:\\d+: at most ${LIMIT} requests in any ${WINDOW} ms, 429 beyond$`,
        'm',
      ),
    );
  });

  it('without a rate limit, gets 429s: the API sees more than its limit', () => {
    expect(unlimited.tooMany).to.be.greaterThan(0);
    expect(unlimited.succeeded + unlimited.tooMany).to.equal(ITEMS);
    expect(unlimited.peak).to.be.greaterThan(LIMIT);
    expect(unlimited.stats).to.equal(
      `  pool stats: submitted ${ITEMS}, succeeded ${unlimited.succeeded}, failed ${unlimited.tooMany}`,
    );
  });

  it('with the rate limit, every request succeeds: no 429, never more than the limit in a window', () => {
    expect(limited.tooMany, run.stdout).to.equal(0);
    expect(limited.peak, run.stdout).to.be.at.most(LIMIT);
    expect(limited.succeeded).to.equal(ITEMS);
    expect(limited.stats).to.equal(`  pool stats: submitted ${ITEMS}, succeeded ${ITEMS}, failed 0`);
  });

  it('takes at least as long as the rate limit implies', () => {
    // Request 1 + k·LIMIT cannot start before k intervals have passed since the first started.
    const minimum = (Math.ceil(ITEMS / LIMIT) - 1) * INTERVAL;
    expect(limited.elapsed).to.be.at.least(minimum - 5);
  });
});
