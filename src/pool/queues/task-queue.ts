/**
 * The seam between the pool and the order in which waiting tasks start.
 * A queue holds entries; an entry that stops waiting (cancelled while queued)
 * is forgotten with `delete`, which is O(1): the queue skips it when it comes
 * up, and compacts itself when dead entries outnumber live ones.
 */

/** What a queue needs to know of an entry. */
export interface QueueEntry {
  /** Monotonic submission order: FIFO among equal priorities. */
  readonly id: number;
  /** Higher first, for the priority queue. */
  readonly priority: number;
  /** False once the entry was deleted (cancelled) while in the queue. */
  readonly waiting: boolean;
}

/** A queue of waiting entries. */
export interface TaskQueue<E extends QueueEntry> {
  /** Live entries. */
  readonly size: number;
  /** Adds an entry. */
  push(entry: E): void;
  /** Removes and returns the entry to start next. */
  shift(): E | undefined;
  /** The entry `shift()` would return, left in place. */
  peek(): E | undefined;
  /** Forgets an entry that is leaving (cancelled): it may still read as waiting. */
  delete(entry: E): void;
  /** The live entries, as a copy: the caller may delete them as it goes. */
  values(): E[];
  /** Removes and returns every live entry. */
  clear(): E[];
}

/** Compaction threshold: dead entries are swept once they exceed both this and the live count. */
export const COMPACT_AFTER = 1024;
