/**
 * What one `performance.now()` costs, read as the pool reads it (through the
 * global, whose Node 20 property is a lazy getter) and read off the
 * performance object kept aside (what the pool may not do: a fake clock
 * replaces the global). For tools that count a whole process's
 * instructions: the difference between two counts, `n` = 3,000,000 and
 * 1,000,000, divided by 2,000,000 is one read's cost.
 *   dir=$(npx tsx bench/build.ts)
 *   valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
 *     node $dir/bench/clock-cost.js [global|kept] 1000000
 */
const [how = 'global', count = '1000000'] = process.argv.slice(2);
if (how !== 'global' && how !== 'kept') throw new Error(`how is global or kept, not ${how}`);

const kept = performance;
const n = Number(count);
let sum = 0;
if (how === 'global') for (let i = 0; i < n; i++) sum += performance.now();
else for (let i = 0; i < n; i++) sum += kept.now();
// Used, so that no read is optimised away.
if (sum < 0) console.log(sum);
