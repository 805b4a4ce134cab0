/** What listens to a user's signal: a task, cancelled when it aborts. */
export interface AbortListener {
  handleEvent(): void;
}

interface Watch<T> {
  readonly listeners: Set<T>;
  readonly onAbort: () => void;
}

/**
 * One abort listener per user signal, however many tasks share it (a
 * request-scoped signal passed to a thousand tasks adds one listener, not a
 * thousand, so Node's max-listeners warning never fires for one pool). The
 * listener is removed when the last task using the signal settles.
 *
 * `batch` runs the cancellation of every task on an aborted signal as one
 * change: none of them starts in a place another one's cancellation freed.
 */
export class SignalWatch<T extends AbortListener> {
  readonly #watches = new WeakMap<AbortSignal, Watch<T>>();
  readonly #batch: (change: () => void) => void;

  constructor(batch: (change: () => void) => void) {
    this.#batch = batch;
  }

  add(signal: AbortSignal, listener: T): void {
    let watch = this.#watches.get(signal);
    if (watch === undefined) {
      const listeners = new Set<T>();
      const onAbort = (): void =>
        this.#batch(() => {
          for (const each of [...listeners]) each.handleEvent();
        });
      watch = { listeners, onAbort };
      this.#watches.set(signal, watch);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    watch.listeners.add(listener);
  }

  delete(signal: AbortSignal, listener: T): void {
    const watch = this.#watches.get(signal);
    if (watch === undefined || !watch.listeners.delete(listener) || watch.listeners.size > 0) return;
    this.#watches.delete(signal);
    signal.removeEventListener('abort', watch.onAbort);
  }
}
