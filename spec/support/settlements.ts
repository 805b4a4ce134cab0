import { expect } from 'chai';
import type { Observable } from 'rxjs';
import type { Future, FutureState, PoolEvent } from '../../src/index.js';

type Ending = Extract<
  PoolEvent,
  { type: 'task:succeeded' | 'task:failed' | 'task:cancelled' | 'task:rejected' }
>;

/** An event that ends a task: it settled, or was refused. */
const endsTask = (event: PoolEvent): event is Ending =>
  event.type === 'task:succeeded' ||
  event.type === 'task:failed' ||
  event.type === 'task:cancelled' ||
  event.type === 'task:rejected';

/**
 * Whether every Future of a pool settled exactly once. A Future is a native
 * promise, whose handlers run once whatever happens, so counting their calls
 * proves nothing: this records the state each Future had when it first
 * settled (settled again, its state would have changed since) and the events
 * that ended each task (one each, agreeing with its state).
 *
 * @example
 * ```ts
 * const log = settlementLog(pool);
 * log.watch(pool.submit(task));
 * await pool.close();
 * log.check(futures);
 * ```
 */
export function settlementLog(pool: { readonly events$: Observable<PoolEvent> }): {
  watch(future: Future<unknown>): void;
  check(futures: readonly Future<unknown>[]): void;
} {
  const endings = new Map<number, Ending['type'][]>();
  pool.events$.subscribe((event) => {
    if (endsTask(event)) endings.set(event.taskId, [...(endings.get(event.taskId) ?? []), event.type]);
  });
  const settledAs = new Map<number, FutureState>();
  return {
    watch(future) {
      const record = (): void => void settledAs.set(future.id, future.state);
      future.then(record, record);
    },
    check(futures) {
      expect(settledAs.size, 'Futures settled').to.equal(futures.length);
      for (const future of futures) {
        expect(future.state, `task ${future.id} settled again`).to.equal(settledAs.get(future.id));
        const [type, ...more] = endings.get(future.id) ?? [];
        expect(more, `task ${future.id}: more than one ending`).to.deep.equal([]);
        // A refusal fails the Future (a full queue, a closed pool) or cancels it (discarded).
        const states = type === 'task:rejected' ? ['failed', 'cancelled'] : [type?.slice('task:'.length)];
        expect(states, `task ${future.id} ended with ${type}`).to.include(future.state);
      }
    },
  };
}
