import type { Timer } from './clock.js';
import type { RuntimeWorker } from './runtime.js';
import type { Task } from './task.js';
import type { TaskQueue } from './queues/index.js';

/** How a worker reports the end of its task's function. */
export interface WorkerHost<Job> {
  taskReturned(worker: WorkerSlot<Job>, outcome: unknown, ok: boolean): void;
}

/**
 * A worker: an id, the runtime's handle, and the slot one task occupies at a
 * time. Its two completion callbacks are made once, not per task.
 */
export class WorkerSlot<Job> {
  readonly id: number;
  readonly runtime: RuntimeWorker<Job>;
  /** The task whose function is running here, or null when idle. */
  task: Task<Job> | null = null;
  /**
   * The task offered to run next here (see `RuntimeWorker.offer`): queued,
   * out of the queue, until its worker's running task returns.
   */
  offer: Task<Job> | null = null;
  /** The offered task started (it could not be recalled): it runs, as far as the pool is concerned. */
  offerStarted = false;
  /** Tasks whose function returned here. */
  completed = 0;
  /** When it last became idle (`performance.now()` ms). */
  idleSince = 0;
  /** Its idle timer, made when first needed. */
  idleTimer: Timer<WorkerSlot<Job>> | undefined = undefined;
  /**
   * The `idleSince` its idle timer was started for. A double from the start
   * (NaN: none yet): a field first holding a small integer changes layout
   * when it first holds a fraction, and the code compiled for workers with it.
   */
  idleTimerSince = NaN;
  /** The reaper's time when it last became idle (see `WorkerSet.reaperTick`); a double, as `idleTimerSince`. */
  idleSwept = NaN;
  /** On the idle stack, waiting for a task (see `IdleStack`). */
  waiting = false;
  /** Its thread died: it stops as soon as its task is settled. */
  crashed = false;
  /** Why it died (a `WorkerCrashedError`), told with its stop. */
  crashError: unknown = undefined;
  /** Under a rate limit, its task's start waits for it to finish starting (see `StartWindow`). */
  startPending = false;
  /** Its runtime ended it, as its aborted task would not return: it did not fail by itself. */
  ended = false;
  stopped = false;
  /** Its own queue, under `dispatch: 'dedicated'`. */
  queue: TaskQueue<Task<Job>> | undefined = undefined;
  readonly onFulfilled: (value: unknown) => void;
  readonly onRejected: (error: unknown) => void;
  /** The two in one, for a runtime worker that tells of a return at once (see `RuntimeWorker.offer`). */
  readonly onReturned: (outcome: unknown, ok: boolean) => void;

  constructor(id: number, runtime: RuntimeWorker<Job>, host: WorkerHost<Job>) {
    this.id = id;
    this.runtime = runtime;
    this.onFulfilled = (value) => host.taskReturned(this, value, true);
    this.onRejected = (error) => host.taskReturned(this, error, false);
    this.onReturned = (outcome, ok) => host.taskReturned(this, outcome, ok);
  }
}
