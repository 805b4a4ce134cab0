/**
 * Scenario 1 for tools that measure a whole process (valgrind, perf): a
 * 10,000-task warm-up, then `runs` runs of `n` tasks, nothing printed. Run
 * it compiled, as the harness runs its samples (a loader in the process
 * would be counted too):
 *   dir=$(npx tsx bench/build.ts)
 *   node --expose-gc $dir/bench/repeat.js <library> [runs] [n] [concurrency] [all|each]
 *
 * What one run costs is the difference between two counts, `runs` = 3 and
 * `runs` = 1, divided by 2n: start-up, compilation and warm-up cancel out.
 * Instructions per task in steady state, with V8 on one thread so that its
 * background work is counted too:
 *   valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
 *     node --single-threaded --expose-gc $dir/bench/repeat.js rxpool 3 100000
 *
 * The last argument says how the results are awaited: one `Promise.all`
 * (the default) or one `await` per handle.
 */
import { submitAllAndAwait } from './libraries.js';
import { collectGarbage, emptyTask } from './scenario.js';

const [library = 'rxpool', runs = '1', n = '100000', concurrency = '16', awaiting = 'all'] =
  process.argv.slice(2);
if (awaiting !== 'all' && awaiting !== 'each') throw new Error(`awaiting is all or each, not ${awaiting}`);

await submitAllAndAwait(library, 10_000, Number(concurrency), emptyTask, awaiting);
collectGarbage();
for (let run = 0; run < Number(runs); run++) {
  await submitAllAndAwait(library, Number(n), Number(concurrency), emptyTask, awaiting);
}
