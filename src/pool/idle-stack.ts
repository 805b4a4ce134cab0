/** What the idle stack marks on a worker: whether it is on the stack. */
export interface Idling {
  idle: boolean;
}

/**
 * Workers left behind by `remove` are swept once they outnumber the idle ones
 * and exceed this: a sweep then costs no more than the removals it follows.
 */
const SWEEP_AFTER = 64;

/**
 * The idle workers, in the order they went idle. `pop` takes the most
 * recently idle (it is reused first, so the last to go idle is the last to
 * stop); `oldestFirst` lists them for the sweeps that stop the longest idle.
 *
 * `remove` is O(1): the worker is marked, left in place and skipped, and the
 * array is swept when such workers outnumber the idle ones. Stopping every
 * idle worker of a large pool (at close, in a reaper sweep, on a burst of idle
 * timeouts) is then linear in their number, where a splice per worker made it
 * quadratic (`bench/idle-workers.ts`: closing 40,000 idle workers took 1.26 s
 * with splices, 16 ms now).
 */
export class IdleStack<W extends Idling> {
  #workers: W[] = []; // most recently idle last; removed ones read `idle: false`
  #size = 0;

  /** Idle workers. */
  get size(): number {
    return this.#size;
  }

  push(worker: W): void {
    worker.idle = true;
    this.#workers.push(worker);
    this.#size++;
  }

  /** Takes the most recently idle worker off the stack. */
  pop(): W | undefined {
    const workers = this.#workers;
    for (let worker = workers.pop(); worker !== undefined; worker = workers.pop()) {
      if (worker.idle) {
        worker.idle = false;
        this.#size--;
        return worker;
      }
    }
    return undefined;
  }

  /**
   * Takes a worker that leaves for good (it is stopping) off the stack, if it
   * is on it. A worker removed here must not be pushed again: its old place
   * would read as idle too.
   */
  remove(worker: W): void {
    if (!worker.idle) return;
    worker.idle = false;
    this.#size--;
    const workers = this.#workers;
    if (workers.length - this.#size > Math.max(this.#size, SWEEP_AFTER)) {
      this.#workers = workers.filter((candidate) => candidate.idle);
    }
  }

  /** The idle workers, the longest idle first: a copy, so that the caller may stop them as it goes. */
  oldestFirst(): W[] {
    return this.#workers.filter((worker) => worker.idle);
  }
}
