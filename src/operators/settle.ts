import { Observable, type OperatorFunction } from 'rxjs';
import { Err, Ok, type Result } from 'ts-results-es';

/**
 * Turns a stream of futures (or any awaitables) into a stream of their
 * outcomes: `Ok(value)` or `Err(error)`, in the order they settle, never an
 * error. Completes when the source has completed and every future has
 * settled; a source error is passed on at once.
 *
 * - **Cancel:** a cancelled Future is emitted as `Err(CancelledError)`.
 *   Unsubscribing stops listening but does not cancel the futures: they
 *   belong to whoever submitted them (`runInPool` cancels what it submitted).
 * - **After close:** a Future refused by a closed pool is an `Err(PoolClosedError)`.
 *
 * @example
 * ```ts
 * import { Subject } from 'rxjs';
 * import { Pool, type Future } from 'rxpool';
 * import { settle } from 'rxpool/operators';
 *
 * const pool = new Pool({ maxWorkers: 2 });
 * const futures = new Subject<Future<number>>();
 * futures.pipe(settle()).subscribe((result) => console.log(result.isOk() ? result.value : result.error));
 * futures.next(pool.submit(() => 1));
 * futures.next(pool.submit(() => Promise.reject(new Error('no'))));
 * futures.complete();
 * ```
 */
export function settle<T>(): OperatorFunction<PromiseLike<T>, Result<T, unknown>> {
  return (source) =>
    new Observable<Result<T, unknown>>((subscriber) => {
      let pending = 0;
      let sourceDone = false;
      let active = true;

      const deliver = (result: Result<T, unknown>): void => {
        if (!active) return;
        pending--;
        subscriber.next(result);
        if (sourceDone && pending === 0) subscriber.complete();
      };
      const onValue = (value: T): void => deliver(Ok(value));
      const onError = (error: unknown): void => deliver(Err(error));

      const subscription = source.subscribe({
        next: (future) => {
          pending++;
          // Adopted, not called: a thenable's `then` that calls back twice, or throws, counts once.
          Promise.resolve(future).then(onValue, onError);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          if (pending === 0) subscriber.complete();
        },
      });
      return () => {
        active = false;
        subscription.unsubscribe();
      };
    });
}
