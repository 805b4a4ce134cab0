/**
 * What a task group adds to a task: `n` tasks (`async () => i`) submitted at
 * once to a pool of 16 workers and awaited, bare (`Promise.all` over the
 * Futures), through `pool.group().wait()`, and through a fail-fast group.
 * Rounds alternate between the three; each prints its median over them:
 *   npx tsx bench/group-cost.ts [n] [rounds]
 */
import { Pool, type Future } from '../src/index.js';
import { summarise } from './report.js';

const n = Number(process.argv[2] ?? 50_000);
const rounds = Number(process.argv[3] ?? 7);

type Way = 'bare' | 'group' | 'failFast';

async function timed(way: Way): Promise<number> {
  const pool = new Pool({ maxWorkers: 16 });
  const start = performance.now();
  if (way === 'bare') {
    const futures: Future<number>[] = [];
    for (let i = 0; i < n; i++) futures.push(pool.submit(async () => i));
    await Promise.all(futures);
  } else {
    const group = pool.group<number>({ failFast: way === 'failFast' });
    for (let i = 0; i < n; i++) group.submit(async () => i);
    await group.wait();
  }
  const elapsed = performance.now() - start;
  await pool.close();
  return elapsed;
}

const ways: Way[] = ['bare', 'group', 'failFast'];
const samples = new Map<Way, number[]>(ways.map((way) => [way, []]));
for (let round = 0; round < rounds; round++) {
  for (const way of ways) samples.get(way)!.push(await timed(way));
}
const bare = summarise(samples.get('bare')!).median;
for (const way of ways) {
  const { median } = summarise(samples.get(way)!);
  console.log(`${way.padEnd(8)} ${median.toFixed(1).padStart(8)} ms  ${(median / bare).toFixed(2)}× bare`);
}
