import { Err, Ok, type Result } from 'ts-results-es';

/**
 * Combinators over futures (or any awaitables). They return Promises, like
 * their `Promise` namesakes, and never cancel the futures they wait on.
 * They are also reachable as `Future.all`, `Future.allSettled`, `Future.any`
 * and `Future.race`.
 * @module
 */

type Awaitables<T extends readonly unknown[]> = { -readonly [K in keyof T]: Awaited<T[K]> };
type Settlements<T extends readonly unknown[]> = { -readonly [K in keyof T]: Result<Awaited<T[K]>, unknown> };

/**
 * Resolves to every value, in input order, or rejects with the first failure.
 *
 * @example
 * ```ts
 * const [a, b] = await Future.all([pool.submit(() => 1), pool.submit(() => 'two')]);
 * ```
 */
export function all<T extends readonly unknown[] | []>(futures: T): Promise<Awaitables<T>>;
export function all<T>(futures: Iterable<T | PromiseLike<T>>): Promise<Awaited<T>[]>;
export function all(futures: Iterable<unknown>): Promise<unknown[]> {
  return Promise.all(futures);
}

/**
 * Resolves, once every input has settled, to one `Result` per input, in input
 * order: `Ok(value)` or `Err(error)`. Never rejects.
 *
 * @example
 * ```ts
 * const results = await Future.allSettled(urls.map((url) => pool.submit(() => fetch(url))));
 * const failures = results.filter((r) => r.isErr()).length;
 * ```
 */
export function allSettled<T extends readonly unknown[] | []>(futures: T): Promise<Settlements<T>>;
export function allSettled<T>(futures: Iterable<T | PromiseLike<T>>): Promise<Result<Awaited<T>, unknown>[]>;
export function allSettled(futures: Iterable<unknown>): Promise<Result<unknown, unknown>[]> {
  // `Promise.allSettled` reads the input, so a bad one rejects just as there.
  return Promise.allSettled(futures).then((outcomes) =>
    outcomes.map((outcome) => (outcome.status === 'fulfilled' ? Ok(outcome.value) : Err(outcome.reason))),
  );
}

/**
 * Resolves with the first value to arrive; rejects with an `AggregateError`
 * of every error if all fail (or if there are none).
 *
 * @example
 * ```ts
 * const fastest = await Future.any(mirrors.map((mirror) => pool.submit(() => fetchFrom(mirror))));
 * ```
 */
export function any<T extends readonly unknown[] | []>(futures: T): Promise<Awaited<T[number]>>;
export function any<T>(futures: Iterable<T | PromiseLike<T>>): Promise<Awaited<T>>;
export function any(futures: Iterable<unknown>): Promise<unknown> {
  return Promise.any(futures);
}

/**
 * Settles as the first input to settle. Never settles for an empty input.
 *
 * @example
 * ```ts
 * const first = await Future.race([pool.submit(() => lookup(key)), pool.submit(() => fallback(key))]);
 * ```
 */
export function race<T extends readonly unknown[] | []>(futures: T): Promise<Awaited<T[number]>>;
export function race<T>(futures: Iterable<T | PromiseLike<T>>): Promise<Awaited<T>>;
export function race(futures: Iterable<unknown>): Promise<unknown> {
  return Promise.race(futures);
}
