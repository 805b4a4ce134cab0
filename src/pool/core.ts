import { CancelledError, PoolClosedError, TimeoutError } from '../errors.js';
import { now, startTimer, stopTimer, type TimerHandle } from './clock.js';
import { dispatchers, type Dispatcher } from './dispatch.js';
import type { PoolEvent, ScalingReason } from './events.js';
import { KeyLanes } from './keys.js';
import { SignalWatch } from './signals.js';
import { PoolObservers } from './observers.js';
import { checkBounds, checkCount, checkSubmitOptions, type ResolvedOptions } from './options.js';
import { discardedError, fullPolicies, type FullPolicy, type FullPolicyHost } from './policies/on-full.js';
import { scaleUpPolicies, type ScaleUpPolicy } from './policies/scale-up.js';
import type { Runtime } from './runtime.js';
import type { PoolStats } from './stats.js';
import { Context, Task, type TaskOwner } from './task.js';
import { WorkerSlot, type WorkerHost } from './worker.js';

type Waiter = () => void;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'function') &&
  typeof (value as { then?: unknown }).then === 'function';

const onIdleTimer = (worker: WorkerSlot<unknown>): void => worker.host.idleTimerFired(worker);
const onTaskTimeout = (task: Task<unknown>): void => task.timedOut();
const onReaperTick = (core: PoolCore<unknown>): void => core.reaperTick();

/**
 * The pool's state machine, shared by every runtime. Tasks go
 * blocked → queued → running → settled; workers go started → idle ⇄ busy →
 * stopped. `#pump` is the one loop that starts waiting tasks while a worker
 * is free; everything that frees a slot or adds a task calls it.
 */
export class PoolCore<Job> implements TaskOwner<Job>, WorkerHost<Job>, FullPolicyHost<Task<Job>> {
  readonly observers: PoolObservers;
  readonly #runtime: Runtime<Job>;
  readonly #options: ResolvedOptions;
  readonly #dispatch: Dispatcher<Job>;
  readonly #onFull: FullPolicy;
  readonly #scaleUp: ScaleUpPolicy;
  readonly #lanes = new KeyLanes<Task<Job>>();
  readonly #signals = new SignalWatch<Task<Job>>();
  readonly #blocked: Task<Job>[] = [];
  #blockedHead = 0;
  #blockedCount = 0;
  #minWorkers: number;
  #maxWorkers: number;

  readonly #workers = new Set<WorkerSlot<Job>>();
  readonly #idle: WorkerSlot<Job>[] = []; // most recently idle last
  #busy = 0;
  readonly #onCaller = new Set<Task<Job>>();
  #nextWorkerId = 1;
  #nextTaskId = 1;
  #pumping = false;
  #reaper: TimerHandle | undefined;

  #submitted = 0;
  #running = 0;
  #succeeded = 0;
  #failed = 0;
  #cancelled = 0;
  #rejected = 0;

  #paused = false;
  #closed = false;
  #finished = false;
  #hadWork = false;
  #flushScheduled = false;
  #reservedRoom = 0;
  readonly #drainWaiters: Waiter[] = [];
  readonly #readyWaiters: Waiter[] = [];
  readonly #closeWaiters: Waiter[] = [];
  readonly #onPoolAbort: () => void;

