import type { QueueEntry } from './task-queue.js';

/**
 * The waiting entries in the order they arrived, wherever each waits (a
 * heap, behind its key, in a worker's own queue): what a pool that discards
 * its oldest task asks for at every submission once its queue is full. Such
 * a pool blocks nothing and places each task as it is submitted, before any
 * listener hears of it: entries arrive in submission order, so the first
 * still waiting is the oldest.
 *
 * `push` and `oldest()` are amortised O(1): entries that stopped waiting
 * (started, cancelled) are dropped from the front as they surface, and all
 * at once when they outnumber the waiting ones, so the index never holds
 * more than about twice the queue; `clear()` lets go of every one once
 * nothing waits. A settled task kept here would keep its result alive.
 */
export class Arrivals<E extends QueueEntry> {
  #entries: (E | undefined)[] = [];
  #head = 0;

  /** An entry arrives; `waiting` is how many wait in all, it included. */
  push(entry: E, waiting: number): void {
    this.oldest(); // those in front that started, as most do in order, go now
    this.#entries.push(entry);
    // The slots before the head count too: they are freed only by a compaction.
    if (this.#entries.length > 2 * waiting + 32) this.#compact();
  }

  /** The first entry still waiting, left in place. */
  oldest(): E | undefined {
    const entries = this.#entries;
    while (this.#head < entries.length) {
      const entry = entries[this.#head]!;
      if (entry.waiting) return entry;
      entries[this.#head++] = undefined;
    }
    entries.length = this.#head = 0;
    return undefined;
  }

  /** Nothing waits any more (the pool is idle): lets go of every entry. */
  clear(): void {
    this.#entries = [];
    this.#head = 0;
  }

  #compact(): void {
    const waiting: E[] = [];
    for (let i = this.#head; i < this.#entries.length; i++) {
      const entry = this.#entries[i]!;
      if (entry.waiting) waiting.push(entry);
    }
    this.#entries = waiting;
    this.#head = 0;
  }
}
