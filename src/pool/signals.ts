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
 * thousand, so Node's max-listeners warning never fires). The listener is
 * removed when the last task using the signal settles.
 */
export class SignalWatch<T extends AbortListener> {
  readonly #watches = new WeakMap<AbortSignal, Watch<T>>();

  add(signal: AbortSignal, listener: T): void {
    let watch = this.#watches.get(signal);
    if (watch === undefined) {
      const listeners = new Set<T>();
      const onAbort = (): void => {
        for (const each of [...listeners]) each.handleEvent();
      };
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
