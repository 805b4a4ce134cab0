import { Observable, Subject, config, distinctUntilChanged } from 'rxjs';
import type { PoolEvent, ScalingEvent } from './events.js';
import type { PoolStats } from './stats.js';

/**
 * The pool's observables. Subjects are cheap to hold; the core asks
 * `*Observed` before it builds an event or a snapshot, so nothing is built
 * while nobody subscribes.
 */
export class PoolObservers {
  readonly #events = new Subject<PoolEvent>();
  readonly #scaling = new Subject<ScalingEvent>();
  readonly #state = new Subject<PoolStats>();
  readonly #depth = new Subject<number>();
  readonly events$: Observable<PoolEvent>;
  readonly scaling$: Observable<ScalingEvent>;
  readonly state$: Observable<PoolStats>;
  readonly queueDepth$: Observable<number>;
  #lastDepth = -1;
  /** A depth is being delivered: a change meanwhile waits, and goes out after it (see `depthChanged`). */
  #depthDelivering = false;
  #depthPending: number | undefined = undefined;
  /** How deep the pool is in telling subscribers: a subscriber's own actions nest deliveries. */
  #delivering = 0;
  /**
   * How many times subscribers have been told something. Their code runs
   * for as long as it takes: a step that read the clock compares this
   * before and after, to know whether its moment has passed since.
   */
  deliveries = 0;

  /** Whether subscribers have been told anything since `deliveries` was `mark`. */
  toldSince(mark: number): boolean {
    return this.deliveries !== mark;
  }
  /** `pool:closed` went out: nothing more does on `events$` and `scaling$`. */
  #ended = false;
  readonly #snapshot: () => PoolStats;
  readonly #depthNow: () => number;

  constructor(snapshot: () => PoolStats, depth: () => number) {
    this.#snapshot = snapshot;
    this.#depthNow = depth;
    this.events$ = guarded(this.#events);
    this.scaling$ = guarded(this.#scaling);
    this.state$ = guarded(this.#state, snapshot);
    this.queueDepth$ = guarded(this.#depth, () => {
      const now = depth();
      // Not tracked while nobody listens: the first subscriber starts it from the truth. A later one
      // leaves it alone, so that a change made in this step still reaches the others.
      if (!this.#depth.observed) this.#lastDepth = now;
      return now;
    }).pipe(distinctUntilChanged());
  }

  get eventsObserved(): boolean {
    return this.#events.observed;
  }
  get scalingObserved(): boolean {
    return this.#scaling.observed;
  }
  get stateObserved(): boolean {
    return this.#state.observed;
  }
  get depthObserved(): boolean {
    return this.#depth.observed;
  }

  emit(event: PoolEvent): void {
    if (!this.#ended) this.#deliver(this.#events, event);
  }

  emitScaling(event: ScalingEvent): void {
    if (!this.#ended) this.#deliver(this.#scaling, event);
  }

  emitState(stats: PoolStats): void {
    this.#deliver(this.#state, stats);
  }

  /**
   * Reports the queue depth, if it changed, to its subscribers (the caller
   * checks `depthObserved`). A change made by a subscriber while a depth is
   * being delivered goes out once every subscriber has that one: a later
   * subscriber never ends on a depth older than the one before it.
   */
  depthChanged(depth: number): void {
    if (this.#depthDelivering) {
      this.#depthPending = depth;
      return;
    }
    this.#depthDelivering = true;
    try {
      for (let next: number | undefined = depth; next !== undefined; next = this.#depthPending) {
        this.#depthPending = undefined;
        if (next === this.#lastDepth) continue;
        this.#lastDepth = next;
        this.#deliver(this.#depth, next);
      }
    } finally {
      this.#depthDelivering = false;
    }
  }

  /**
   * Publishes `pool:closed`, the last event: what a listener does then (a
   * submission refused, a resize) is not published. Then a last exact depth
   * and snapshot, and every observable completes.
   *
   * When the pool finishes while a subscriber is being told of something (it
   * closed or terminated the pool from its handler), the end waits for the
   * pool's step to end, one microtask later: the subscribers after it still
   * get that event, and the events the same step publishes after it.
   */
  complete(time: () => number): void {
    if (this.#delivering === 0) this.#end(time);
    else void Promise.resolve().then(() => this.#end(time));
  }

  #end(time: () => number): void {
    this.#ended = true;
    if (this.#events.observed) this.#deliver(this.#events, { type: 'pool:closed', time: time() });
    if (this.#depth.observed) this.depthChanged(this.#depthNow());
    if (this.#state.observed) this.emitState(this.#snapshot());
    this.#events.complete();
    this.#scaling.complete();
    this.#state.complete();
    this.#depth.complete();
  }

  /**
   * A subscriber that throws must not break the pool: RxJS already reports
   * errors thrown in `next` handlers asynchronously; this guards the rest
   * (an operator chain that throws synchronously out of `next`).
   */
  #deliver<T>(subject: Subject<T>, value: T): void {
    this.deliveries++;
    this.#delivering++;
    try {
      subject.next(value);
    } catch (error) {
      const report = config.onUnhandledError;
      if (report) report(error);
      else
        globalThis.setTimeout(() => {
          throw error;
        });
    } finally {
      this.#delivering--;
    }
  }
}

/**
 * The subject as an Observable that starts each subscriber with `first()`, if
 * given. Each subscriber gets its own observer object in the subject, so RxJS
 * guards its handlers: one that throws on completion (a `finalize` callback
 * in its chain) is reported, as a throwing `next` handler is, and cannot keep
 * the other subscribers from completing or the pool from closing.
 */
function guarded<T>(subject: Subject<T>, first?: () => T): Observable<T> {
  return new Observable<T>((subscriber) => {
    if (first !== undefined) subscriber.next(first());
    return subject.subscribe({
      next: (value) => subscriber.next(value),
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
  });
}
