import { now, Timer } from './clock.js';
import type { Dispatcher } from './dispatch.js';
import type { ScalingReason } from './events.js';
import { IdleStack } from './idle-stack.js';
import type { PoolObservers } from './observers.js';
import type { ResolvedOptions } from './options.js';
import type { Returned, Runtime } from './runtime.js';
import { WorkerSlot, type WorkerHost } from './worker.js';

/** What the worker set asks of the pool core. */
export interface WorkersHost<Job> extends WorkerHost<Job> {
  /** A worker's thread died; `error` is for the task it was running, `returned` for those that returned first. */
  workerCrashed(worker: WorkerSlot<Job>, error: unknown, returned?: readonly Returned[]): void;
  /** A worker stopped on a timer: the pool's state changed. */
  changed(): void;
}

const isStarting = (worker: { readonly runtime: { readonly starting?: boolean } }): boolean =>
  worker.runtime.starting === true;
const onReaperTick = (workers: WorkerSet<unknown>): void => workers.reaperTick();
const onWarmUpDue = (workers: WorkerSet<unknown>): void => workers.warmUpDue();

/** After a first, replacing a worker that crashed before finishing any task waits this long, doubling. */
const CRASH_BACKOFF_MIN = 100;
const CRASH_BACKOFF_MAX = 5_000;

/**
 * A delay in whole ms, never short of `ms`: a difference of moments that
 * hold fractions of a ms rounds (512 − (513.7 − 2.7) is 0.99999999999994),
 * and a timer that cuts its delay to whole ms (sinon's) would fire a tick early.
 */
const wholeMs = (ms: number): number => Math.ceil(ms - 1e-6);

/**
 * The pool's workers: starting and stopping them within `minWorkers` and
 * `maxWorkers`, the idle stack (the most recently idle worker is reused first,
 * so the last to go idle is the last to stop), idle timers and the reaper.
 * Every start and stop is published as a worker event and a scaling event.
 */
export class WorkerSet<Job> {
  minWorkers: number;
  maxWorkers: number;
  readonly #all = new Set<WorkerSlot<Job>>();
  readonly #idle = new IdleStack<WorkerSlot<Job>>();
  readonly #runtime: Runtime<Job>;
  readonly #dispatch: Dispatcher<Job>;
  readonly #observers: PoolObservers;
  readonly #idleTimeout: number;
  readonly #reaperInterval: number | undefined;
  readonly #host: WorkersHost<Job>;
  readonly #onIdleTimer = (worker: WorkerSlot<Job>): void => this.#idleTimerFired(worker);
  #nextId = 1;
  readonly #reaper: Timer<WorkerSet<unknown>> | undefined;
  /** The intervals its sweeps have waited, added up: time on the timers' own clock. */
  #reaperTime = 0;
  #warmUpTimer: Timer<WorkerSet<unknown>> | undefined;
  #crashBackoff = 0;
  /** The pool is closing: warm workers are no longer kept (a worker starts only for a task). */
  #closing = false;
  #shutDown = false;
  /** A worker went idle while the pump was placing tasks, under `idleTimeout: 0`: see {@link stopLeftIdle}. */
  #idleInPump = false;

  constructor(
    runtime: Runtime<Job>,
    dispatch: Dispatcher<Job>,
    observers: PoolObservers,
    options: ResolvedOptions,
    host: WorkersHost<Job>,
  ) {
    this.#runtime = runtime;
    this.#dispatch = dispatch;
    this.#observers = observers;
    this.#idleTimeout = options.idleTimeout;
    this.#reaperInterval = options.reaperInterval;
    if (options.reaperInterval !== undefined)
      this.#reaper = new Timer(onReaperTick, this as WorkerSet<unknown>, false);
    this.#host = host;
    this.minWorkers = options.minWorkers;
    this.maxWorkers = options.maxWorkers;
  }

  /** Live workers. */
  get size(): number {
    return this.#all.size;
  }

  /** Workers on the idle stack: those a task can start on now. */
  get idle(): number {
    return this.#idle.size;
  }

  /** True if a task could start now: a worker is idle, or another may start. */
  get available(): boolean {
    return this.#idle.size > 0 || this.#all.size < this.maxWorkers;
  }

  /** Every live worker. */
  values(): IterableIterator<WorkerSlot<Job>> {
    return this.#all.values();
  }

  /** The most recently idle worker, now taken out of the idle stack. */
  takeIdle(): WorkerSlot<Job> | undefined {
    // More workers than maxWorkers: a listener told of a shrink acted before the idle workers
    // above the bound stopped. They stop now rather than take a task past the bound.
    while (this.#all.size > this.maxWorkers) {
      const surplus = this.#idle.pop();
      if (surplus === undefined) return undefined;
      this.stop(surplus, 'resize');
    }
    const worker = this.#idle.pop();
    // A thread still loading its module: one that has loaded goes first, if one is idle.
    if (worker !== undefined && isStarting(worker)) return this.#idle.startedInstead(worker, isStarting);
    return worker;
  }

