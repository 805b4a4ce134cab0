import { config } from 'rxjs';

/**
 * Reports an error thrown by a listener the pool calls synchronously (an
 * Observable's subscriber, a Future's synchronous listener), as RxJS
 * reports one thrown by a `next` handler: to `config.onUnhandledError` if
 * set, else thrown on a later turn. The pool's step it interrupted goes on.
 */
export function reportUnhandled(error: unknown): void {
  const report = config.onUnhandledError;
  if (report) report(error);
  else
    globalThis.setTimeout(() => {
      throw error;
    });
}
