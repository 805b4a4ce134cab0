import { Observable, Subject, distinctUntilChanged } from 'rxjs';
import { reportUnhandled } from '../futures/report.js';
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
  /** Subscribers are being told something (a subscriber's own actions would nest deliveries). */
  #delivering = false;
  /** What was published while they were: each subject, then its value, in order. */
  readonly #later: unknown[] = [];
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
   * checks `depthObserved`). One that changes while a value is being
   * delivered goes out after it (see `#deliver`): a later subscriber never
   * ends on a depth older than the one before it.
   */
  depthChanged(depth: number): void {
    if (depth === this.#lastDepth) return;
    this.#lastDepth = depth;
    this.#deliver(this.#depth, depth);
  }

  /**
   * Publishes `pool:closed`, the last event: what a listener does then (a
   * submission refused, a resize) is not published. `events$` and `scaling$`
   * complete; then a last exact depth and snapshot, and the other two.
   *
   * When the pool finishes while a subscriber is being told of something (it
   * closed or terminated the pool from its handler), the end waits for the
   * pool's step to end, one microtask later: the subscribers after it still
   * get that event, and the events the same step publishes after it.
   */
  complete(time: () => number): void {
    if (!this.#delivering) this.#end(time);
    else void Promise.resolve().then(() => this.#end(time));
  }

  #end(time: () => number): void {
    this.#ended = true;
    if (this.#events.observed) this.#deliver(this.#events, { type: 'pool:closed', time: time() });
    this.#events.complete();
    this.#scaling.complete();
    // After those: what their subscribers do on completing (a submission refused) is in the last ones.
    if (this.#depth.observed) this.depthChanged(this.#depthNow());
    if (this.#state.observed) this.emitState(this.#snapshot());
    this.#state.complete();
    this.#depth.complete();
  }

  /**
   * Tells every subscriber of `subject` of `value`, in turn. What is
   * published meanwhile (a subscriber acted on the pool) goes out once every
   * subscriber has this value, in the order it was published, on every
   * observable: a later subscriber never sees an event's consequences before
   * the event, nor a worker count older than the one before it.
   */
  #deliver<T>(subject: Subject<T>, value: T): void {
    this.#later.push(subject as Subject<unknown>, value);
    if (!this.#delivering) this.#drain();
  }

  /**
   * Publishes what `publish` emits as one step: its values (an event and the
   * depth or worker count it changed) go out in order before anything a
   * subscriber does on hearing the first of them. The caller checks that
   * someone listens: a closure is made per call.
   */
  batch(publish: () => void): void {
    if (this.#delivering) {
      publish();
      return;
    }
    this.#delivering = true;
    try {
      publish();
    } finally {
      this.#delivering = false;
    }
    this.#drain();
  }

  #drain(): void {
    const later = this.#later;
    for (let i = 0; i < later.length; i += 2) this.#send(later[i] as Subject<unknown>, later[i + 1]);
    later.length = 0;
  }

  /**
   * A subscriber that throws must not break the pool: RxJS already reports
   * errors thrown in `next` handlers asynchronously; this guards the rest
   * (an operator chain that throws synchronously out of `next`).
   */
  #send<T>(subject: Subject<T>, value: T): void {
    this.deliveries++;
    this.#delivering = true;
    try {
      subject.next(value);
    } catch (error) {
      reportUnhandled(error);
    } finally {
      this.#delivering = false;
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
