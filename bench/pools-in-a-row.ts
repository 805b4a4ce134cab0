/**
 * Pool after pool in one process: scenario 2's workload (n tasks that each
 * await one `setImmediate`, concurrency 64) on a new pool each time, with the
 * garbage collected in between, as happens to a program that makes a pool per
 * batch or per test. The first run warms up; each later one should take as
 * long as the one before it, for every library:
 *   node --expose-gc --import tsx bench/pools-in-a-row.ts [pools] [n]
 * Run it compiled (`dir=$(npx tsx bench/build.ts)`, then
 * `node --expose-gc $dir/bench/pools-in-a-row.js`) for figures without a loader.
 */
import { submitAllAndAwait } from './libraries.js';
import { summarise } from './report.js';
import { collectGarbage, oneHop } from './scenario.js';

const pools = Number(process.argv[2] ?? 8);
const n = Number(process.argv[3] ?? 20_000);
const concurrency = 64;

for (const library of ['floor', 'rxpool']) {
  const times: number[] = [];
  for (let i = 0; i <= pools; i++) {
    collectGarbage();
    times.push(await submitAllAndAwait(library, n, concurrency, oneHop));
  }
  const [warmUp, ...rest] = times;
  console.log(
    `${library.padEnd(7)} warm-up ${warmUp!.toFixed(0).padStart(4)} ms, then ` +
      `${rest.map((time) => time.toFixed(0)).join(' ')} ms (median ${summarise(rest).median.toFixed(0)})`,
  );
}
