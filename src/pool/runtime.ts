/**
 * The runtime seam: how one task runs on one worker. The pool core owns
 * queueing, dispatch, scaling, futures, stats and events; a runtime only
 * starts workers and runs a job on one.
 */
import type { TaskContext } from './task.js';

/** One worker, as its runtime sees it. */
export interface RuntimeWorker<Job> {
  /** Runs `job`; returns its value, or a thenable of it. May throw. */
  run(job: Job, ctx: TaskContext): unknown;
  /**
   * The running task was cancelled, timed out or terminated (`ctx.signal`
   * aborts too). A runtime whose task cannot read `ctx.signal`, such as one
   * running in another thread, passes the abort on from here, so that it
   * need not listen to every task's signal. `terminating`: by `terminate()`,
   * which waits for the task to return. `taskId`: the task aborted, the
   * running one or the one offered (see `offer`) that has started.
   */
  abort?(reason: unknown, terminating: boolean, taskId: number): void;
  /**
   * While the worker runs a task, hands it task `taskId`, the one it is to
   * run next: it starts that task itself as soon as the running one
   * returns, without waiting to be told, unless `recall()` takes it back
   * first. The pool still counts it queued until it hears that the running
   * task returned, and then passes it to `run`, which starts nothing more.
   * A thread so never sleeps between two tasks waiting for the next
   * message. `returned`: how the worker tells of the running task's return
   * when `recall` finds the offer started. Returns false if the worker
   * takes no offer now.
   */
  offer?(job: Job, taskId: number, returned: (outcome: unknown, ok: boolean) => void): boolean;
  /**
   * Takes the offered task back: true if it has not started, and never
   * will. False if it has: the running task returned, and unless its
   * outcome was told already, the worker tells it through `returned`
   * before `recall` returns (its promise never settles then), so that the
   * pool hears of that return before it counts the offered task started.
   */
  recall?(): boolean;
  /**
   * For a worker still starting (a thread loading its module): calls
   * `callback` once it runs tasks without delay, and returns true. A ready
   * worker returns false and never calls it; absent, the worker is always
   * ready. A task given to a starting worker has its timeout counted again
   * from then, so that the start-up is not taken from its time (a start-up
   * longer than the timeout times it out), and under a rate limit its start
   * counts from then.
   */
  onceReady?(callback: () => void): boolean;
  /**
   * True while the worker still starts (see `onceReady`): an idle worker
   * that has started is given a task before it. Absent: always started.
   */
  readonly starting?: boolean;
  /** Stops the worker; it runs nothing more. */
  stop(): void;
}

/** The outcome of a task, which returned (`ok`) or threw, as its worker read it before it died. */
export interface Returned {
  readonly taskId: number;
  readonly outcome: unknown;
  readonly ok: boolean;
}

/**
 * How a worker reports that it died (a thread that exited). `stopped`: its
 * runtime ended it itself, as its aborted task would not return; no sign
 * that the next one would die too. `returned`: the tasks that returned (or
 * threw) before it died and were not told yet, in order: the running one,
 * then the one offered, which started when it returned. The pool hears of
 * them first; their promises never settle.
 */
export type WorkerCrashed = (error: unknown, stopped?: boolean, returned?: readonly Returned[]) => void;

/** Starts workers for the pool core. */
export interface Runtime<Job> {
  /** Its workers take offers (see `RuntimeWorker.offer`). */
  readonly offers?: boolean;
  /**
   * Starts worker `workerId`. Through `crashed` it reports that it died:
   * the core fails its task and replaces it.
   */
  startWorker(workerId: number, crashed: WorkerCrashed): RuntimeWorker<Job>;
  /**
   * Resolves once every worker it started has ended (its thread exited):
   * `close()` and `terminate()` resolve after it, so that no handle of the
   * pool is left when they have. Absent: a stopped worker holds nothing.
   */
  ended?(): Promise<void>;
}

/**
 * A task function, run in this process; `rxpool` exports it as `Task` too.
 * What it returns at once (or throws) is told a microtask later, as an
 * async function's outcome: its worker is busy until then.
 */
export type TaskFunction<T> = (ctx: TaskContext) => T | PromiseLike<T>;

const inlineWorker: RuntimeWorker<TaskFunction<unknown>> = {
  run: (job, ctx) => job(ctx),
  stop: () => {},
};

/** The in-process runtime: a worker is a slot, a task is a function call. */
export const inlineRuntime: Runtime<TaskFunction<unknown>> = {
  startWorker: () => inlineWorker,
};
