/**
 * What the two clock reads per task that `Future.timing` needs cost a
 * limiter that has nothing else: the floor of scenario 1, as it is, with
 * `performance.now()` read at submission and at completion and the results
 * dropped, and with them kept in a record per task:
 *   node --expose-gc --import tsx bench/timing-cost.ts [n] [rounds] [concurrency]
 *
 * rxpool makes the same two reads per task (the completion's reading also
 * dates the start of the next task). Rounds alternate between the three
 * forms, in one process, after a warm-up of each.
 */
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

/** `bench/floor.ts`, with the clock read as `clock` says. */
function timedFloor(limit: number, clock: Clock) {
  let running = 0;
  let head = 0;
  const waiting: ((() => void) | undefined)[] = [];
  const next = (): void => {
    running--;
    if (head === waiting.length) return;
    const start = waiting[head]!;
    waiting[head++] = undefined;
    if (head === waiting.length) waiting.length = head = 0;
    start();
  };
  const read = (moments: Moments | undefined, key: keyof Moments): void => {
    if (clock === 'none') return;
    const at = performance.now();
    if (moments === undefined) reads += at > 0 ? 1 : 0;
    else moments[key] = at;
  };
  return <T>(task: () => PromiseLike<T>) =>
    new Promise<T>((resolve, reject) => {
      const moments = clock === 'keep' ? { submittedAt: 0, settledAt: 0 } : undefined;
      read(moments, 'submittedAt');
      const start = (): void => {
        running++;
        task().then(
          (value) => {
            read(moments, 'settledAt');
            next();
            resolve(value);
          },
          (error: unknown) => {
            next();
            reject(error);
          },
        );
      };
      if (running < limit) start();
      else waiting.push(start);
    });
}

/** Milliseconds for `count` empty async tasks submitted at once, every result awaited. */
async function measure(clock: Clock, count: number): Promise<number> {
  const submit = timedFloor(concurrency, clock);
  const task = async (): Promise<void> => {};
  globalThis.gc?.();
  const start = performance.now();
  const handles: Promise<void>[] = [];
  for (let i = 0; i < count; i++) handles.push(submit(task));
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