  constructor(runtime: Runtime<Job>, options: ResolvedOptions) {
    this.#runtime = runtime;
    this.#options = options;
    this.#minWorkers = options.minWorkers;
    this.#maxWorkers = options.maxWorkers;
    this.#dispatch = dispatchers[options.dispatch](options.queue);
    this.#onFull = fullPolicies[options.onFull];
    this.#scaleUp = scaleUpPolicies[options.scaleUp];
    this.observers = new PoolObservers(
      () => this.stats(),
      () => this.#waiting(),
    );
    this.#onPoolAbort = () => void this.terminate(options.signal!.reason);
    for (let i = 0; i < this.#minWorkers; i++) this.#idleWorker(this.#startWorker('warm-up'));
    if (options.signal?.aborted) void this.terminate(options.signal.reason);
    else options.signal?.addEventListener('abort', this.#onPoolAbort, { once: true });
  }

  get queueCapacity(): number {
    return this.#options.queueCapacity;
  }

  // ─── Submission ────────────────────────────────────────────────────────────

  submit(job: Job, options: unknown): Task<Job> {
    const { priority = 0, key, timeout, signal } = checkSubmitOptions(options);
    const task = new Task<Job>(this, this.#nextTaskId++, job, priority, key, timeout, signal, now());
    this.#submitted++;
    if (this.#reservedRoom > 0) this.#reservedRoom--;
    if (this.#closed) {
      this.refuse(task, new PoolClosedError({ taskId: task.id }), 'failed');
    } else if (signal?.aborted) {
      this.#settle(task, 'cancelled', this.#signalError(task), undefined);
    } else {
      this.#hadWork = true;
      if (this.#blockedCount === 0 && this.#waiting() < this.#options.queueCapacity) this.enqueue(task);
      else if (this.#blockedCount === 0 && this.#canStartNow(key)) this.#startNow(task);
      else this.#onFull.admit(this, task);
    }
    return task;
  }

  /** Accepts a task into the queue (or behind its key) and starts what can start. */
  enqueue(task: Task<Job>): void {
    task.enqueue();
    this.#watchSignal(task);
    this.#emitTask('task:queued', task);
    const key = task.key;
    if (key !== undefined) {
      if (this.#lanes.busy(key)) {
        this.#lanes.park(task);
        this.#depthChanged();
        return;
      }
      this.#lanes.acquire(key);
    }
    this.#dispatch.push(task);
    this.#depthChanged();
    this.#pump();
  }

  refuse(task: Task<Job>, error: Error, state: 'failed' | 'cancelled'): void {
    this.#rejected++;
    task.settle(state, error, now());
    if (this.observers.eventsObserved) {
      this.#emit({ type: 'task:rejected', time: now(), taskId: task.id, error });
    }
    this.#changed();
  }

  evictOldest(): boolean {
    const victim = this.#dispatch.shiftOldest();
    if (victim === undefined) return false;
    if (victim.key !== undefined) this.#releaseKey(victim.key);
    this.#settle(victim, 'cancelled', discardedError(victim.id), undefined);
    return true;
  }

  runOnCaller(task: Task<Job>): void {
    task.enqueue();
    this.#watchSignal(task);
    this.#emitTask('task:queued', task);
    const worker = this.#runtime.startWorker(-1, (error) => finish(error, false));
    this.#onCaller.add(task);
    const finish = (outcome: unknown, ok: boolean): void => {
      this.#onCaller.delete(task);
      worker.stop();
      if (!task.settled) this.#settle(task, ok ? 'succeeded' : 'failed', outcome, -1);
      this.#afterSlotFreed();
    };
    this.#begin(task, -1);
    try {
      const out = worker.run(task.job, new Context(task, -1));
      if (isThenable(out)) {
        Promise.resolve(out).then(
          (value) => finish(value, true),
          (error: unknown) => finish(error, false),
        );
      } else finish(out, true);
    } catch (error) {
      finish(error, false);
    }
  }

  block(task: Task<Job>): void {
    task.block();
    this.#watchSignal(task);
    this.#blocked.push(task);
    this.#blockedCount++;
    this.#changed();
  }

  #startNow(task: Task<Job>): void {
    // The queue is empty and a worker is free: queue it, then force a worker
    // if the scale-up policy would let it wait (there is no room to wait).
    task.enqueue();
    this.#watchSignal(task);
    this.#emitTask('task:queued', task);
    if (task.key !== undefined) this.#lanes.acquire(task.key);
    this.#run(task, this.#idle.pop() ?? this.#startWorker('demand'));
  }

  #canStartNow(key: string | undefined): boolean {
    return (
      !this.#paused &&
      this.#dispatch.size === 0 &&
      (key === undefined || !this.#lanes.busy(key)) &&
      (this.#idle.length > 0 || this.#workers.size < this.#maxWorkers)
    );
  }

  #waiting(): number {
    return this.#dispatch.size + this.#lanes.size;
  }

  // ─── Dispatch ──────────────────────────────────────────────────────────────

  /** A slot freed or a task arrived: start what waits while a worker is free. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    const dispatch = this.#dispatch;
    while (!this.#paused && dispatch.size > 0) {
      let worker = this.#idle.pop();
      if (worker === undefined) {
        const workers = this.#workers.size;
        if (workers >= this.#maxWorkers || !this.#scaleUp.grow(workers, dispatch.size, this.#maxWorkers))
          break;
        worker = this.#startWorker('demand');
      }
      const task = dispatch.next(worker);
      if (task === undefined) {
        this.#idle.push(worker);
        break;
      }
      this.#depthChanged();
      this.#run(task, worker);
    }
    this.#pumping = false;
    if (this.#blockedCount > 0) this.#admitBlocked();
    this.#changed();
  }

  #admitBlocked(): void {
    while (this.#blockedCount > 0 && this.#hasRoom()) {
      const task = this.#blocked[this.#blockedHead]!;
      this.#blocked[this.#blockedHead++] = undefined as unknown as Task<Job>;
      if (task.state !== 'blocked') continue; // cancelled while blocked
      this.#blockedCount--;
      if (this.#waiting() < this.#options.queueCapacity) this.enqueue(task);
      else this.#startNow(task);
    }
    if (this.#blockedHead === this.#blocked.length) {
      this.#blocked.length = 0;
      this.#blockedHead = 0;
    }
  }

  #hasRoom(): boolean {
    return this.#waiting() < this.#options.queueCapacity || this.#canStartNow(undefined);
  }

  #run(task: Task<Job>, worker: WorkerSlot<Job>): void {
    worker.task = task;
    task.worker = worker;
    this.#busy++;
    this.#begin(task, worker.id);
    let out: unknown;
    try {
      out = worker.runtime.run(task.job, new Context(task, worker.id));
    } catch (error) {
      this.taskReturned(worker, error, false);
      return;
    }
    if (out instanceof Promise) out.then(worker.onFulfilled, worker.onRejected);
    else if (isThenable(out)) Promise.resolve(out).then(worker.onFulfilled, worker.onRejected);
    else this.taskReturned(worker, out, true);
  }

  #begin(task: Task<Job>, workerId: number): void {
    this.#running++;
    task.start(now());
    if (this.observers.eventsObserved) {
      this.#emit({ type: 'task:started', time: now(), taskId: task.id, workerId });
    }
    const timeout = task.timeout ?? this.#options.taskTimeout;
    if (timeout !== undefined && timeout !== Infinity)
      task.timer = startTimer(onTaskTimeout, timeout, task, true);
  }

  /** A worker's task function returned (or threw, or its thread crashed). */
  taskReturned(worker: WorkerSlot<Job>, outcome: unknown, ok: boolean): void {
    const task = worker.task;
    if (task === null) return;
    if (!task.settled) this.#settle(task, ok ? 'succeeded' : 'failed', outcome, worker.id);
    worker.task = null;
    task.worker = null;
    this.#busy--;
    if (task.key !== undefined) this.#releaseKey(task.key);
    if (worker.stopReason !== undefined) this.#stopWorker(worker, worker.stopReason);
    else if (this.#workers.size > this.#maxWorkers) this.#stopWorker(worker, 'resize');
    else this.#idle.push(worker);
    this.#afterSlotFreed();
    if (worker.task === null && !worker.stopped) this.#idleWorker(worker, false);
  }

  #afterSlotFreed(): void {
    if (this.#closed && this.#isIdle()) this.#finish();
    else this.#pump();
  }

  #releaseKey(key: string): void {
    const next = this.#lanes.release(key);
    if (next !== undefined) this.#dispatch.push(next);
  }

  // ─── Settling and cancelling ───────────────────────────────────────────────

  #settle(
    task: Task<Job>,
    state: 'succeeded' | 'failed' | 'cancelled',
    outcome: unknown,
    workerId?: number,
  ): void {
    if (task.state === 'running') this.#running--;
    if (task.timer !== undefined) {
      stopTimer(task.timer);
      task.timer = undefined;
    }
    this.#unwatchSignal(task);
    if (state === 'succeeded') this.#succeeded++;
    else if (state === 'failed') this.#failed++;
    else this.#cancelled++;
    task.settle(state, outcome, now());
    if (this.observers.eventsObserved) {
      const time = now();
      const taskId = task.id;
      this.#emit(
        state === 'succeeded'
          ? { type: 'task:succeeded', time, taskId, workerId: workerId! }
          : state === 'failed'
            ? { type: 'task:failed', time, taskId, workerId: workerId!, error: outcome }
            : workerId === undefined
              ? { type: 'task:cancelled', time, taskId, reason: outcome }
              : { type: 'task:cancelled', time, taskId, workerId, reason: outcome },
      );
    }
  }

  cancelTask(task: Task<Job>, error: CancelledError): boolean {
    switch (task.state) {
      case 'blocked':
        this.#blockedCount--;
        this.#settle(task, 'cancelled', error);
        break;
      case 'queued':
        if (task.inLane) this.#lanes.delete(task);
        else {
          this.#dispatch.delete(task);
          if (task.key !== undefined) this.#releaseKey(task.key);
        }
        this.#settle(task, 'cancelled', error);
        this.#depthChanged();
        break;
      case 'running':
        this.#settle(task, 'cancelled', error, task.worker?.id ?? -1);
        task.abort(error);
        break;
      default:
        return false;
    }
    if (this.#closed && this.#isIdle()) this.#finish();
    else this.#pump();
    return true;
  }

  timeoutTask(task: Task<Job>): void {
    if (task.state !== 'running') return;
    const error = new TimeoutError(task.timeout ?? this.#options.taskTimeout!, { taskId: task.id });
    this.#settle(task, 'failed', error, task.worker?.id ?? -1);
    task.abort(error);
    this.#changed();
  }

  #watchSignal(task: Task<Job>): void {
    if (task.signal !== undefined) this.#signals.add(task.signal, task);
  }

  #unwatchSignal(task: Task<Job>): void {
    if (task.signal !== undefined) this.#signals.delete(task.signal, task);
  }

  #signalError(task: Task<Job>): CancelledError {
    return new CancelledError('The task was cancelled by its signal', {
      taskId: task.id,
      cause: task.signal!.reason,
    });
  }

  // ─── Workers and scaling ───────────────────────────────────────────────────

  #startWorker(reason: ScalingReason): WorkerSlot<Job> {
    const id = this.#nextWorkerId++;
    const worker: WorkerSlot<Job> = new WorkerSlot(
      id,
      this.#runtime.startWorker(id, (error) => this.#workerCrashed(worker, error)),
      this,
    );
    this.#workers.add(worker);
    this.#dispatch.workerStarted(worker);
    this.#scaled('up', reason, id);
    return worker;
  }

  #stopWorker(worker: WorkerSlot<Job>, reason: ScalingReason): void {
    if (worker.stopped) return;
    worker.stopped = true;
    if (worker.idleTimer !== undefined) stopTimer(worker.idleTimer);
    worker.idleTimer = undefined;
    const index = this.#idle.indexOf(worker);
    if (index >= 0) this.#idle.splice(index, 1);
    this.#workers.delete(worker);
    this.#dispatch.workerStopped(worker);
    worker.runtime.stop();
    this.#scaled('down', reason, worker.id);
  }

