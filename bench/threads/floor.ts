/**
 * The thread floor: the least a pool of worker threads does with one task in
 * flight per thread, as a pool with one queue for all threads must have to
 * start tasks in its order. Threads started up front, a queue read through a
 * head index, one message each way per task and one promise per task. No
 * options, errors, cancellation or events: what `ThreadPool` costs beyond
 * this is the price of its features.
 */
import { Worker } from 'node:worker_threads';

interface Call {
  readonly fn: string;
  readonly args: readonly number[];
  readonly resolve: (value: number) => void;
}

export class ThreadFloor {
  readonly #threads: Worker[];
  readonly #idle: Worker[];
  readonly #running = new Map<Worker, Call>();
  readonly #waiting: (Call | undefined)[] = [];
  #head = 0;

  /** `size` threads, each running `file` (see `floor-worker.ts`). */
  constructor(file: URL, size: number) {
    this.#threads = Array.from({ length: size }, () => {
      const thread = new Worker(file);
      thread.on('message', (value: number) => this.#answered(thread, value));
      return thread;
    });
    this.#idle = [...this.#threads];
  }

  run(fn: string, ...args: number[]): Promise<number> {
    return new Promise((resolve) => {
      const call = { fn, args, resolve };
      const thread = this.#idle.pop();
      if (thread === undefined) this.#waiting.push(call);
      else this.#send(thread, call);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#threads.map((thread) => thread.terminate()));
  }

  #send(thread: Worker, call: Call): void {
    this.#running.set(thread, call);
    thread.postMessage({ fn: call.fn, args: call.args });
  }

  #answered(thread: Worker, value: number): void {
    this.#running.get(thread)!.resolve(value);
    if (this.#head === this.#waiting.length) {
      this.#idle.push(thread);
      return;
    }
    const next = this.#waiting[this.#head]!;
    this.#waiting[this.#head++] = undefined; // let it be collected
    if (this.#head === this.#waiting.length) this.#waiting.length = this.#head = 0;
    this.#send(thread, next);
  }
}
