import type { SchedulerLike } from 'rxjs';
import { describeValue } from '../pool/options.js';

/** A window length in ms: a finite number > 0. */
export function checkWindow(name: string, value: unknown): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be a number of ms, received ${describeValue(value)}`);
  }
  if (!(value > 0 && value < Infinity)) {
    throw new RangeError(`${name} must be a finite number of ms > 0, received ${describeValue(value)}`);
  }
  return value;
}

/** An RxJS scheduler (`now()` and `schedule()`), or undefined. */
export function checkScheduler(name: string, value: unknown): SchedulerLike | undefined {
  if (value === undefined) return undefined;
  const scheduler = value as Partial<SchedulerLike> | null;
  if (
    typeof scheduler !== 'object' ||
    scheduler === null ||
    typeof scheduler.now !== 'function' ||
    typeof scheduler.schedule !== 'function'
  ) {
    throw new TypeError(`${name} must be an RxJS scheduler, received ${describeValue(value)}`);
  }
  return scheduler as SchedulerLike;
}

/** An options object, or undefined for none. */
export function checkOptions<T extends object>(name: string, value: unknown): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`${name} must be an object, received ${describeValue(value)}`);
  }
  return value as Partial<T>;
}
