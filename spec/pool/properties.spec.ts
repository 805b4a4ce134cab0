import { expect } from 'chai';
import fc from 'fast-check';
import { Pool, type Future, type PoolStats } from '../../src/index.js';
import { deferred, flush, type Deferred } from '../support/deferred.js';
import { fullPolicy, queueKind } from '../support/arbitraries.js';
import { settlementLog } from '../support/settlements.js';

type Kind = 'ok' | 'throw' | 'reject' | 'slow';
type Step =
  | { op: 'submit'; kind: Kind; priority: number; key?: string; withSignal: boolean }
  | { op: 'cancel'; index: number }
  | { op: 'abort'; index: number }
  | { op: 'finishSlow'; index: number }
  | { op: 'pause' }
  | { op: 'resume' }
  | { op: 'resize'; maxWorkers: number }
  | { op: 'clear' }
  | { op: 'tick' };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('submit' as const),
      kind: fc.constantFrom<Kind>('ok', 'throw', 'reject', 'slow'),
      priority: fc.integer({ min: -2, max: 2 }),
      key: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
      withSignal: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cancel' as const), index: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('abort' as const), index: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('finishSlow' as const), index: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'pause' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'resume' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('resize' as const), maxWorkers: fc.integer({ min: 1, max: 4 }) }),
  },
  { weight: 2, arbitrary: fc.constant({ op: 'tick' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
);

const counted = (s: PoolStats): number =>
  s.queued + s.blocked + s.running + s.succeeded + s.failed + s.cancelled + s.rejected;

function checkInvariants(stats: PoolStats): void {
  expect(counted(stats), 'counters add up').to.equal(stats.submitted);
  expect(stats.completed).to.equal(stats.succeeded + stats.failed);
  expect(stats.workers).to.equal(stats.idleWorkers + stats.busyWorkers);
  expect(stats.workers).to.be.at.most(Math.max(stats.maxWorkers, stats.busyWorkers));
}

describe('pool properties (fast-check)', function () {
  this.timeout(60_000);

  it('under random load every Future settles exactly once, the bound holds and counters add up at every event', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          maxWorkers: fc.integer({ min: 1, max: 4 }),
          queue: queueKind,
          queueCapacity: fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 5 })),
          onFull: fullPolicy,
          dispatch: fc.constantFrom('shared' as const, 'dedicated' as const),
        }),
        fc.array(step, { maxLength: 60 }),
        fc.constantFrom('close' as const, 'terminate' as const),
        async (options, steps, ending) => {
          const pool = new Pool({ ...options, idleTimeout: 0 });
          // What a subscriber reads from pool.stats while it is told of a change.
          const seen: string[] = [];
          const check = (what: string) => (): void => {
            const stats = pool.stats;
            if (counted(stats) !== stats.submitted) seen.push(`${what}: ${JSON.stringify(stats)}`);
          };
          pool.events$.subscribe((event) => check(event.type)());
          const settlements = settlementLog(pool);
          pool.scaling$.subscribe(check('scaling'));
          pool.queueDepth$.subscribe(check('queueDepth'));
          pool.state$.subscribe(check('state'));
          const futures: Future<unknown>[] = [];
          const controllers: AbortController[] = [];
          const slow: Deferred<void>[] = [];
          let inWorkers = 0;
          let peak = 0;
          let overBound = 0; // tasks that started with more functions running than maxWorkers

          for (const s of steps) {
            switch (s.op) {
              case 'submit': {
                const controller = new AbortController();
                const gate = deferred();
                slow.push(gate);
                const future = pool.submit(
                  async ({ workerId }) => {
                    const counts = workerId !== -1;
                    if (counts) {
                      peak = Math.max(peak, ++inWorkers);
                      if (inWorkers > pool.stats.maxWorkers) overBound++;
                    }
                    try {
                      if (s.kind === 'slow') await gate.promise;
                      else await Promise.resolve();
                      if (s.kind === 'throw') throw new Error('thrown');
                      if (s.kind === 'reject') return await Promise.reject(new Error('rejected'));
                      return s.kind;
                    } finally {
                      if (counts) inWorkers--;
                    }
                  },
                  { priority: s.priority, key: s.key, signal: s.withSignal ? controller.signal : undefined },
                );
                settlements.watch(future);
                futures.push(future);
                controllers.push(controller);
                break;
              }
              case 'cancel':
                futures[s.index % Math.max(1, futures.length)]?.cancel('random');
                break;
              case 'abort':
                controllers[s.index % Math.max(1, controllers.length)]?.abort('random');
                break;
              case 'finishSlow':
                slow[s.index % Math.max(1, slow.length)]?.resolve();
                break;
              case 'pause':
                pool.pause();
                break;
              case 'resume':
                pool.resume();
                break;
              case 'resize':
                pool.resize({ maxWorkers: s.maxWorkers });
                break;
              case 'clear': {
                const waiting = futures.filter(
                  (future) => future.state === 'queued' || future.state === 'blocked',
                );
                expect(pool.clear('cleared')).to.equal(waiting.length);
                expect(waiting.every((future) => future.state === 'cancelled')).to.equal(true);
                expect(pool.stats).to.include({ queued: 0, blocked: 0 });
                break;
              }
              case 'tick':
                await flush(3);
                break;
            }
            checkInvariants(pool.stats);
          }
          if (ending === 'terminate')
            await Promise.all([pool.terminate('end'), ...slow.map((gate) => gate.resolve())]);
          for (const gate of slow) gate.resolve();
          await pool.close();
          await flush();
          const end = pool.stats;
          checkInvariants(end);
          expect(end).to.include({ queued: 0, blocked: 0, running: 0, workers: 0 });
          expect(futures.every((future) => future.settled)).to.equal(true);
          settlements.check(futures);
          expect(overBound, 'a task started above the bound').to.equal(0);
          expect(seen, 'counters that did not add up when read from a subscriber').to.deep.equal([]);
          expect(peak).to.be.at.most(4);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('without resizing, tasks on workers never exceed maxWorkers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 80 }),
        async (maxWorkers, hops) => {
          const pool = new Pool({ maxWorkers, queue: 'lifo' });
          let active = 0;
          let peak = 0;
          const futures = hops.map((n) =>
            pool.submit(async () => {
              peak = Math.max(peak, ++active);
              for (let i = 0; i < n; i++) await Promise.resolve();
              active--;
            }),
          );
          await Promise.all(futures);
          await pool.close();
          expect(peak).to.be.at.most(maxWorkers);
          expect(peak).to.equal(Math.min(maxWorkers, hops.length));
        },
      ),
      { numRuns: 100 },
    );
  });
});
