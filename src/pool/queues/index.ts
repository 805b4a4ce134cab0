import type { QueueKind } from '../options.js';
import { FifoQueue, LifoQueue } from './deque.js';
import { PriorityQueue } from './priority.js';
import type { QueueEntry, TaskQueue } from './task-queue.js';

export type { QueueEntry, TaskQueue } from './task-queue.js';
export { older } from './task-queue.js';

/** The queue implementations, by the name `options.queue` gives. */
export const queueFactories: Readonly<Record<QueueKind, <E extends QueueEntry>() => TaskQueue<E>>> = {
  fifo: () => new FifoQueue(),
  lifo: () => new LifoQueue(),
  priority: () => new PriorityQueue(),
};
