import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { WorkerCrashedError } from '../errors.js';
import { Timer } from '../pool/clock.js';
import type { Returned, Runtime, RuntimeWorker, WorkerCrashed } from '../pool/runtime.js';
import type { TaskContext } from '../pool/task.js';
import { bootstrapUrl } from './bootstrap.js';
import type { ThreadSettings } from './options.js';
import {
  fromRecord,
  recordThrown,
  type DoneMessage,
  type FailedMessage,
  type LoadedMessage,
  type PoolMessage,
  type ThreadData,
  type ThreadMessage,
} from './protocol.js';
import type { ThreadTask } from './task.js';

/** The task a thread is running, as the pool side tracks it. */
interface Running {
  readonly id: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** The task offered to a thread (see `ThreadWorker.offer`), until the pool runs it or recalls it. */
interface Offered {
  readonly id: number;
  /** Its answer, if it came before the pool ran it. */
  answer: ThreadMessage | undefined;
  /** Aborted before the pool ran it (it started, and could not be recalled): its grace starts then. */
  aborted: { readonly reason: unknown; readonly terminating: boolean } | undefined;
}

/** How a pool's threads are made and stopped. */
export interface ThreadConfig {
  /** The module whose exports the tasks call. */
  readonly moduleUrl: string;
  /** Given to each `new Worker(...)`. */
  readonly settings: ThreadSettings;
  /** How long an aborted task may go on before its thread is stopped (`Infinity`: for as long as it runs). */
  readonly abortGrace: number;
  /** The same, for a task `terminate()` aborted. */
  readonly terminateGrace: number;
}

const onGraceOver = (worker: ThreadWorker): void => worker.graceOver();

/** How long (ms) `close()` and `terminate()` wait for the threads they stopped to exit. */
export const EXIT_WAIT = 1_000;

/**
 * One worker thread running one task at a time. Its `run` posts the task and
 * returns a promise of the thread's answer; the pool's `abort` (the task was
 * cancelled, timed out or terminated) posts an abort, and stops the thread
 * if the task has not returned `abortGrace` ms later (`terminateGrace` after
 * `terminate()`). A thread that dies (an
 * uncaught error, `process.exit`, a resource limit, or stopped so) reports a
 * `WorkerCrashedError` through `crashed`, and the pool core fails its task
 * (if still running) and replaces it.
 *
 * While it runs a task, it may be offered the next (`offer`): the thread
 * takes it from the offer slot they share as soon as its task has returned,
 * unless the pool has recalled it first, and starts it without waiting for
 * a message.
 *
 * The thread holds the process open only while it runs a task: idle, it is
 * unref'd, as the pool's idle timers are, and `stop()` unrefs it at once.
 *
 * @example
 * ```ts
 * const config = { moduleUrl: 'file:///app/worker.js', settings: {}, abortGrace: Infinity, terminateGrace: 1_000 };
 * const worker = new ThreadWorker(1, config, onCrash);
 * await worker.run({ fn: 'fib', args: [20] }, ctx); // 6765
 * ```
 */
export class ThreadWorker implements RuntimeWorker<ThreadTask> {
  readonly #workerId: number;
  readonly #thread: Worker;
  /** The pool's end of the protocol's channel. */
  readonly #port: MessagePort;
  readonly #crashed: WorkerCrashed;
  readonly #abortGrace: number;
  readonly #terminateGrace: number;
  /** Runs from an abort until the aborted task returns; made on the first. */
  #grace: Timer<ThreadWorker> | undefined = undefined;
  /** What it was last started for, in ms. */
  #graceLength = 0;
  /** Why the pool stopped the thread itself, when it did. */
  #killedFor: Error | undefined = undefined;
  #running: Running | undefined = undefined;
  /** The thread's offer slot (see `ThreadData.offers`). */
  readonly #offerSlot = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  #offered: Offered | undefined = undefined;
  /** How the running task's return is told when a recall finds the offer taken (see `recall`). */
  #returned: ((outcome: unknown, ok: boolean) => void) | undefined = undefined;
  /** Why the thread died, once it has: a task offered and started then failed with it too. */
  #crash: WorkerCrashedError | undefined = undefined;
  #lastError: unknown = undefined;
  #stopped = false;
  /** The module has loaded (or failed to): a task starts without waiting. */
  #loaded = false;
  /** Called when it has: the timeouts of tasks given to it meanwhile. */
  #onLoaded: (() => void)[] = [];
  /** Resolves when the thread has exited. */
  readonly exited: Promise<void>;

