/**
 * rxpool: a worker pool for Node.js with futures and RxJS observables.
 * @packageDocumentation
 */
export { Future, type FutureState, type FutureTiming } from './futures/future.js';
export { all, allSettled, any, race } from './futures/combinators.js';
// What `future.result()` and `settle()` give, from ts-results-es: named through rxpool, a
// declaration that mentions them needs no path to rxpool's own copy of that package.
export { Err, Ok, type Result } from 'ts-results-es';
export { Pool } from './pool/pool.js';
export { BasePool, type ResizeOptions } from './pool/base-pool.js';
export { TaskGroup, type GroupJob, type GroupResult, type TaskGroupOptions } from './pool/group.js';
export type { TaskContext } from './pool/task.js';
export type { TaskFunction, TaskFunction as Task } from './pool/runtime.js';
export type { PoolStats } from './pool/stats.js';
export type {
  DispatchMode,
  FullPolicyName,
  PoolOptions,
  QueueKind,
  RateLimit,
  RoomOptions,
  ScaleDownOption,
  ScaleUpPolicyName,
  SubmitOptions,
  WaitOptions,
} from './pool/options.js';
export type {
  PoolEvent,
  PoolEventType,
  PoolClosedEvent,
  PoolDrainedEvent,
  PoolPausedEvent,
  PoolResizedEvent,
  PoolResumedEvent,
  ScalingEvent,
  ScalingReason,
  TaskCancelledEvent,
  TaskFailedEvent,
  TaskQueuedEvent,
  TaskRejectedEvent,
  TaskStartedEvent,
  TaskSucceededEvent,
  WorkerStartedEvent,
  WorkerStoppedEvent,
} from './pool/events.js';
export {
  CancelledError,
  DiscardedError,
  PoolClosedError,
  PoolError,
  QueueFullError,
  TimeoutError,
  WorkerCrashedError,
  type PoolErrorContext,
} from './errors.js';
