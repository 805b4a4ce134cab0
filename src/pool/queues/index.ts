import type { QueueKind } from '../options.js';
import { FifoQueue, LifoQueue } from './deque.js';
import { byPriority, PriorityQueue, type Order } from './priority.js';
import type { QueueEntry, TaskQueue } from './task-queue.js';

export type { QueueEntry, TaskQueue } from './task-queue.js';
export type { Order } from './priority.js';

/** The queue implementations, by the name `options.queue` gives. */
export const queueFactories: Readonly<Record<QueueKind, <E extends QueueEntry>() => TaskQueue<E>>> = {
  fifo: () => new FifoQueue(),
  lifo: () => new LifoQueue(),
  priority: () => new PriorityQueue(),
};

/** The order each queue kind starts its entries in, as a comparison of two entries. */
export const startOrders: Readonly<Record<QueueKind, Order>> = {
  fifo: (a, b) => a.id < b.id,
  lifo: (a, b) => a.id > b.id,
  priority: byPriority,
};
