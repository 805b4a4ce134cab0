/**
 * Typed pool events: a discriminated union on `type`. Every event has a
 * `time` (`performance.now()` ms); task events carry `taskId` (and `workerId`
 * once started); worker events carry `workerId`.
 *
 * Each task's events are exactly one of: queued → started → succeeded |
 * failed | cancelled; queued → cancelled; cancelled (before it ever queued);
 * rejected (refused at the door).
 *
 * @example
 * ```ts
 * pool.events$.subscribe((event) => {
 *   if (event.type === 'task:failed') console.error(event.taskId, event.error);
 * });
 * ```
 * @module
 */

interface At {
  /** When it happened, in `performance.now()` ms. */
  readonly time: number;
}

/** A task entered the queue (every accepted task does, even one that starts at once). */
export interface TaskQueuedEvent extends At {
  readonly type: 'task:queued';
  readonly taskId: number;
}
/** A task started on a worker (`workerId` is -1 when it runs on the caller). */
export interface TaskStartedEvent extends At {
  readonly type: 'task:started';
  readonly taskId: number;
  readonly workerId: number;
}
/** A task returned a value. */
export interface TaskSucceededEvent extends At {
  readonly type: 'task:succeeded';
  readonly taskId: number;
  readonly workerId: number;
}
/** A task threw, rejected or timed out. */
export interface TaskFailedEvent extends At {
  readonly type: 'task:failed';
  readonly taskId: number;
  readonly workerId: number;
  readonly error: unknown;
}
/** A task was cancelled; `workerId` is set if it had started. */
export interface TaskCancelledEvent extends At {
  readonly type: 'task:cancelled';
  readonly taskId: number;
  readonly workerId?: number;
  readonly reason: unknown;
}
/** A submission was refused: full queue, closed pool, or discarded. */
export interface TaskRejectedEvent extends At {
  readonly type: 'task:rejected';
  readonly taskId: number;
  readonly error: unknown;
}
/** A worker started. */
export interface WorkerStartedEvent extends At {
  readonly type: 'worker:started';
  readonly workerId: number;
}
/** A worker stopped. */
export interface WorkerStoppedEvent extends At {
  readonly type: 'worker:stopped';
  readonly workerId: number;
  /**
   * Why, when its thread died (a `WorkerCrashedError` whose `cause` is the
   * thread's error): the one word of a crash while the worker had no task.
   */
  readonly error?: unknown;
}
/** `pause()` took effect. */
export interface PoolPausedEvent extends At {
  readonly type: 'pool:paused';
}
/** `resume()` took effect. */
export interface PoolResumedEvent extends At {
  readonly type: 'pool:resumed';
}
/** `resize()` changed the bounds. */
export interface PoolResizedEvent extends At {
  readonly type: 'pool:resized';
  readonly minWorkers: number;
  readonly maxWorkers: number;
}
/**
 * Nothing is queued, blocked or running any more and no worker is busy (a
 * cancelled function still returning keeps its worker busy), after some work;
 * during `close()` too, before the workers stop.
 */
export interface PoolDrainedEvent extends At {
  readonly type: 'pool:drained';
}
/** The pool closed or terminated: the last event. */
export interface PoolClosedEvent extends At {
  readonly type: 'pool:closed';
}

/** Everything `events$` emits. */
export type PoolEvent =
  | TaskQueuedEvent
  | TaskStartedEvent
  | TaskSucceededEvent
  | TaskFailedEvent
  | TaskCancelledEvent
  | TaskRejectedEvent
  | WorkerStartedEvent
  | WorkerStoppedEvent
  | PoolPausedEvent
  | PoolResumedEvent
  | PoolResizedEvent
  | PoolDrainedEvent
  | PoolClosedEvent;

/** The `type` of each {@link PoolEvent}. */
export type PoolEventType = PoolEvent['type'];

/** Why a worker started or stopped. */
export type ScalingReason =
  'demand' | 'warm-up' | 'idle-timeout' | 'reaper' | 'resize' | 'shutdown' | 'crash';

/** One worker started (`'up'`) or stopped (`'down'`); `workers` is the count after the change. */
export interface ScalingEvent {
  /** `'up'`: a worker started; `'down'`: one stopped. */
  readonly type: 'up' | 'down';
  /** Live workers after the change. */
  readonly workers: number;
  /** Why; see {@link ScalingReason}. */
  readonly reason: ScalingReason;
  /** The worker that started or stopped. */
  readonly workerId: number;
  /** When, in ms of `performance.now()`. */
  readonly time: number;
  /**
   * With reason `'crash'`: why its thread died, a `WorkerCrashedError` whose
   * `cause` is the thread's error (also when it died with no task to fail).
   */
  readonly error?: unknown;
}
