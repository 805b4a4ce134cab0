import type { QueueKind } from '../options.js';
import { COMPACT_AFTER, type QueueEntry, type TaskQueue } from './task-queue.js';

/** Whether `a` starts before `b`. */
export type Order = (a: QueueEntry, b: QueueEntry) => boolean;

/** Higher priority first, then submission order. */
export const byPriority: Order = (a, b) =>
  a.priority > b.priority || (a.priority === b.priority && a.id < b.id);

/**
 * A binary heap that starts entries in the order of a queue kind: by
 * `priority` (higher first, FIFO among equals: ties break on the submission
 * id, so the order is stable), or by id alone (`'fifo'`, `'lifo'`), which is
 * how the tasks that waited behind their key rejoin a FIFO or LIFO queue.
 * O(log n) push and shift; `delete` is O(1) (the entry is skipped when it
 * surfaces, and the heap is rebuilt when dead entries outnumber live ones).
 *
 * The heap is three arrays that move together: the entries, and the two keys
 * they are ordered by, copied from each entry as it is pushed (a task's
 * priority and id never change). Sifting compares numbers side by side in
 * those arrays and never reads an entry: with a large backlog the entries
 * are spread over the heap's memory, and reading one per comparison (and its
 * options, where a task's priority lives) missed the caches at every level.
 */
export class PriorityQueue<E extends QueueEntry> implements TaskQueue<E> {
  readonly #byPriority: boolean;
  readonly #newestFirst: boolean;
  #entries: E[] = [];
  /** Higher first: the entry's priority, or 0 when the order is by id alone. */
  #ranks: number[] = [];
  /** Lower first among equal ranks: the entry's id, negated for newest first. */
  #seqs: number[] = [];
  #dead = 0;

  /** @param kind the order entries start in: by priority unless given. */
  constructor(kind: QueueKind = 'priority') {
    this.#byPriority = kind === 'priority';
    this.#newestFirst = kind === 'lifo';
  }

  get size(): number {
    return this.#entries.length - this.#dead;
  }

  push(entry: E): void {
    this.#entries.push(entry);
    this.#ranks.push(this.#byPriority ? entry.priority : 0);
    this.#seqs.push(this.#newestFirst ? -entry.id : entry.id);
    this.#siftUp(this.#entries.length - 1);
  }

  shift(): E | undefined {
    for (let top = this.#pop(); top !== undefined; top = this.#pop()) {
      if (top.waiting) return top;
      this.#dead--;
    }
    return undefined;
  }

  peek(): E | undefined {
    const entries = this.#entries;
    while (entries.length > 0 && !entries[0]!.waiting) {
      this.#pop();
      this.#dead--;
    }
    return entries[0];
  }

  delete(entry: E): void {
    this.#dead++;
    if (this.#dead > COMPACT_AFTER && this.#dead > this.size) this.#compact(entry);
  }

  values(): E[] {
    return this.#entries.filter((entry) => entry.waiting);
  }

  clear(): E[] {
    const ranks = this.#ranks;
    const seqs = this.#seqs;
    const live: number[] = [];
    this.#entries.forEach((entry, at) => {
      if (entry.waiting) live.push(at);
    });
    live.sort((a, b) => ranks[b]! - ranks[a]! || seqs[a]! - seqs[b]!);
    const entries = live.map((at) => this.#entries[at]!);
    this.#empty();
    return entries;
  }

  #pop(): E | undefined {
    const entries = this.#entries;
    const top = entries[0];
    const last = entries.pop();
    const rank = this.#ranks.pop();
    const seq = this.#seqs.pop();
    if (entries.length > 0) this.#siftDown(last!, rank!, seq!);
    return top;
  }

  /** Moves the entry at `index` up to its place. */
  #siftUp(index: number): void {
    const entries = this.#entries;
    const ranks = this.#ranks;
    const seqs = this.#seqs;
    const entry = entries[index]!;
    const rank = ranks[index]!;
    const seq = seqs[index]!;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = ranks[parent]!;
      // Stop where the parent comes first: a higher rank, or the same and a lower seq.
      if (above > rank || (above === rank && seqs[parent]! < seq)) break;
      entries[index] = entries[parent]!;
      ranks[index] = above;
      seqs[index] = seqs[parent]!;
      index = parent;
    }
    entries[index] = entry;
    ranks[index] = rank;
    seqs[index] = seq;
  }

  /** Places `entry`, with its keys, from the top down: the top's slot is free. */
  #siftDown(entry: E, rank: number, seq: number): void {
    const entries = this.#entries;
    const ranks = this.#ranks;
    const seqs = this.#seqs;
    const length = entries.length;
    let index = 0;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      const right = child + 1;
      if (
        right < length &&
        (ranks[right]! > ranks[child]! || (ranks[right] === ranks[child] && seqs[right]! < seqs[child]!))
      ) {
        child = right;
      }
      const below = ranks[child]!;
      // Stop where the entry comes first.
      if (rank > below || (rank === below && seq < seqs[child]!)) break;
      entries[index] = entries[child]!;
      ranks[index] = below;
      seqs[index] = seqs[child]!;
      index = child;
    }
    entries[index] = entry;
    ranks[index] = rank;
    seqs[index] = seq;
  }

  /** Sweeps dead entries, and `deleted`, which may not have stopped waiting yet. */
  #compact(deleted: E): void {
    const live = this.#entries.filter((entry) => entry.waiting && entry !== deleted);
    this.#empty();
    for (const entry of live) this.push(entry);
  }

  #empty(): void {
    this.#entries = [];
    this.#ranks = [];
    this.#seqs = [];
    this.#dead = 0;
  }
}
