/**
 * Pool options: their types, their defaults, and the one place that
 * validates them (at construction, and again in `resize`).
 */

/** What the queue does when it is full. See {@link PoolOptions.onFull}. */
export type FullPolicyName = 'reject' | 'block' | 'discard' | 'discard-oldest' | 'caller-runs';
/** How the pool grows. See {@link PoolOptions.scaleUp}. */
export type ScaleUpPolicyName = 'eager' | 'balanced' | 'lazy';
/** The order in which queued tasks start. See {@link PoolOptions.queue}. */
export type QueueKind = 'fifo' | 'lifo' | 'priority';
/** How tasks reach workers. See {@link PoolOptions.dispatch}. */
export type DispatchMode = 'shared' | 'dedicated';
/** How idle workers are stopped. See {@link PoolOptions.scaleDown}. */
export type ScaleDownOption = 'idle-timeout' | { readonly reaper: { readonly interval: number } };

/**
 * Options of `new Pool(options)`. Only `maxWorkers` is required. Every value
 * is checked at construction: a wrong type throws a `TypeError`, a value out
 * of range a `RangeError`, each naming the option and the value received.
 */
export interface PoolOptions {
  /** Upper bound on concurrently running tasks: an integer ≥ 1, or `Infinity`. */
  maxWorkers: number;
  /** Warm workers, started at construction and never stopped for idleness. Default 0. */
  minWorkers?: number;
  /** A worker idle this long (ms) stops, never below `minWorkers`. `Infinity`: never. Default 10 000. */
  idleTimeout?: number;
  /**
   * `'idle-timeout'` (default): each worker has its own idle timer.
   * `{ reaper: { interval } }`: one periodic sweep every `interval` ms stops the
   * workers idle for at least `idleTimeout`.
   */
  scaleDown?: ScaleDownOption;
  /**
   * When to start another worker for a waiting task (asked only when no
   * worker is idle and `workers < maxWorkers`; every policy starts one when
   * there is no worker at all). Default `'eager'`.
   * - `'eager'`: always: a burst of n tasks starts `min(n, maxWorkers)` workers.
   * - `'balanced'`: when the waiting tasks outnumber the workers. Up to one
   *   task per busy worker may wait, for as long as those workers stay busy:
   *   behind tasks that run for long, it waits even with `maxWorkers` to spare.
   * - `'lazy'`: when a task finishes and more tasks wait than when the
   *   previous one finished (the backlog grows): a stream faster than its
   *   workers adds them one at a time; fewest workers. Behind tasks that do
   *   not finish, an arrival that finds more tasks waiting than workers adds
   *   one, at most once per synchronous run of code and up to half of
   *   `maxWorkers`: a burst runs on two workers (so a first task that runs
   *   long holds none of it back), on one with `maxWorkers` of 2 or less.
   *
   * The policies decide for tasks that can wait. A task that cannot (the
   * queue is full, or `queueCapacity: 0`) is started on a new worker under
   * every policy while `workers < maxWorkers`: a free slot is never refused,
   * and a burst into a queue too small for it starts as many workers under
   * each policy as it needs.
   */
  scaleUp?: ScaleUpPolicyName;
  /** `'fifo'` (default), `'lifo'`, or `'priority'` (higher `priority` first, FIFO among equals). */
  queue?: QueueKind;
  /** How many tasks may wait beyond the running ones. Default `Infinity`; 0 is allowed. */
  queueCapacity?: number;
  /** What a submission that finds the queue full gets. Default `'reject'`. */
  onFull?: FullPolicyName;
  /**
   * `'shared'` (default): one queue all workers take from. `'dedicated'`: a
   * queue per worker, as in Go's scheduler: a submission goes to the
   * least-loaded worker's queue, which holds up to 32 tasks; beyond that,
   * tasks wait in one overflow queue.
   * A free worker starts whichever comes first by the queue's order (its own
   * head, the overflow's, or a task its key has just freed), and with none
   * waiting steals the head of the longest queue. So the queue's order
   * (priority too) holds within each queue, not across the pool: a task
   * waits for the busy worker it was given to even while others run later
   * or lower-priority tasks of their own.
   */
  dispatch?: DispatchMode;
  /** Default per-task timeout in ms, counted from the task's start. */
  taskTimeout?: number;
  /** Aborting this signal terminates the pool. */
  signal?: AbortSignal;
  /**
   * At most `limit` tasks start in any `interval` ms; the others wait in
   * the queue (counted as `queued`) until the window has room. The window
   * slides: it always reaches back `interval` ms from now, so no stretch of
   * that length holds more than `limit` starts. Default: no limit.
   *
   * Capacity and the full-queue policy are unchanged: a task that cannot
   * start for the limit can still wait, and with no room to wait the policy
   * applies. It cannot be combined with `onFull: 'caller-runs'`, whose
   * tasks start at once whatever the limit says.
   *
   * It counts starts in this process: requests that leave evenly can still
   * arrive bunched (the first ones wait for a connection), so against a
   * server's own count, give the interval a margin for that.
   *
   * @example
   * ```ts
   * // An API that allows 10 requests a second, 4 at a time; 100 ms for the way there.
   * const pool = new Pool({ maxWorkers: 4, rateLimit: { limit: 10, interval: 1_100 } });
   * ```
   */
  rateLimit?: RateLimit;
}

