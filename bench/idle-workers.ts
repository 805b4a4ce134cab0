/**
 * What stopping many idle workers costs. A pool with `maxWorkers: Infinity`
 * runs n tasks at once that each cross the event loop, so it starts n
 * workers; `close()` then stops them all, idle. Linear time means the close
 * takes about as much longer as n is larger:
 *   node --import tsx bench/idle-workers.ts [n ...]
 */
import { Pool } from '../src/index.js';

const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [10_000, 40_000, 100_000];

for (const n of sizes) {
  const pool = new Pool({ maxWorkers: Infinity });
  const futures = Array.from({ length: n }, () =>
    pool.submit(() => new Promise<void>((resolve) => setImmediate(resolve))),
  );
  await Promise.all(futures);
  const workers = pool.stats.workers;
  const start = performance.now();
  await pool.close();
  const elapsed = performance.now() - start;
  console.log(
    `${workers.toLocaleString('en-US')} idle workers: close() took ${elapsed.toFixed(1)} ms, ` +
      `${((elapsed * 1e6) / workers).toFixed(0)} ns per worker`,
  );
}
