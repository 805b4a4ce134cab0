import type { QueueEntry } from './queues/index.js';

interface Lane<E> {
  waiting: E[];
  head: number;
}

/**
 * Keyed serialisation: at most one task per key is in the queue or running;
 * the key's later tasks wait here, in submission order. A key with nothing
 * waiting or running holds no memory.
 */
export class KeyLanes<E extends QueueEntry & { readonly key: string | undefined; inLane: boolean }> {
  readonly #lanes = new Map<string, Lane<E>>();
  #waiting = 0;

  /** Tasks waiting behind their key. */
  get size(): number {
    return this.#waiting;
  }

  /** True if a task of this key is queued or running. */
  busy(key: string): boolean {
    return this.#lanes.has(key);
  }

  /** Marks the key busy: its task goes to the queue. */
  acquire(key: string): void {
    this.#lanes.set(key, { waiting: [], head: 0 });
  }

  /** Parks a task behind its busy key. */
  park(entry: E): void {
    const lane = this.#lanes.get(entry.key!)!;
    lane.waiting.push(entry);
    entry.inLane = true;
    this.#waiting++;
  }

  /** Forgets a parked task that stopped waiting (cancelled). */
  delete(entry: E): void {
    entry.inLane = false;
    this.#waiting--;
  }

  /**
   * The key's running or queued task is done: returns the key's next task
   * (which now holds the key), or frees the key.
   */
  release(key: string): E | undefined {
    const lane = this.#lanes.get(key);
    if (lane === undefined) return undefined;
    while (lane.head < lane.waiting.length) {
      const next = lane.waiting[lane.head]!;
      lane.waiting[lane.head++] = undefined as unknown as E;
      if (next.inLane) {
        next.inLane = false;
        this.#waiting--;
        if (lane.head === lane.waiting.length) {
          lane.waiting = [];
          lane.head = 0;
        }
        return next;
      }
    }
    this.#lanes.delete(key);
    return undefined;
  }

  /** Removes and returns every parked task, and frees every key. */
  clear(): E[] {
    const parked: E[] = [];
    for (const lane of this.#lanes.values()) {
      for (let i = lane.head; i < lane.waiting.length; i++) {
        const entry = lane.waiting[i]!;
        if (entry.inLane) {
          entry.inLane = false;
          parked.push(entry);
        }
      }
    }
    this.#lanes.clear();
    this.#waiting = 0;
    return parked;
  }
}
