/**
 * The work of scenario 8 (`threads`), defined once: every library's worker
 * runs these functions. rxpool's `ThreadPool` loads this module as it is (a
 * plain ES module exporting functions); the peers' worker files wrap the
 * same functions in their libraries' formats.
 */
import { threadId } from 'node:worker_threads';

/** The `tiny` task: next to nothing to do, so its time is the pool's messaging. */
export function add(a: number, b: number): number {
  return a + b;
}

/** Iterations of {@link spin} in one `cpu` task: about 1 ms on the machine these figures come from. */
export const spinIterations = 500_000;

/** The `cpu` task: a 32-bit FNV-style hash stirred `iterations` times from `seed`; CPU only. */
export function spin(seed: number, iterations: number): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < iterations; i++) {
    hash ^= i & 0xff;
    hash = Math.imul(hash, 0x01000193);
    hash ^= hash >>> 13;
  }
  return hash >>> 0;
}

/** Spins briefly, then says which thread ran it: how a warm-up knows every thread has answered. */
export function whichThread(iterations: number): number {
  spin(0, iterations);
  return threadId;
}