  /** Puts back a worker taken by `takeIdle` that found nothing to do. */
  putBack(worker: WorkerSlot<Job>): void {
    this.#idle.push(worker);
  }

  /** Starts a worker; `at` is now, when the caller has read the clock already. */
  start(reason: ScalingReason, at?: number): WorkerSlot<Job> {
    const id = this.#nextId++;
    const worker: WorkerSlot<Job> = new WorkerSlot(
      id,
      this.#runtime.startWorker(id, (error, stopped, returned) => {
        worker.ended = stopped === true;
        this.#host.workerCrashed(worker, error, returned);
      }),
      this.#host,
    );
    this.#all.add(worker);
    this.#dispatch.workerStarted(worker);
    this.#scaled('up', reason, id, at);
    return worker;
  }

  stop(worker: WorkerSlot<Job>, reason: ScalingReason): void {
    if (worker.stopped) return;
    worker.stopped = true;
    worker.idleTimer?.stop();
    this.#idle.remove(worker);
    this.#all.delete(worker);
    this.#dispatch.workerStopped(worker);
    worker.runtime.stop();
    this.#scaled('down', reason, worker.id, undefined, reason === 'crash' ? worker.crashError : undefined);
  }

  /**
   * A worker's task returned, or it has none to start with: it stops if its
   * thread crashed or the pool has more workers than `maxWorkers` (after a
   * shrink), else it goes back on the idle stack for the pump to reuse. A
   * worker stopped meanwhile stays stopped.
   */
  release(worker: WorkerSlot<Job>): void {
    if (worker.stopped) return;
    if (worker.crashed) this.crashed(worker);
    else if (this.#all.size > this.maxWorkers) this.stop(worker, 'resize');
    else this.#idle.push(worker);
  }

  /**
   * A worker's thread died: it stops, and warm workers are restored, at once
   * unless threads keep dying before their first task (a module that exits on
   * load, limits too small to start): the second such death in a row waits
   * 100 ms, and each next one twice as long, up to 5 s, so it cannot spin.
   * A worker that had finished tasks ends the streak. One its runtime ended
   * (its aborted task would not return) is no death of its own: it is
   * replaced at once and leaves the streak as it was; while the pool shuts
   * down, it is one more worker stopped for the shutdown.
   */
  crashed(worker: WorkerSlot<Job>): void {
    if (worker.ended) {
      this.stop(worker, this.#closing ? 'shutdown' : 'crash');
      this.warmUp();
      return;
    }
    this.stop(worker, 'crash');
    const streak = worker.completed === 0;
    const delay = streak ? this.#crashBackoff : 0;
    this.#crashBackoff = streak ? Math.min(Math.max(delay * 2, CRASH_BACKOFF_MIN), CRASH_BACKOFF_MAX) : 0;
    if (delay === 0) this.warmUp();
    else if (!this.#closing) {
      const timer = (this.#warmUpTimer ??= new Timer(onWarmUpDue, this as WorkerSet<unknown>, false));
      if (!timer.current) timer.start(delay);
    }
  }

  warmUpDue(): void {
    this.warmUp();
    this.#host.changed();
  }

  /** Starts warm workers up to `minWorkers`. */
  warmUp(): void {
    while (!this.#closing && this.#all.size < this.minWorkers) {
      const worker = this.start('warm-up');
      // A listener told of its start may have stopped it already (the pool terminated), or
      // shrunk the pool below it: then it stops as a worker released past the bound does.
      this.release(worker);
      if (!worker.stopped) this.markIdle(worker, false);
    }
  }

  /** The pool accepts nothing more: a worker that crashes or a raised `minWorkers` starts no warm one. */
  close(): void {
    this.#closing = true;
  }

  /**
   * A worker is idle (and on the idle stack unless `push`): note when, and arm
   * its timer. `pumping`: the pool is still placing tasks and may hand this
   * worker the next one, so under `idleTimeout: 0` it is not idle yet; the
   * pump calls {@link stopLeftIdle} when it is done.
   */
  markIdle(worker: WorkerSlot<Job>, push = true, at = now(), pumping = false): void {
    if (push) this.#idle.push(worker);
    worker.idleSince = at;
    worker.idleSwept = this.#reaperTime;
    if (pumping && this.#idleTimeout === 0) this.#idleInPump = true;
    else this.#armIdleTimer(worker, at);
  }

  /** The pump is done: under `idleTimeout: 0`, the workers that went idle meanwhile and got no task stop now. */
  stopLeftIdle(): void {
    if (!this.#idleInPump) return;
    this.#idleInPump = false;
    for (const worker of this.#idle.oldestFirst()) this.#armIdleTimer(worker);
  }

  /**
   * Applies the bounds in force: idle workers above `maxWorkers` stop now
   * (oldest idle first), warm ones start. Set `minWorkers` and `maxWorkers`
   * first; applying twice changes nothing more.
   */
  applyBounds(): void {
    // A copy of the stack: each stop is published, and a listener may give a worker a task.
    for (const worker of this.#idle.oldestFirst()) {
      if (this.#all.size <= this.maxWorkers) break;
      if (worker.waiting) this.stop(worker, 'resize');
    }
    this.warmUp();
    for (const worker of this.#idle.oldestFirst()) this.#armIdleTimer(worker);
  }

  /** Stops every worker and timer for good. */
  shutDown(): void {
    this.#closing = this.#shutDown = true;
    for (const worker of [...this.#all]) this.stop(worker, 'shutdown');
    this.#reaper?.stop();
    this.#warmUpTimer?.stop();
  }

  #idleTimerFired(worker: WorkerSlot<Job>): void {
    if (worker.stopped || worker.task !== null) return;
    // Timers are armed lazily: a worker busy in between is idle since later, and waits
    // the rest. One idle all along has been for as long as the timer's own clock says.
    if (worker.idleSince !== worker.idleTimerSince) {
      const remaining = wholeMs(this.#idleTimeout - (now() - worker.idleSince));
      if (remaining > 0) {
        this.#startIdleTimer(worker, remaining);
        return;
      }
    }
    if (this.#all.size > this.minWorkers) {
      this.stop(worker, this.#idleReason('idle-timeout'));
      this.#host.changed();
    }
  }

  /**
   * A sweep: stops the workers idle for `idleTimeout` or more, by
   * `performance.now()` or by the sweeps' own count. A worker idle through
   * sweeps whose intervals add up to `interval + idleTimeout` has been idle
   * for `idleTimeout` at least (the first may have come right after it went
   * idle): with only `setTimeout` faked, `performance.now()` stands still and
   * the count alone tells, at most one interval later than the clock would.
   */
  reaperTick(): void {
    const interval = this.#reaperInterval!;
    const swept = (this.#reaperTime += interval) - interval - this.#idleTimeout;
    const deadline = now() - this.#idleTimeout;
    // Oldest idle first: the last worker to go idle is the last to stop.
    for (const worker of this.#idle.oldestFirst()) {
      if (this.#all.size <= this.minWorkers) break;
      if (worker.waiting && (worker.idleSince <= deadline || worker.idleSwept <= swept)) {
        this.stop(worker, this.#idleReason('reaper'));
      }
    }
    if (this.#all.size > this.minWorkers && this.#idle.size > 0 && !this.#shutDown) this.#armReaper();
    this.#host.changed();
  }

  /** Why an idle worker stops: once the pool is closing, for the shutdown, as every worker then does. */
  #idleReason(reason: 'idle-timeout' | 'reaper'): ScalingReason {
    return this.#closing ? 'shutdown' : reason;
  }

  /** `at` is now, when the caller has read the clock already. */
  #armIdleTimer(worker: WorkerSlot<Job>, at?: number): void {
    if (!worker.waiting) return; // a listener's submission gave it a task meanwhile
    if (this.#all.size <= this.minWorkers || this.#shutDown || this.#idleTimeout === Infinity) return;
    if (this.#reaper !== undefined) this.#armReaper();
    else if (this.#idleTimeout === 0) this.stop(worker, this.#idleReason('idle-timeout'));
    // One already running on the timers in force serves: it checks the idle time when it fires.
    else if (worker.idleTimer?.current !== true) {
      // What is left of the timeout: all of it for a worker idle since `at`, whatever fraction of a ms it holds.
      this.#startIdleTimer(worker, wholeMs(this.#idleTimeout - ((at ?? now()) - worker.idleSince)));
    }
  }

  #startIdleTimer(worker: WorkerSlot<Job>, delay: number): void {
    worker.idleTimerSince = worker.idleSince;
    (worker.idleTimer ??= new Timer(this.#onIdleTimer, worker, false)).start(delay);
  }

  /** Started on the timers in force now: a reaper left on a clock a test has since replaced is started again. */
  #armReaper(): void {
    const reaper = this.#reaper;
    if (reaper !== undefined && !reaper.current) reaper.start(this.#reaperInterval!);
  }

  /** Publishes a start or stop; `error`: why a worker that crashed died. */
  #scaled(type: 'up' | 'down', reason: ScalingReason, workerId: number, at?: number, error?: unknown): void {
    const observers = this.#observers;
    const events = observers.eventsObserved;
    const scaling = observers.scalingObserved;
    if (!events && !scaling) return;
    // Counted before either event goes out, and both go out before what a listener of the first
    // does (starts or stops workers): each scaling event follows the one before.
    const workers = this.#all.size;
    const crashed = error === undefined ? undefined : { error };
    const time = at ?? now();
    observers.batch(() => {
      if (events) {
        if (type === 'up') observers.emit({ type: 'worker:started', time, workerId });
        else observers.emit({ type: 'worker:stopped', time, workerId, ...crashed });
      }
      if (scaling) observers.emitScaling({ type, workers, reason, workerId, time, ...crashed });
    });
  }
}
