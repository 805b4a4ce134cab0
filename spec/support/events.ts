import type { PoolEvent } from '../../src/index.js';

/** Pool events for specs: each task's life at chosen times. */
export const events = {
  queued: (taskId: number, time: number): PoolEvent => ({ type: 'task:queued', taskId, time }),
  started: (taskId: number, time: number): PoolEvent => ({ type: 'task:started', taskId, time, workerId: 1 }),
  succeeded: (taskId: number, time: number): PoolEvent => ({
    type: 'task:succeeded',
    taskId,
    time,
    workerId: 1,
  }),
  failed: (taskId: number, time: number): PoolEvent => ({
    type: 'task:failed',
    taskId,
    time,
    workerId: 1,
    error: new Error('failed'),
  }),
  cancelled: (taskId: number, time: number): PoolEvent => ({
    type: 'task:cancelled',
    taskId,
    time,
    reason: 'cancelled',
  }),
  rejected: (taskId: number, time: number): PoolEvent => ({
    type: 'task:rejected',
    taskId,
    time,
    error: new Error('full'),
  }),
  closed: (time: number): PoolEvent => ({ type: 'pool:closed', time }),
};