  constructor(
    workerId: number,
    { moduleUrl, settings, abortGrace, terminateGrace }: ThreadConfig,
    crashed: WorkerCrashed,
  ) {
    this.#workerId = workerId;
    this.#crashed = crashed;
    this.#abortGrace = abortGrace;
    this.#terminateGrace = terminateGrace;
    const { port1, port2 } = new MessageChannel();
    try {
      this.#thread = new Worker(bootstrapUrl, settings);
      // The pool's own data, first on parentPort: `workerData` is the user's.
      const offers = this.#offerSlot.buffer as SharedArrayBuffer;
      const data: ThreadData = { moduleUrl, workerId, port: port2, offers };
      this.#thread.postMessage(data, [port2]);
    } catch (error) {
      port1.close();
      port2.close();
      throw error;
    }
    this.#port = port1;
    this.#port.on('message', (message: ThreadMessage) => this.#answered(message));
    this.#port.on('messageerror', (error) => this.#finish(error, false));
    // Only the thread holds the process open, and only while it runs a task.
    this.#port.unref();
    // Without a listener, a thread's uncaught error would be thrown on this thread.
    this.#thread.on('error', (error) => (this.#lastError = error));
    this.exited = new Promise((resolve) => this.#thread.once('exit', () => resolve()));
    this.#thread.on('exit', (code) => this.#exited(code));
    this.#thread.unref();
  }

  run(job: ThreadTask, ctx: TaskContext): Promise<unknown> {
    if (this.#offered?.id === ctx.taskId) return this.#runOffered(this.#offered);
    const message: PoolMessage = ['run', ctx.taskId, job.fn, job.args];
    // Throws (and fails the task, the thread unharmed) when an arg cannot be cloned, or a
    // buffer to transfer was transferred already: Node drops such a message without a word.
    if (job.transfer !== undefined) checkTransferable(job.transfer);
    this.#port.postMessage(message, job.transfer);
    return new Promise((resolve, reject) => {
      this.#running = { id: ctx.taskId, resolve, reject };
      this.#thread.ref();
    });
  }

  /**
   * While the thread runs a task, posts it task `taskId`, the one to run
   * next, and writes the id into its offer slot; the thread takes it (swaps
   * the id for 0) as soon as its task has returned, and starts it. Nothing
   * is offered to a thread still loading its module, with an offer
   * outstanding, or a task that transfers buffers (a recalled task must
   * still have them).
   */
  offer(job: ThreadTask, taskId: number, returned: (outcome: unknown, ok: boolean) => void): boolean {
    if (
      !this.#loaded ||
      this.#stopped ||
      this.#running === undefined ||
      this.#offered !== undefined ||
      job.transfer !== undefined ||
      Atomics.load(this.#offerSlot, 0) !== 0
    ) {
      return false;
    }
    const message: PoolMessage = ['offer', taskId, job.fn, job.args];
    Atomics.store(this.#offerSlot, 0, taskId);
    try {
      this.#port.postMessage(message);
    } catch {
      // An arg that cannot be cloned: `run` fails the task when it comes to it.
      Atomics.store(this.#offerSlot, 0, 0);
      return false;
    }
    this.#offered = { id: taskId, answer: undefined, aborted: undefined };
    this.#returned = returned;
    return true;
  }

  /**
   * Swaps the offered task's id for minus it, unless the thread has taken
   * it (a dead thread takes nothing). Taken, the thread had posted the
   * running task's answer first: it is read now, and told through
   * `returned` (see `RuntimeWorker.recall`).
   */
  recall(): boolean {
    const { id } = this.#offered!;
    if (Atomics.compareExchange(this.#offerSlot, 0, id, -id) === id) {
      this.#offered = undefined;
      return true;
    }
    const running = this.#running?.id;
    if (running === undefined) return false;
    for (const message of this.#unread()) {
      if (answerId(message) === running) {
        this.#release();
        this.#ended();
        tell(message as AnswerMessage, this.#returned!);
        break;
      }
      this.#answered(message);
    }
    return false;
  }

  /** The thread's messages not yet read, read one by one as they are asked for. */
  *#unread(): Generator<ThreadMessage> {
    for (let received = receiveMessageOnPort(this.#port); received !== undefined;) {
      yield received.message as ThreadMessage;
      received = receiveMessageOnPort(this.#port);
    }
  }

  /** The pool runs the task it offered, which the thread has started or will: nothing to post. */
  #runOffered(offered: Offered): Promise<unknown> {
    this.#offered = undefined;
    if (this.#stopped) {
      // Started on a thread that died since: it failed with it, unless it answered first.
      if (offered.answer === undefined) {
        const cause = this.#crash?.cause ?? new Error('The thread was stopped');
        return Promise.reject(new WorkerCrashedError(this.#workerId, { taskId: offered.id, cause }));
      }
      return new Promise((resolve, reject) => {
        this.#running = { id: offered.id, resolve, reject };
        this.#answered(offered.answer!);
      });
    }
    // Whether the thread has taken it or not, it runs: the slot is free for the next offer.
    Atomics.compareExchange(this.#offerSlot, 0, offered.id, 0);
    const outcome = new Promise((resolve, reject) => {
      this.#running = { id: offered.id, resolve, reject };
      this.#thread.ref();
    });
    if (offered.aborted !== undefined) {
      this.abort(offered.aborted.reason, offered.aborted.terminating, offered.id);
    }
    if (offered.answer !== undefined) this.#answered(offered.answer);
    return outcome;
  }

  /** The thread is still loading the module. */
  get starting(): boolean {
    return !this.#loaded && !this.#stopped;
  }

  /** Until the thread has loaded the module: `callback` then, and true. */
  onceReady(callback: () => void): boolean {
    if (this.#loaded) return false;
    this.#onLoaded.push(callback);
    return true;
  }

  /**
   * The running task was aborted on the pool's side: abort it in the thread
   * too. Under `terminate()` (again, for a task cancelled before that still
   * runs), its grace counts from now, whether the module has loaded or not.
   */
  abort(reason: unknown, terminating: boolean, taskId: number): void {
    if (this.#stopped) return;
    const running = this.#running;
    if (running?.id !== taskId) {
      // The task offered, started but not yet run by the pool: its grace starts once it is.
      const offered = this.#offered;
      if (offered?.id !== taskId || offered.aborted !== undefined) return;
      offered.aborted = { reason, terminating };
      this.#port.postMessage({
        type: 'abort',
        id: taskId,
        reason: recordThrown(reason),
      } satisfies PoolMessage);
      return;
    }
    const message: PoolMessage = { type: 'abort', id: running.id, reason: recordThrown(reason) };
    this.#port.postMessage(message);
    if (terminating) this.#startGrace(this.#terminateGrace);
    // From when the thread has loaded the module, as a timeout: until then it answers an abort at once.
    else if (this.#loaded) this.#startGrace(this.#abortGrace);
    else if (this.#abortGrace !== Infinity) {
      this.#onLoaded.push(() => this.#running === running && this.#startGrace(this.#abortGrace));
    }
  }

  /** Unless one runs already: it is never longer, as `terminateGrace` is `abortGrace` when that is given. */
  #startGrace(duration: number): void {
    if (duration === Infinity) return;
    const grace = (this.#grace ??= new Timer(onGraceOver, this as ThreadWorker, false));
    if (grace.current) return;
    this.#graceLength = duration;
    grace.start(duration);
  }

  /** The aborted task is still running its grace on: its thread is stopped, and reported dead. */
  graceOver(): void {
    if (this.#running === undefined || this.#stopped) return;
    this.#killedFor = new Error(
      `The task went on ${this.#graceLength} ms after its signal aborted (abortGrace): its thread was stopped`,
    );
    void this.#thread.terminate();
    // Reported dead now, not at its exit: a thread blocked in a system call exits only once the call
    // returns, and its slot is free now. It holds the process open no longer either.
    this.#thread.unref();
    this.#exited(undefined);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#end();
    this.#thread.unref();
    void this.#thread.terminate();
  }

  /** Nothing more is run or waited for here; returns the task it was running. */
  #end(): Running | undefined {
    this.#stopped = true;
    this.#grace?.stop();
    this.#onLoaded.length = 0;
    this.#port.close();
    return this.#release();
  }

  #answered(message: ThreadMessage): void {
    const id = answerId(message);
    if (id === undefined) {
      this.#loaded = true;
      for (const callback of this.#onLoaded.splice(0)) callback();
      return;
    }
    if (id !== this.#running?.id) {
      if (id === this.#offered?.id) this.#offered.answer = message as AnswerMessage;
      return;
    }
    tell(message as AnswerMessage, this.#finish);
  }

  readonly #finish = (outcome: unknown, ok: boolean): void => {
    const running = this.#release();
    if (running === undefined) return;
    this.#ended();
    if (ok) running.resolve(outcome);
    else running.reject(outcome);
  };

  /** Its task has returned: no grace runs, and the thread holds the process open no longer. */
  #ended(): void {
    this.#grace?.stop();
    if (!this.#stopped) this.#thread.unref();
  }

  #release(): Running | undefined {
    const running = this.#running;
    this.#running = undefined;
    return running;
  }

  /** `code`: the thread's exit code; undefined when it is reported dead before its exit. */
  #exited(code: number | undefined): void {
    if (this.#stopped) return;
    // What the thread answered before it died counts: a task that returned did not crash. The
    // answers are told with the death, first, in order (the running task's, then the offered
    // one's): through their promises, the pool would hear of them after it.
    const returned: Returned[] = [];
    for (const message of this.#unread()) {
      const taskId = answerId(message);
      if (taskId === undefined) this.#answered(message);
      else if (taskId === this.#running?.id || taskId === this.#offered?.id) {
        tell(message as AnswerMessage, (outcome, ok) => returned.push({ taskId, outcome, ok }));
      }
    }
    const running = this.#end();
    const cause = this.#killedFor ?? this.#lastError ?? new Error(`The thread exited with code ${code}`);
    this.#crash = new WorkerCrashedError(this.#workerId, { taskId: this.#diedIn(running, returned), cause });
    this.#crashed(this.#crash, this.#killedFor !== undefined, returned);
  }

  /** The task the thread died running: its running one unless that returned, then the offered one if it took it. */
  #diedIn(running: Running | undefined, returned: readonly Returned[]): number | undefined {
    const answered = (id: number): boolean => returned.some((entry) => entry.taskId === id);
    if (running !== undefined && !answered(running.id)) return running.id;
    const offered = this.#offered;
    const taken = offered !== undefined && Atomics.load(this.#offerSlot, 0) !== offered.id;
    return taken && !answered(offered.id) ? offered.id : undefined;
  }
}

/** A task's answer: it returned, or threw. */
type AnswerMessage = DoneMessage | FailedMessage;

/** The task an answer is for; undefined for `loaded`. */
function answerId(message: ThreadMessage): number | undefined {
  if (Array.isArray(message)) return (message as DoneMessage)[0];
  return (message as FailedMessage | LoadedMessage).type === 'failed'
    ? (message as FailedMessage).id
    : undefined;
}

/** Tells `to` the outcome an answer carries. */
function tell(message: AnswerMessage, to: (outcome: unknown, ok: boolean) => void): void {
  if (Array.isArray(message)) to((message as DoneMessage)[1], true);
  else to(fromRecord((message as FailedMessage).error), false);
}

/**
 * Throws a `DataCloneError` if `transfer` lists an `ArrayBuffer` already
 * detached (transferred by an earlier task). `postMessage` would send
 * nothing, and throw nothing, when the message holds a view of it: the
 * task would wait for an answer forever, holding its thread.
 */
function checkTransferable(transfer: ThreadTask['transfer'] & object): void {
  for (const [index, item] of transfer.entries()) {
    if (item instanceof ArrayBuffer && isDetached(item)) {
      throw new DOMException(
        `task.transfer[${index}] is an ArrayBuffer already transferred (detached): it can be neither transferred nor cloned`,
        'DataCloneError',
      );
    }
  }
}

/** Node 20 has no `ArrayBuffer#detached`; only a detached buffer refuses a view. */
function isDetached(buffer: ArrayBuffer): boolean {
  if (buffer.byteLength > 0) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

/**
 * The worker_threads runtime: each worker is a thread that loaded `moduleUrl`.
 *
 * @example
 * ```ts
 * const runtime = new ThreadRuntime({
 *   moduleUrl: 'file:///app/worker.js',
 *   settings: {},
 *   abortGrace: 1_000,
 *   terminateGrace: 1_000,
 * });
 * const worker = runtime.startWorker(1, (error) => console.error(error)); // a WorkerCrashedError
 * const value = await worker.run({ fn: 'fib', args: [20] }, ctx);
 * worker.stop();
 * ```
 */
export class ThreadRuntime implements Runtime<ThreadTask> {
  readonly offers = true;
  readonly #config: ThreadConfig;
  /** When each thread started and not yet exited will have: removed as it exits. */
  readonly #exits = new Set<Promise<void>>();

  constructor(config: ThreadConfig) {
    this.#config = config;
  }

  startWorker(workerId: number, crashed: WorkerCrashed): RuntimeWorker<ThreadTask> {
    try {
      const worker = new ThreadWorker(workerId, this.#config, crashed);
      const exit = worker.exited.then(() => void this.#exits.delete(exit));
      this.#exits.add(exit);
      return worker;
    } catch (error) {
      // No thread could start (a permission model without --allow-worker, no memory for one):
      // a worker that dies at once, so the pool fails its task and retries as after a crash.
      return new StillbornWorker(workerId, error, crashed);
    }
  }

  /**
   * Every thread started has exited: as piscina's `destroy()`, `close()`
   * waits for them, {@link EXIT_WAIT} ms at most (a thread blocked in a
   * system call cannot be stopped before the call returns). The wait holds
   * the process open: a thread stopped for its grace is unref'd already, and
   * the caller awaits what comes after.
   */
  async ended(): Promise<void> {
    if (this.#exits.size === 0) return;
    let waited = false;
    let timer: Timer<undefined> | undefined;
    const late = new Promise<void>((resolve) => {
      timer = new Timer(() => ((waited = true), resolve()), undefined, true);
      timer.start(EXIT_WAIT);
    });
    while (this.#exits.size > 0 && !waited) await Promise.race([Promise.all(this.#exits), late]);
    timer!.stop();
  }
}

/**
 * A worker whose thread could not be made: it reports a crash, with the
 * error `new Worker` threw as the cause, once the pool has given it its
 * task, and runs nothing.
 */
class StillbornWorker implements RuntimeWorker<ThreadTask> {
  #taskId: number | undefined = undefined;
  #stopped = false;

  constructor(workerId: number, cause: unknown, crashed: WorkerCrashed) {
    // Later, not now: the pool is still starting it, and may be about to hand it a task.
    queueMicrotask(() => {
      if (this.#stopped) return;
      this.#stopped = true;
      crashed(new WorkerCrashedError(workerId, { taskId: this.#taskId, cause }), false);
    });
  }

  run(_job: ThreadTask, ctx: TaskContext): Promise<unknown> {
    this.#taskId = ctx.taskId;
    return new Promise(() => {}); // the crash settles the task
  }

  stop(): void {
    this.#stopped = true;
  }
}