/** See {@link PoolOptions.rateLimit}. */
export interface RateLimit {
  /** Starts allowed per window: an integer ≥ 1. */
  limit: number;
  /** The window, in ms: finite, > 0. */
  interval: number;
}

/** Options after validation, defaults filled in. Frozen. */
export interface ResolvedOptions {
  readonly maxWorkers: number;
  readonly minWorkers: number;
  readonly idleTimeout: number;
  readonly reaperInterval: number | undefined;
  readonly scaleUp: ScaleUpPolicyName;
  readonly queue: QueueKind;
  readonly queueCapacity: number;
  readonly onFull: FullPolicyName;
  readonly dispatch: DispatchMode;
  readonly taskTimeout: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly rateLimit: Readonly<RateLimit> | undefined;
}

/** Per-task options of `submit(task, options)`. */
export interface SubmitOptions {
  /** With `queue: 'priority'`, higher runs first. Default 0. */
  priority?: number;
  /** Aborting it cancels the task (with a `CancelledError` whose `cause` is the reason). */
  signal?: AbortSignal;
  /** Timeout in ms, counted from the task's start; overrides the pool's `taskTimeout`. */
  timeout?: number;
  /** Tasks with the same key run one at a time, in submission order. */
  key?: string;
}

/** Options of `ready()` and `drain()`. */
export interface WaitOptions {
  /**
   * Aborting it stops the wait: the promise rejects with the signal's
   * `reason`, and the pool forgets the waiter (a producer that gave up holds
   * no place and no memory).
   */
  signal?: AbortSignal;
}

const show = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  return Array.isArray(value) ? 'an array' : 'an object';
};

