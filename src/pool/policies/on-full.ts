import { DiscardedError, QueueFullError } from '../../errors.js';
import type { FullPolicyName } from '../options.js';

/** What a full-queue policy may do with a submission; the pool core provides it. */
export interface FullPolicyHost<T> {
  readonly queueCapacity: number;
  /** Refuses at the door: the Future fails (or, for a discard, is cancelled) and counts as rejected. */
  refuse(task: T, error: Error, state: 'failed' | 'cancelled'): void;
  /** Queues the task in place of the oldest queued one, which is cancelled; false if nothing is queued. */
  replaceOldest(task: T): boolean;
  /** Queues the task (there is room). */
  enqueue(task: T): void;
  /** Runs the task at once outside the worker limit. */
  runOnCaller(task: T): void;
  /** Parks the submission until room frees, in order. */
  block(task: T): void;
}

/** A policy for a submission that finds the queue full. */
export interface FullPolicy {
  admit<T extends { readonly id: number }>(host: FullPolicyHost<T>, task: T): void;
}

const discarded = (taskId: number): DiscardedError =>
  new DiscardedError('The task was discarded because the queue was full', { taskId });

/** The full-queue policies, by the name `options.onFull` gives. */
export const fullPolicies: Readonly<Record<FullPolicyName, FullPolicy>> = {
  reject: {
    admit: (host, task) =>
      host.refuse(task, new QueueFullError(host.queueCapacity, { taskId: task.id }), 'failed'),
  },
  discard: {
    admit: (host, task) => host.refuse(task, discarded(task.id), 'cancelled'),
  },
  'discard-oldest': {
    admit: (host, task) => {
      if (!host.replaceOldest(task)) host.refuse(task, discarded(task.id), 'cancelled');
    },
  },
  'caller-runs': {
    admit: (host, task) => host.runOnCaller(task),
  },
  block: {
    admit: (host, task) => host.block(task),
  },
};

export { discarded as discardedError };
