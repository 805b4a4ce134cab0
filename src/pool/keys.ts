import { Deque } from './queues/deque.js';
import type { QueueEntry } from './queues/index.js';

/**
 * Keyed serialisation: at most one task per key is in the queue or running;
 * the key's later tasks wait here, in submission order. A busy key with
 * nothing waiting behind it holds a map entry and no more; its lane is made
 * when a task first waits behind it. A lane is a ring buffer: a key that
 * stays busy for good, with tasks always waiting, holds only the slots they
 * fill, and tasks cancelled while they wait are swept as any queue sweeps
 * them.
 */
export class KeyLanes<E extends QueueEntry & { readonly key: string | undefined; inLane: boolean }> {
  readonly #lanes = new Map<string, Deque<E> | null>();
  #waiting = 0;

  /** Tasks waiting behind their key. */
  get size(): number {
    return this.#waiting;
  }

  /** True if a task of this key is queued or running. */
  busy(key: string): boolean {
    return this.#lanes.has(key);
  }

  /** True if tasks wait behind this key. */
  waitingBehind(key: string): boolean {
    return (this.#lanes.get(key)?.size ?? 0) > 0;
  }

  /** Marks the key busy: its task goes to the queue. */
  acquire(key: string): void {
    this.#lanes.set(key, null);
  }

  /** Parks a task behind its busy key. */
  park(entry: E): void {
    const key = entry.key!;
    let lane = this.#lanes.get(key);
    if (lane == null) this.#lanes.set(key, (lane = new Deque<E>()));
    lane.push(entry);
    entry.inLane = true;
    this.#waiting++;
  }

  /** Forgets a parked task that stops waiting (cancelled). */
  delete(entry: E): void {
    entry.inLane = false;
    this.#waiting--;
    this.#lanes.get(entry.key!)?.delete(entry);
  }

  /**
   * The key's running or queued task is done: returns the key's next task
   * (which now holds the key), or frees the key.
   */
  release(key: string): E | undefined {
    const next = this.#lanes.get(key)?.shift();
    if (next === undefined) {
      this.#lanes.delete(key);
      return undefined;
    }
    next.inLane = false;
    this.#waiting--;
    return next;
  }

  /** Every parked task, as a copy. */
  values(): E[] {
    const parked: E[] = [];
    for (const lane of this.#lanes.values()) if (lane !== null) parked.push(...lane.values());
    return parked;
  }

  /** Removes and returns every parked task, and frees every key. */
  clear(): E[] {
    const parked: E[] = [];
    for (const lane of this.#lanes.values()) {
      for (const entry of lane?.clear() ?? []) {
        entry.inLane = false;
        parked.push(entry);
      }
    }
    this.#lanes.clear();
    this.#waiting = 0;
    return parked;
  }
}
