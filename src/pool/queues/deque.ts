import { COMPACT_AFTER, type QueueEntry, type TaskQueue } from './task-queue.js';

/** The slots a deque starts with; it doubles them when they are all in use. */
export const INITIAL_SLOTS = 16;

/**
 * A growable ring buffer: O(1) push and pop at both ends, no `Array#shift`.
 * The FIFO queue takes from the front, the LIFO queue from the back. An entry
 * that stops `waiting` is skipped where it lies and swept later (`delete`).
 */
export class Deque<E extends Pick<QueueEntry, 'waiting'>> {
  #items: (E | undefined)[] = new Array<E | undefined>(INITIAL_SLOTS);
  #mask = INITIAL_SLOTS - 1;
  #head = 0;
  #length = 0; // slots in use, live or dead
  #dead = 0;

  get size(): number {
    return this.#length - this.#dead;
  }

  push(entry: E): void {
    if (this.#length > this.#mask) this.#grow();
    this.#items[(this.#head + this.#length) & this.#mask] = entry;
    this.#length++;
  }

  shift(): E | undefined {
    while (this.#length > 0) {
      const entry = this.#items[this.#head]!;
      this.#items[this.#head] = undefined;
      this.#head = (this.#head + 1) & this.#mask;
      this.#length--;
      if (entry.waiting) return entry;
      this.#dead--;
    }
    return undefined;
  }

  /** The entry `shift()` would return, left in place. */
  peek(): E | undefined {
    while (this.#length > 0) {
      const entry = this.#items[this.#head]!;
      if (entry.waiting) return entry;
      this.#items[this.#head] = undefined;
      this.#head = (this.#head + 1) & this.#mask;
      this.#length--;
      this.#dead--;
    }
    return undefined;
  }

  /** The entry `pop()` would return, left in place. */
  peekBack(): E | undefined {
    while (this.#length > 0) {
      const index = (this.#head + this.#length - 1) & this.#mask;
      const entry = this.#items[index]!;
      if (entry.waiting) return entry;
      this.#items[index] = undefined;
      this.#length--;
      this.#dead--;
    }
    return undefined;
  }

  pop(): E | undefined {
    while (this.#length > 0) {
      const index = (this.#head + this.#length - 1) & this.#mask;
      const entry = this.#items[index]!;
      this.#items[index] = undefined;
      this.#length--;
      if (entry.waiting) return entry;
      this.#dead--;
    }
    return undefined;
  }

  delete(entry: E): void {
    this.#dead++;
    if (this.#dead > COMPACT_AFTER && this.#dead > this.size) this.#compact(entry);
  }

  /** The waiting entries, front to back, as a copy: the caller may delete them as it goes. */
  values(): E[] {
    const live: E[] = [];
    for (let i = 0; i < this.#length; i++) {
      const entry = this.#items[(this.#head + i) & this.#mask]!;
      if (entry.waiting) live.push(entry);
    }
    return live;
  }

  clear(): E[] {
    const live = this.values();
    this.#refill([]);
    return live;
  }

  #grow(): void {
    const items = new Array<E | undefined>((this.#mask + 1) * 2);
    for (let i = 0; i < this.#length; i++) items[i] = this.#items[(this.#head + i) & this.#mask];
    this.#items = items;
    this.#mask = items.length - 1;
    this.#head = 0;
  }

  /** Sweeps dead entries, and `deleted`, which may not have stopped waiting yet. */
  #compact(deleted: E): void {
    this.#refill(this.values().filter((entry) => entry !== deleted));
  }

  /** Starts over with `live` alone, front to back, in the fewest slots that leave it room to grow. */
  #refill(live: E[]): void {
    let capacity = INITIAL_SLOTS;
    while (capacity < live.length * 2) capacity *= 2;
    this.#items = new Array<E | undefined>(capacity);
    for (let i = 0; i < live.length; i++) this.#items[i] = live[i];
    this.#mask = capacity - 1;
    this.#head = 0;
    this.#length = live.length;
    this.#dead = 0;
  }
}

/** First in, first out. */
export class FifoQueue<E extends QueueEntry> extends Deque<E> implements TaskQueue<E> {}

/** Last in, first out: the newest waiting task starts first. */
export class LifoQueue<E extends QueueEntry> extends Deque<E> implements TaskQueue<E> {
  override shift(): E | undefined {
    return this.pop();
  }
  override peek(): E | undefined {
    return this.peekBack();
  }
}
