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

/** An event of one task. */
interface OfTask extends At {
  /** The task's id: its Future's `id`, and `ctx.taskId` in its function. */
  readonly taskId: number;
}

/** An event of one task that started. */
interface OnWorker extends OfTask {
  /** The worker that runs it: -1 when it runs on the caller (`onFull: 'caller-runs'`). */
  readonly workerId: number;
}

/** An event of one worker. */
interface OfWorker extends At {
  /** The worker's id: the `workerId` of the tasks it runs. */
  readonly workerId: number;
}

/** A task entered the queue (every accepted task does, even one that starts at once). */
export interface TaskQueuedEvent extends OfTask {
  /** The discriminant of {@link PoolEvent}. */
  readonly type: 'task:queued';
}
/** A task started on a worker (`workerId` is -1 when it runs on the caller). */
export interface TaskStartedEvent extends OnWorker {
  /** The discriminant of {@link PoolEvent}. */
  readonly type: 'task:started';
}
/** A task returned a value. */
export interface TaskSucceededEvent extends OnWorker {
  /** The discriminant of {@link PoolEvent}. */
  readonly type: 'task:succeeded';
}
/** A task threw, rejected or timed out. */
export interface TaskFailedEvent extends OnWorker {
  /** The discriminant of {@link PoolEvent}. */
  readonly type: 'task:failed';
  /** What it threw or rejected with (unchanged), or its `TimeoutError`. */
  readonly error: unknown;
}
/** A task was cancelled; `workerId` is set if it had started. */
export interface TaskCancelledEvent extends OfTask {
  /** The discriminant of {@link PoolEvent}. */
  readonly type: 'task:cancelled';
  /** The worker it was running on, if it had started (its slot frees when its function returns). */
  readonly workerId?: number;
  /**
   * What its Future fails with: a `CancelledError` whose `cause` is the reason
   * given (to `cancel()`, `terminate()`, its signal), or the `DiscardedError`
   * of a task `'discard-oldest'` evicted.
   */
  readonly reason: unknown;
}
/** A submission was refused: full queue, closed pool, or discarded. */
export interface TaskRejectedEvent extends OfTask {
  /** The discriminant of {@link PoolEvent}. */
  readonly type: 'task:rejected';
  /** Why: a `QueueFullError`, `PoolClosedError` or `DiscardedError`, as its Future fails with. */
  readonly error: unknown;
}
/** A worker started. */
export interface WorkerStartedEvent extends OfWorker {
  /** The discriminant of {@link PoolEvent}. */
  readonly type: 'worker:started';
}
/** A worker stopped. */
export interface WorkerStoppedEvent extends OfWorker {
  /** The discriminant of {@link PoolEvent}. */
  readonly type: 'worker:stopped';
  /**
   * Why, when its thread died (a `WorkerCrashedError` whose `cause` is the
   * thread's error): the one word of a crash while the worker had no task.
   */
  readonly error?: unknown;
}
/** `pause()` took effect. */
export interface PoolPausedEvent extends At {
  /** The discriminant of {@link PoolEvent}. */
  readonly type: 'pool:paused';
}
/** `resume()` took effect. */
export interface PoolResumedEvent extends At {
  /** The discriminant of {@link PoolEvent}. */
  readonly type: 'pool:resumed';
}
/** `resize()` changed the bounds. */
export interface PoolResizedEvent extends At {
  /** The discriminant of {@link PoolEvent}. */
  readonly type: 'pool:resized';
  /** The lower bound now in force. */
  readonly minWorkers: number;
  /** The upper bound now in force. */
  readonly maxWorkers: number;
}
/**
 * Nothing is queued, blocked or running any more and no worker is busy (a
 * cancelled function still returning keeps its worker busy), after some work;
 * during `close()` too, before the workers stop.
 */
export interface PoolDrainedEvent extends At {
  /** The discriminant of {@link PoolEvent}. */
  readonly type: 'pool:drained';
}
/** The pool closed or terminated: the last event. */
export interface PoolClosedEvent extends At {
  /** The discriminant of {@link PoolEvent}. */
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
