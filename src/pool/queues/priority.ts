import { COMPACT_AFTER, type QueueEntry, type TaskQueue } from './task-queue.js';

const before = (a: QueueEntry, b: QueueEntry): boolean =>
  a.priority > b.priority || (a.priority === b.priority && a.id < b.id);

/**
 * A binary max-heap on `priority`, FIFO among equal priorities (ties break on
 * the submission id, so the order is stable). O(log n) push and shift;
 * `delete` is O(1) (the entry is skipped when it surfaces, and the heap is
 * rebuilt when dead entries outnumber live ones).
 */
export class PriorityQueue<E extends QueueEntry> implements TaskQueue<E> {
  #heap: E[] = [];
  #dead = 0;

  get size(): number {
    return this.#heap.length - this.#dead;
  }

  push(entry: E): void {
    const heap = this.#heap;
    let index = heap.length;
    heap.push(entry);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent]!;
      if (!before(entry, above)) break;
      heap[index] = above;
      index = parent;
    }
    heap[index] = entry;
  }

  shift(): E | undefined {
    for (let top = this.#pop(); top !== undefined; top = this.#pop()) {
      if (top.waiting) return top;
      this.#dead--;
    }
    return undefined;
  }

  /** A thief takes the next entry too: a heap has no cheap "last". */
  steal(): E | undefined {
    return this.shift();
  }

  /**
   * The earliest submitted live entry, by a linear scan. It stays in the heap
   * as a dead entry: the caller ends its waiting.
   */
  shiftOldest(): E | undefined {
    let oldest: E | undefined;
    for (const entry of this.#heap)
      if (entry.waiting && (oldest === undefined || entry.id < oldest.id)) oldest = entry;
    if (oldest !== undefined) this.#dead++;
    return oldest;
  }

  delete(_entry: E): void {
    this.#dead++;
    if (this.#dead > COMPACT_AFTER && this.#dead > this.size) this.#compact();
  }

  clear(): E[] {
    const live = this.#heap.filter((entry) => entry.waiting).sort((a, b) => (before(a, b) ? -1 : 1));
    this.#heap = [];
    this.#dead = 0;
    return live;
  }

  #pop(): E | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    // Sift the last entry down from the root.
    const length = heap.length;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = last;
    return top;
  }

  #compact(): void {
    const live = this.#heap.filter((entry) => entry.waiting);
    this.#heap = [];
    this.#dead = 0;
    for (const entry of live) this.push(entry);
  }
}
