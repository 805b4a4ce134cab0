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
   * need not listen to every task's signal.
   */
  abort?(reason: unknown): void;
  /** Stops the worker; it runs nothing more. */
  stop(): void;
}

/** Starts workers for the pool core. */
export interface Runtime<Job> {
  /**
   * Starts worker `workerId`. `crashed(error)` is how the worker reports
   * that it died (a thread that exited): the core fails its task and replaces it.
   */
  startWorker(workerId: number, crashed: (error: unknown) => void): RuntimeWorker<Job>;
}

/** A task function, run in this process; `rxpool` exports it as `Task` too. */
export type TaskFunction<T> = (ctx: TaskContext) => T | PromiseLike<T>;

const inlineWorker: RuntimeWorker<TaskFunction<unknown>> = {
  run: (job, ctx) => job(ctx),
  stop: () => {},
};

/** The in-process runtime: a worker is a slot, a task is a function call. */
export const inlineRuntime: Runtime<TaskFunction<unknown>> = {
  startWorker: () => inlineWorker,
};
