/**
 * What `Promise.all` costs per element, for native promises and for rxpool
 * Futures, all pending when it is called:
 *   node --expose-gc --import tsx bench/promise-all.ts [n] [rounds]
 *
 * V8 takes its fast path for an element only if the element's prototype is
 * `Promise.prototype`. A Future is a subclass instance, so each one costs a
 * derived promise and generic property lookups; `await future` has no such
 * cost. The timed part is the `Promise.all` call itself: settling and
 * awaiting come after, untimed. Rounds alternate between the two kinds.
 */
import { Pool } from '../src/index.js';
import { summarise } from './report.js';

const n = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 7);

interface Pending {
  readonly handles: PromiseLike<unknown>[];
  settle(): Promise<void>;
}

function nativePromises(count: number): Pending {
  const resolvers: (() => void)[] = [];
  const handles = Array.from(
    { length: count },
    () => new Promise<void>((resolve) => resolvers.push(resolve)),
  );
  return {
    handles,
    settle: async () => {
      for (const resolve of resolvers) resolve();
    },
  };
}

function futures(count: number): Pending {
  const pool = new Pool({ maxWorkers: 1 });
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  pool.submit(() => gate);
  const handles = Array.from({ length: count }, () => pool.submit(() => undefined));
  return {
    handles,
    settle: () => {
      open();
      return pool.close();
    },
  };
}

/** Nanoseconds per element for one `Promise.all` call over `count` pending handles. */
async function measure(make: (count: number) => Pending, count: number): Promise<number> {
  const pending = make(count);
  globalThis.gc?.();
  const start = performance.now();
  const all = Promise.all(pending.handles);
  const elapsed = performance.now() - start;
  await pending.settle();
  await all;
  return (elapsed * 1e6) / count;
}

const kinds = { 'native promise': nativePromises, 'rxpool Future': futures };
const samples = new Map<string, number[]>(Object.keys(kinds).map((name) => [name, []]));
for (const make of Object.values(kinds)) await measure(make, Math.min(n, 10_000)); // warm-up
for (let round = 0; round < rounds; round++) {
  for (const [name, make] of Object.entries(kinds)) samples.get(name)!.push(await measure(make, n));
}
const base = summarise(samples.get('native promise')!).median;
console.log(
  `Promise.all over ${n.toLocaleString('en-US')} pending handles, ${rounds} rounds, Node ${process.version}`,
);
for (const [name, values] of samples) {
  const value = summarise(values).median;
  console.log(
    `${name.padEnd(15)} ${value.toFixed(0).padStart(5)} ns per element  ${(value / base).toFixed(2)}×`,
  );
}