function expectNumber(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, received ${show(value)}`);
  if (Number.isNaN(value)) throw new RangeError(`${name} must be a number, received NaN`);
}

/** An integer ≥ `min`, or `Infinity` when `infinite` allows it. */
export function checkCount(name: string, value: unknown, min: number, infinite: boolean): number {
  expectNumber(name, value);
  const ok = (Number.isInteger(value) && value >= min) || (infinite && value === Infinity);
  if (!ok) {
    const expected = `an integer >= ${min}${infinite ? ' or Infinity' : ''}`;
    throw new RangeError(`${name} must be ${expected}, received ${show(value)}`);
  }
  return value;
}

/** A duration in ms: finite ≥ 0, or `Infinity` when allowed. */
export function checkDuration(name: string, value: unknown, infinite: boolean): number {
  expectNumber(name, value);
  if (value < 0 || (!infinite && value === Infinity)) {
    throw new RangeError(
      `${name} must be a duration in ms >= 0${infinite ? ' or Infinity' : ''}, received ${show(value)}`,
    );
  }
  return value;
}

function checkChoice<T extends string>(name: string, value: unknown, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') {
    throw new TypeError(`${name} must be one of ${choices.map(show).join(', ')}, received ${show(value)}`);
  }
  if (!choices.includes(value as T)) {
    throw new RangeError(`${name} must be one of ${choices.map(show).join(', ')}, received ${show(value)}`);
  }
  return value as T;
}

/** Checks that `value` is an `AbortSignal` (or undefined). */
export function checkSignal(name: string, value: unknown): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value;
  throw new TypeError(`${name} must be an AbortSignal, received ${show(value)}`);
}

function checkScaleDown(value: unknown): number | undefined {
  if (value === undefined || value === 'idle-timeout') return undefined;
  const expected = `scaleDown must be 'idle-timeout' or { reaper: { interval } }, received ${show(value)}`;
  if (typeof value === 'string') throw new RangeError(expected);
  const reaper: unknown =
    typeof value === 'object' && value !== null ? (value as { reaper?: unknown }).reaper : undefined;
  if (typeof reaper !== 'object' || reaper === null) throw new TypeError(expected);
  return checkPeriod('scaleDown.reaper.interval', (reaper as { interval?: unknown }).interval);
}

/** A duration in ms that something is done once per: finite, > 0. */
function checkPeriod(name: string, value: unknown): number {
  expectNumber(name, value);
  if (!(value > 0 && Number.isFinite(value))) {
    throw new RangeError(`${name} must be a finite duration in ms > 0, received ${show(value)}`);
  }
  return value;
}

function checkRateLimit(value: unknown, onFull: FullPolicyName): Readonly<RateLimit> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`rateLimit must be an object { limit, interval }, received ${show(value)}`);
  }
  const { limit, interval } = value as Partial<Record<keyof RateLimit, unknown>>;
  const checked = {
    limit: checkCount('rateLimit.limit', limit, 1, false),
    interval: checkPeriod('rateLimit.interval', interval),
  };
  if (onFull === 'caller-runs') {
    throw new RangeError(
      "rateLimit cannot be combined with onFull 'caller-runs': a task run on the caller starts at once, whatever the limit",
    );
  }
  return Object.freeze(checked);
}

/** Checks `minWorkers <= maxWorkers`. */
export function checkBounds(minWorkers: number, maxWorkers: number): void {
  if (minWorkers > maxWorkers) {
    throw new RangeError(`minWorkers (${minWorkers}) must not exceed maxWorkers (${maxWorkers})`);
  }
}

/**
 * Options of other pools (p-queue, p-limit, piscina, tinypool, workerpool)
 * that rxpool names otherwise: given one, a user expects it to work, so it
 * is refused with the name to use rather than ignored.
 */
const PEER_OPTIONS: Readonly<Record<string, string>> = {
  concurrency: 'maxWorkers',
  maxThreads: 'maxWorkers',
  minThreads: 'minWorkers',
  maxQueue: 'queueCapacity',
  maxQueueSize: 'queueCapacity',
  timeout: 'taskTimeout',
  interval: 'rateLimit: { limit, interval }',
  intervalCap: 'rateLimit: { limit, interval }',
  autoStart: 'pause() after construction',
  filename: 'module, with ThreadPool',
};

/** Throws a `TypeError` for an option of another pool library that rxpool names otherwise. */
export function refusePeerOptions(options: object): void {
  for (const [name, instead] of Object.entries(PEER_OPTIONS)) {
    const value: unknown = (options as Record<string, unknown>)[name];
    if (value !== undefined) {
      throw new TypeError(`${name} is not an rxpool option (use ${instead}), received ${show(value)}`);
    }
  }
}

/**
 * Throws a `TypeError` unless `bounds` is an object naming only the bounds
 * `resize()` changes: another pool library's name for one
 * (`concurrency`) is refused as at construction, and any other name
 * (`queueCapacity`, a misspelt `maxworkers`) would change nothing.
 */
export function checkResizeOptions(bounds: unknown): asserts bounds is object {
  if (typeof bounds !== 'object' || bounds === null) {
    throw new TypeError(`resize expects { minWorkers?, maxWorkers? }, received ${show(bounds)}`);
  }
  refusePeerOptions(bounds);
  for (const name of Object.keys(bounds)) {
    if (name !== 'minWorkers' && name !== 'maxWorkers') {
      throw new TypeError(`resize changes minWorkers and maxWorkers only, received ${name}`);
    }
  }
}

/**
 * Validates `options` once and returns them normalised and frozen. An
 * option another pool library has under a name rxpool does not use is a
 * `TypeError` that names the one to use.
 */
export function resolveOptions(options: unknown, defaultMaxWorkers?: number): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Pool options must be an object, received ${show(options)}`);
  }
  refusePeerOptions(options);
  const o = options as Partial<Record<keyof PoolOptions, unknown>>;
  if (o.maxWorkers === undefined && defaultMaxWorkers === undefined) {
    throw new TypeError('maxWorkers is required: an integer >= 1 or Infinity, received undefined');
  }
  const maxWorkers = checkCount(
    'maxWorkers',
    o.maxWorkers === undefined ? defaultMaxWorkers : o.maxWorkers,
    1,
    true,
  );
  const minWorkers = o.minWorkers === undefined ? 0 : checkCount('minWorkers', o.minWorkers, 0, false);
  checkBounds(minWorkers, maxWorkers);
  const onFull = checkChoice(
    'onFull',
    o.onFull,
    ['reject', 'block', 'discard', 'discard-oldest', 'caller-runs'] as const,
    'reject',
  );
  return Object.freeze({
    maxWorkers,
    minWorkers,
    idleTimeout: o.idleTimeout === undefined ? 10_000 : checkDuration('idleTimeout', o.idleTimeout, true),
    reaperInterval: checkScaleDown(o.scaleDown),
    scaleUp: checkChoice('scaleUp', o.scaleUp, ['eager', 'balanced', 'lazy'] as const, 'eager'),
    queue: checkChoice('queue', o.queue, ['fifo', 'lifo', 'priority'] as const, 'fifo'),
    queueCapacity:
      o.queueCapacity === undefined ? Infinity : checkCount('queueCapacity', o.queueCapacity, 0, true),
    onFull,
    dispatch: checkChoice('dispatch', o.dispatch, ['shared', 'dedicated'] as const, 'shared'),
    taskTimeout: o.taskTimeout === undefined ? undefined : checkDuration('taskTimeout', o.taskTimeout, true),
    signal: checkSignal('signal', o.signal),
    rateLimit: checkRateLimit(o.rateLimit, onFull),
  });
}

