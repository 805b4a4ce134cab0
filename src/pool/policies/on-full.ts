import { DiscardedError, QueueFullError } from '../../errors.js';
import type { FullPolicyName } from '../options.js';

/** What a full-queue policy may do with a submission; the pool core provides it. */
export interface FullPolicyHost<T> {
  readonly queueCapacity: number;
  /** Refuses at the door: the Future fails (or, for a discard, is cancelled) and counts as rejected. */
  refuse(task: T, error: Error, state: 'failed' | 'cancelled', at: number): void;
  /** Queues the task in place of the oldest queued one, which is cancelled; false if nothing is queued. */
  replaceOldest(task: T, at: number): boolean;
  /** Queues the task (there is room). */
  enqueue(task: T): void;
  /** Runs the task at once outside the worker limit. */
  runOnCaller(task: T, at: number): void;
  /** Parks the submission until room frees, in order. */
  block(task: T): void;
}

/**
 * A policy for a submission that finds the queue full. `at` is the moment of
 * the submission: what the policy does to the task happens then too.
 */
export interface FullPolicy {
  admit<T extends { readonly id: number }>(host: FullPolicyHost<T>, task: T, at: number): void;
  /**
   * It starts or queues the submission though the queue is full: ahead of a
   * submission still waiting blocked, which `'block'` and the refusals never
   * let one pass.
   */
  readonly placesWhenFull: boolean;
}

const discarded = (taskId: number): DiscardedError =>
  new DiscardedError('The task was discarded because the queue was full', { taskId });

/** The full-queue policies, by the name `options.onFull` gives. */
export const fullPolicies: Readonly<Record<FullPolicyName, FullPolicy>> = {
  reject: {
    admit: (host, task, at) =>
      host.refuse(task, new QueueFullError(host.queueCapacity, { taskId: task.id }), 'failed', at),
    placesWhenFull: false,
  },
  discard: {
    admit: (host, task, at) => host.refuse(task, discarded(task.id), 'cancelled', at),
    placesWhenFull: false,
  },
  'discard-oldest': {
    admit: (host, task, at) => {
      if (!host.replaceOldest(task, at)) host.refuse(task, discarded(task.id), 'cancelled', at);
    },
    placesWhenFull: true,
  },
  'caller-runs': {
    admit: (host, task, at) => host.runOnCaller(task, at),
    placesWhenFull: true,
  },
  block: {
    admit: (host, task) => host.block(task),
    placesWhenFull: false,
  },
};

export { discarded as discardedError };
