/**
 * What the two clock reads per task that `Future.timing` needs cost a
 * limiter that has nothing else: the floor of scenario 1 (`bench/floor.ts`,
 * unchanged), with `performance.now()` read at submission and as each task
 * ends and the results dropped, and with them kept in a record per task:
 *   node --expose-gc --import tsx bench/timing-cost.ts [n] [rounds] [concurrency]
 *
 * rxpool makes the same two reads per task (the completion's reading also
 * dates the start of the next task). The reading at completion is taken as
 * the task's function returns, so the floor's own code is the same in all
 * three forms. Rounds alternate between them, in one process, after a
 * warm-up of each.
 */
import { floorLimit } from './floor.js';
import { summarise } from './report.js';

const n = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 7);
const concurrency = Number(process.argv[4] ?? 16);

type Clock = 'none' | 'read' | 'keep';

/** When a task was submitted and settled, as a limiter with timing would keep it. */
interface Moments {
  submittedAt: number;
  settledAt: number;
}

let reads = 0;

/** Milliseconds for `count` empty async tasks submitted at once, every result awaited. */
async function measure(clock: Clock, count: number): Promise<number> {
  const limit = floorLimit(concurrency);
  const moments: Moments[] = [];
  let ended = 0;
  // Empty tasks end in the order they start, which is the order of submission.
  const task =
    clock === 'none'
      ? async (): Promise<void> => {}
      : clock === 'read'
        ? async (): Promise<void> => {
            reads += performance.now() > 0 ? 1 : 0;
          }
        : async (): Promise<void> => {
            moments[ended++]!.settledAt = performance.now();
          };
  globalThis.gc?.();
  const start = performance.now();
  const handles: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    if (clock === 'read') reads += performance.now() > 0 ? 1 : 0;
    else if (clock === 'keep') moments.push({ submittedAt: performance.now(), settledAt: 0 });
    handles.push(limit(task));
  }
  await Promise.all(handles);
  return performance.now() - start;
}

const forms: Record<Clock, string> = {
  none: 'floor',
  read: 'floor + 2 reads',
  keep: 'floor + 2 reads kept',
};
const samples = new Map<Clock, number[]>();
for (const clock of Object.keys(forms) as Clock[]) {
  samples.set(clock, []);
  await measure(clock, Math.min(n, 10_000)); // warm-up
}
for (let round = 0; round < rounds; round++) {
  for (const [clock, values] of samples) values.push(await measure(clock, n));
}
const base = summarise(samples.get('none')!).median;
console.log(
  `${n.toLocaleString('en-US')} empty tasks at concurrency ${concurrency}, ${rounds} rounds, Node ${process.version}`,
);
for (const [clock, values] of samples) {
  const value = summarise(values).median;
  console.log(`${forms[clock].padEnd(21)} ${value.toFixed(1).padStart(7)} ms  ${(value / base).toFixed(2)}×`);
}
if (reads < 0) console.log(reads); // keeps the dropped readings observable
