import { COMPACT_AFTER, older, type QueueEntry, type TaskQueue } from './task-queue.js';

/** Whether `a` starts before `b`. */
export type Order = (a: QueueEntry, b: QueueEntry) => boolean;

/** Higher priority first, then submission order. */
export const byPriority: Order = (a, b) =>
  a.priority > b.priority || (a.priority === b.priority && a.id < b.id);

/**
 * A binary max-heap on `priority`, FIFO among equal priorities (ties break on
 * the submission id, so the order is stable). O(log n) push and shift;
 * `delete` is O(1) (the entry is skipped when it surfaces, and the heap is
 * rebuilt when dead entries outnumber live ones).
 */
export class PriorityQueue<E extends QueueEntry> implements TaskQueue<E> {
  readonly #before: Order;
  #heap: E[] = [];
  #dead = 0;

  /** @param before the order entries start in: by priority unless given. */
  constructor(before: Order = byPriority) {
    this.#before = before;
  }

  get size(): number {
    return this.#heap.length - this.#dead;
  }

  push(entry: E): void {
    this.#heap.push(entry);
    this.#siftUp(this.#heap.length - 1);
  }

  shift(): E | undefined {
    for (let top = this.#pop(); top !== undefined; top = this.#pop()) {
      if (top.waiting) return top;
      this.#dead--;
    }
    return undefined;
  }

  peek(): E | undefined {
    const heap = this.#heap;
    while (heap.length > 0 && !heap[0]!.waiting) {
      this.#pop();
      this.#dead--;
    }
    return heap[0];
  }

  /** A thief takes the next entry too: a heap has no cheap "last". */
  steal(): E | undefined {
    return this.shift();
  }

  /** The earliest submitted live entry: a linear scan (a heap keeps no submission order). */
  oldest(): E | undefined {
    let oldest: E | undefined;
    for (const entry of this.#heap) if (entry.waiting) oldest = older(oldest, entry);
    return oldest;
  }

  delete(entry: E): void {
    this.#dead++;
    if (this.#dead > COMPACT_AFTER && this.#dead > this.size) this.#compact(entry);
  }

  clear(): E[] {
    const before = this.#before;
    const live = this.#heap.filter((entry) => entry.waiting).sort((a, b) => (before(a, b) ? -1 : 1));
    this.#heap = [];
    this.#dead = 0;
    return live;
  }

  #pop(): E | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0) {
      heap[0] = last!;
      this.#siftDown(0);
    }
    return top;
  }

  /** Moves the entry at `index` up to its place; returns where it landed. */
  #siftUp(index: number): number {
    const heap = this.#heap;
    const before = this.#before;
    const entry = heap[index]!;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent]!;
      if (!before(entry, above)) break;
      heap[index] = above;
      index = parent;
    }
    heap[index] = entry;
    return index;
  }

  #siftDown(index: number): void {
    const heap = this.#heap;
    const before = this.#before;
    const length = heap.length;
    const entry = heap[index]!;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, entry)) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = entry;
  }

  /** Sweeps dead entries, and `deleted`, which may not have stopped waiting yet. */
  #compact(deleted: E): void {
    const live = this.#heap.filter((entry) => entry.waiting && entry !== deleted);
    this.#heap = [];
    this.#dead = 0;
    for (const entry of live) this.push(entry);
  }
}
