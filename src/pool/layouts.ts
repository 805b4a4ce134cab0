/**
 * Object layouts that outlive every pool.
 *
 * V8 lays out the objects of a class through hidden classes ("maps"), and a
 * map lives only while some object has it. Once every object of a pool has
 * been collected, a major GC drops their maps, and with them the optimized
 * code built on those maps. The next pool starts from nothing: new maps,
 * whose fields V8 first takes for constants and widens as the pool lives
 * (the queue grows, many workers go idle, the pool closes), each widening
 * throwing away the code that relied on it, so that the hot functions are
 * compiled again while the pool runs. In benchmark scenario 2 (20,000 tasks
 * that each await a `setImmediate`, on a pool made after the warm-up's pool
 * was collected) that cost about 1.7 times the time of a pool whose maps were
 * kept.
 *
 * So the first pool made in a process first takes two small pools once
 * through the life a pool lives, and keeps them: more warm workers and more
 * queued tasks than a deque's first slots hold, tasks that succeed and
 * tasks that throw, one pool closed, the other left open and idle. A task
 * each for the warm workers runs before the constructor returns, and the
 * rest of their life in the microtasks right after, so that no map widens
 * under code compiled meanwhile. The pools start no timer (`idleTimeout:
 * Infinity`) and hold nothing of the user's; their objects keep every map
 * alive, widened as far as a pool widens it, and code compiled for one pool
 * stays valid for every pool after it.
 */
import type { Future } from '../futures/future.js';
import { INITIAL_SLOTS } from './queues/deque.js';
import type { TaskContext } from './task.js';

/** What a pool offers for this: the calls of its life. */
export interface LivingPool {
  submit(task: (context: TaskContext) => unknown): Future<unknown>;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

/** More than a deque's first slots: the idle stack and the queue both grow once. */
const PAST_FIRST_SLOTS = INITIAL_SLOTS + 1;

/** The options of the pools that keep the maps: warm workers enough to fill the idle stack past its first slots. */
export const KEEPER_OPTIONS = {
  minWorkers: PAST_FIRST_SLOTS,
  maxWorkers: PAST_FIRST_SLOTS,
  idleTimeout: Infinity,
} as const;

const failure = new Error('a task that throws, run once to lay out failed tasks');
const outcomes: ((context: TaskContext) => unknown)[] = [
  () => 1,
  () => {
    throw failure;
  },
];

const kept: unknown[] = [];
let settled = false;

/**
 * Runs once per process, before the first pool is made: `make` builds a pool
 * with {@link KEEPER_OPTIONS}. Later calls do nothing.
 */
export function settleLayouts(make: () => LivingPool): void {
  if (settled) return;
  settled = true;
  live(make(), false);
  live(make(), true);
}

/** The tasks run at once (each on its own warm worker) and return; the pool finishes as their outcomes are told. */
function live(pool: LivingPool, close: boolean): void {
  pool.pause();
  pool.submit((context) => kept.push(context));
  let last: Future<unknown> | undefined;
  for (let i = 0; i < PAST_FIRST_SLOTS; i++) last = pool.submit(outcomes[i % outcomes.length]!);
  pool.resume();
  if (close) void pool.close();
  // Every task has the same map: the last one made keeps it.
  kept.push(pool, last);
}