/** The options of one submission, read once and checked: what its task keeps. */
export interface TaskOptions {
  readonly priority: number;
  readonly key: string | undefined;
  readonly timeout: number | undefined;
  readonly signal: AbortSignal | undefined;
}

/** What a submission without options gets: one shared object, not one per task. */
const noOptions: TaskOptions = Object.freeze({
  priority: 0,
  key: undefined,
  timeout: undefined,
  signal: undefined,
});

/** Validates the options of one `submit`, reading each once, into what the task keeps. */
export function checkSubmitOptions(options: unknown): TaskOptions {
  if (options === undefined) return noOptions;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`submit options must be an object, received ${show(options)}`);
  }
  const { priority = 0, timeout, key, signal } = options as Partial<Record<keyof SubmitOptions, unknown>>;
  expectNumber('priority', priority);
  if (timeout !== undefined) checkDuration('timeout', timeout, true);
  if (key !== undefined && typeof key !== 'string') {
    throw new TypeError(`key must be a string, received ${show(key)}`);
  }
  checkSignal('signal', signal);
  return {
    priority: priority as number,
    key,
    timeout: timeout as number | undefined,
    signal: signal as AbortSignal | undefined,
  };
}

/** The options of `ready()` and `hasRoom()`: those of a wait, and the key of the task to come. */
export interface RoomOptions extends WaitOptions {
  /**
   * The `key` the next submission will have. A task whose key is busy waits
   * behind it and cannot take a free worker: with a key, the room is only
   * the queue's.
   */
  key?: string;
}

/** The options of `ready()`, `hasRoom()` or `drain()`, validated. */
export function checkWaitOptions(
  method: string,
  options: unknown,
): { signal: AbortSignal | undefined; key: string | undefined } {
  if (options === undefined) return { signal: undefined, key: undefined };
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${method} options must be an object, received ${show(options)}`);
  }
  const { signal, key } = options as RoomOptions;
  if (key !== undefined && (method === 'drain' || typeof key !== 'string')) {
    throw new TypeError(
      method === 'drain'
        ? `drain has no key option, received ${show(key)}`
        : `${method} option key must be a string, received ${show(key)}`,
    );
  }
  return { signal: checkSignal(`${method} option signal`, signal), key };
}

export { show as describeValue };