  #workerCrashed(worker: WorkerSlot<Job>, error: unknown): void {
    if (worker.stopped) return;
    worker.stopReason = 'crash';
    if (worker.task !== null) this.taskReturned(worker, error, false);
    else this.#stopWorker(worker, 'crash');
    this.#warmUp();
    this.#pump();
  }

  #scaled(type: 'up' | 'down', reason: ScalingReason, workerId: number): void {
    const observers = this.observers;
    if (observers.eventsObserved) {
      this.#emit({ type: type === 'up' ? 'worker:started' : 'worker:stopped', time: now(), workerId });
    }
    if (observers.scalingObserved) {
      observers.emitScaling({ type, workers: this.#workers.size, reason, workerId, time: now() });
    }
  }

  #warmUp(): void {
    while (!this.#closed && this.#workers.size < this.#minWorkers)
      this.#idleWorker(this.#startWorker('warm-up'));
  }

  /** A worker just went idle: note when, and arm its idle timer (or the reaper). */
  #idleWorker(worker: WorkerSlot<Job>, push = true): void {
    if (push) this.#idle.push(worker);
    worker.idleSince = now();
    this.#armIdleTimer(worker);
  }

  #armIdleTimer(worker: WorkerSlot<Job>): void {
    if (this.#workers.size <= this.#minWorkers || this.#closed) return;
    const { idleTimeout, reaperInterval } = this.#options;
    if (idleTimeout === Infinity) return;
    if (reaperInterval !== undefined) {
      this.#reaper ??= startTimer(onReaperTick, reaperInterval, this as PoolCore<unknown>, false);
    } else if (idleTimeout === 0) {
      this.#stopWorker(worker, 'idle-timeout');
    } else {
      worker.idleTimer ??= startTimer(onIdleTimer, idleTimeout, worker as WorkerSlot<unknown>, false);
    }
  }

  idleTimerFired(worker: WorkerSlot<Job>): void {
    worker.idleTimer = undefined;
    if (worker.stopped || worker.task !== null) return;
    const remaining = worker.idleSince + this.#options.idleTimeout - now();
    if (remaining > 0)
      worker.idleTimer = startTimer(onIdleTimer, remaining, worker as WorkerSlot<unknown>, false);
    else if (this.#workers.size > this.#minWorkers) this.#stopWorker(worker, 'idle-timeout');
    this.#changed();
  }

  reaperTick(): void {
    this.#reaper = undefined;
    const deadline = now() - this.#options.idleTimeout;
    // Oldest idle first: the last worker to go idle is the last to stop.
    for (const worker of [...this.#idle]) {
      if (this.#workers.size <= this.#minWorkers) break;
      if (worker.idleSince <= deadline) this.#stopWorker(worker, 'reaper');
    }
    if (this.#workers.size > this.#minWorkers && this.#idle.length > 0 && !this.#closed) {
      this.#reaper = startTimer(
        onReaperTick,
        this.#options.reaperInterval!,
        this as PoolCore<unknown>,
        false,
      );
    }
    this.#changed();
  }

  resize(minWorkers: number | undefined, maxWorkers: number | undefined): void {
    const min = minWorkers === undefined ? this.#minWorkers : checkCount('minWorkers', minWorkers, 0, false);
    const max = maxWorkers === undefined ? this.#maxWorkers : checkCount('maxWorkers', maxWorkers, 1, true);
    checkBounds(min, max);
    this.#minWorkers = min;
    this.#maxWorkers = max;
    if (this.observers.eventsObserved) {
      this.#emit({ type: 'pool:resized', time: now(), minWorkers: min, maxWorkers: max });
    }
    // Shrink: idle workers stop now (oldest idle first), busy ones as their tasks return.
    for (const worker of [...this.#idle]) {
      if (this.#workers.size <= max) break;
      this.#stopWorker(worker, 'resize');
    }
    this.#warmUp();
    for (const worker of [...this.#idle]) this.#armIdleTimer(worker);
    this.#pump();
  }

  // ─── Pause, drain, close, terminate ────────────────────────────────────────

  pause(): void {
    if (this.#paused || this.#closed) return;
    this.#paused = true;
    if (this.observers.eventsObserved) this.#emit({ type: 'pool:paused', time: now() });
    this.#changed();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.observers.eventsObserved) this.#emit({ type: 'pool:resumed', time: now() });
    this.#pump();
  }

  get paused(): boolean {
    return this.#paused;
  }

  #isIdle(): boolean {
    return this.#waiting() === 0 && this.#blockedCount === 0 && this.#busy === 0 && this.#onCaller.size === 0;
  }

  drain(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  ready(): Promise<void> {
    if (this.#closed || this.#options.queueCapacity === Infinity) return Promise.resolve();
    if (this.#readyWaiters.length === 0 && this.#room() > 0) {
      this.#reservedRoom++;
      return Promise.resolve();
    }
    const promise = new Promise<void>((resolve) => this.#readyWaiters.push(resolve));
    this.#changed();
    return promise;
  }

  /** How many submissions would be accepted now without the full-queue policy. */
  #room(): number {
    if (this.#closed) return Infinity;
    let room = Math.max(0, this.#options.queueCapacity - this.#waiting() - this.#blockedCount);
    if (!this.#paused && this.#dispatch.size === 0 && this.#blockedCount === 0) {
      room += this.#maxWorkers - this.#busy;
    }
    return room - this.#reservedRoom;
  }

  close(): Promise<void> {
    if (!this.#finished) {
      this.#closed = true;
      if (this.#paused) this.resume();
      if (this.#isIdle()) this.#finish();
    }
    return this.#whenFinished();
  }

  terminate(reason?: unknown): Promise<void> {
    if (!this.#finished) {
      this.#closed = true;
      this.#paused = false;
      const error = (): CancelledError =>
        new CancelledError('The pool was terminated', reason === undefined ? {} : { cause: reason });
      const pending: Task<Job>[] = [];
      for (let i = this.#blockedHead; i < this.#blocked.length; i++) pending.push(this.#blocked[i]!);
      pending.push(...this.#dispatch.clear(), ...this.#lanes.clear());
      for (const worker of this.#workers) if (worker.task !== null) pending.push(worker.task);
      pending.push(...this.#onCaller);
      for (const task of pending) {
        if (task.settled) continue;
        if (task.state === 'blocked') this.#blockedCount--;
        const wasRunning = task.state === 'running';
        const cause = error();
        this.#settle(task, 'cancelled', cause, wasRunning ? (task.worker?.id ?? -1) : undefined);
        if (wasRunning) task.abort(cause);
      }
      this.#blocked.length = this.#blockedHead = 0;
      this.#depthChanged();
      if (this.#isIdle()) this.#finish();
      else this.#changed();
    }
    return this.#whenFinished();
  }

  #whenFinished(): Promise<void> {
    if (this.#finished) return Promise.resolve();
    return new Promise((resolve) => this.#closeWaiters.push(resolve));
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    for (const worker of [...this.#workers]) this.#stopWorker(worker, 'shutdown');
    if (this.#reaper !== undefined) stopTimer(this.#reaper);
    this.#reaper = undefined;
    this.#options.signal?.removeEventListener('abort', this.#onPoolAbort);
    this.#notify();
    if (this.observers.eventsObserved) this.#emit({ type: 'pool:closed', time: now() });
    this.observers.complete(this.stats(), this.#waiting());
    for (const resolve of this.#closeWaiters.splice(0)) resolve();
  }

  // ─── Observation ───────────────────────────────────────────────────────────

  stats(): PoolStats {
    const succeeded = this.#succeeded;
    const failed = this.#failed;
    const workers = this.#workers.size;
    return {
      workers,
      idleWorkers: this.#idle.length,
      busyWorkers: workers - this.#idle.length,
      minWorkers: this.#minWorkers,
      maxWorkers: this.#maxWorkers,
      queued: this.#waiting(),
      blocked: this.#blockedCount,
      running: this.#running,
      submitted: this.#submitted,
      succeeded,
      failed,
      cancelled: this.#cancelled,
      rejected: this.#rejected,
      completed: succeeded + failed,
      paused: this.#paused,
      closed: this.#closed,
    };
  }

  #emit(event: PoolEvent): void {
    this.observers.emit(event);
  }

  #emitTask(type: 'task:queued', task: Task<Job>): void {
    if (this.observers.eventsObserved) this.#emit({ type, time: now(), taskId: task.id });
  }

  #depthChanged(): void {
    this.observers.depthChanged(this.#waiting());
  }

  /**
   * Something changed. The one change signal behind `state$`, `drain()` and
   * `ready()`: it costs a few comparisons unless somebody waits or watches.
   */
  #changed(): void {
    if (this.#isIdle() && this.#hadWork) {
      this.#hadWork = false;
      this.#reservedRoom = 0;
      if (this.observers.eventsObserved) this.#emit({ type: 'pool:drained', time: now() });
    }
    if (this.#flushScheduled) return;
    if (this.#drainWaiters.length > 0 || this.#readyWaiters.length > 0 || this.observers.stateObserved) {
      this.#flushScheduled = true;
      void Promise.resolve().then(() => this.#notify());
    }
  }

  #notify(): void {
    this.#flushScheduled = false;
    if (this.#isIdle()) for (const resolve of this.#drainWaiters.splice(0)) resolve();
    const waiters = this.#readyWaiters;
    while (waiters.length > 0 && this.#room() > 0) {
      if (!this.#closed) this.#reservedRoom++;
      waiters.shift()!();
    }
    if (!this.#finished && this.observers.stateObserved) this.observers.emitState(this.stats());
  }
}
