import { expect } from 'chai';
import fc from 'fast-check';
import { Arrivals } from '../../../src/pool/queues/arrivals.js';
import { FifoQueue, LifoQueue } from '../../../src/pool/queues/deque.js';
import { PriorityQueue } from '../../../src/pool/queues/priority.js';
import type { QueueEntry, TaskQueue } from '../../../src/pool/queues/task-queue.js';

interface Entry extends QueueEntry {
  waiting: boolean;
}

/** The start orders as the contract states them, written apart from the queues' own. */
const startOrder: Record<'fifo' | 'lifo' | 'priority', (a: Entry, b: Entry) => number> = {
  fifo: (a, b) => a.id - b.id,
  lifo: (a, b) => b.id - a.id,
  // Higher priority first, FIFO among equals (Infinity - Infinity would be NaN: compared instead).
  priority: (a, b) => (a.priority === b.priority ? a.id - b.id : a.priority > b.priority ? -1 : 1),
};

let nextId = 0;
const entry = (priority = 0): Entry => ({ id: nextId++, priority, waiting: true });
const drain = (queue: TaskQueue<Entry>): number[] => {
  const ids: number[] = [];
  for (let next = queue.shift(); next; next = queue.shift()) ids.push(next.id);
  return ids;
};

describe('task queues', () => {
  it('FIFO starts the oldest first', () => {
    const queue = new FifoQueue<Entry>();
    const entries = Array.from({ length: 40 }, () => entry()); // grows past the initial ring
    for (const e of entries) queue.push(e);
    expect(drain(queue)).to.deep.equal(entries.map((e) => e.id));
  });

  it('LIFO starts the newest first', () => {
    const queue = new LifoQueue<Entry>();
    const [a, b, c] = [entry(), entry(), entry()];
    for (const e of [a!, b!, c!]) queue.push(e);
    expect(queue.peek()).to.equal(c);
    expect(queue.shift()).to.equal(c);
    expect(queue.shift()).to.equal(b);
    expect(queue.shift()).to.equal(a);
    expect(queue.shift()).to.equal(undefined);
  });

  it('priority runs higher first and is FIFO among equals', () => {
    const queue = new PriorityQueue<Entry>();
    const low = entry(-1);
    const high1 = entry(5);
    const mid = entry(0);
    const high2 = entry(5);
    for (const e of [low, high1, mid, high2]) queue.push(e);
    expect(drain(queue)).to.deep.equal([high1.id, high2.id, mid.id, low.id]);
  });

  it('arrivals: the oldest is the first entry still waiting, through drops and compactions', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(3)), { maxLength: 300 }), (steps) => {
        const arrivals = new Arrivals<Entry>();
        const all: Entry[] = [];
        for (const [arrive, leave] of steps) {
          if (arrive) {
            const e = entry();
            all.push(e);
            arrivals.push(e, all.filter((x) => x.waiting).length);
          }
          // Some waiting entry stops waiting: started or cancelled, from anywhere in the order.
          const waiting = all.filter((x) => x.waiting);
          if (waiting.length > 0 && leave > 0) waiting[(leave * 7) % waiting.length]!.waiting = false;
          expect(arrivals.oldest()).to.equal(all.find((x) => x.waiting));
        }
      }),
    );
  });

  for (const [name, make] of [
    ['fifo', () => new FifoQueue<Entry>()],
    ['lifo', () => new LifoQueue<Entry>()],
    ['priority', () => new PriorityQueue<Entry>()],
  ] as const) {
    it(`${name}: delete is lazy, sizes stay exact, and compaction keeps order`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.integer({ min: -3, max: 3 }), fc.boolean()), { maxLength: 3000 }),
          (specs) => {
            const queue = make();
            const entries = specs.map(([priority]) => entry(priority));
            for (const e of entries) queue.push(e);
            const kept = entries.filter((_, i) => !specs[i]![1]);
            entries.forEach((e, i) => {
              if (specs[i]![1]) {
                e.waiting = false;
                queue.delete(e);
              }
            });
            expect(queue.size).to.equal(kept.length);
            const reference = make();
            for (const e of kept) reference.push({ ...e });
            expect(drain(queue)).to.deep.equal(drain(reference));
            expect(queue.size).to.equal(0);
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  for (const kind of ['priority', 'fifo', 'lifo'] as const) {
    it(`a heap in ${kind} order starts entries as a sorted list would, through pushes, shifts, deletes and clear`, () => {
      const compare = startOrder[kind];
      const priorities = fc.oneof(
        fc.integer({ min: -3, max: 3 }),
        fc.constantFrom(0.5, -0.25, 1e9, Infinity, -Infinity),
      );
      type Op = { op: 'push'; priority: number } | { op: 'shift' } | { op: 'delete'; index: number };
      const op: fc.Arbitrary<Op> = fc.oneof(
        { weight: 5, arbitrary: priorities.map((priority) => ({ op: 'push' as const, priority })) },
        { weight: 3, arbitrary: fc.constant({ op: 'shift' as const }) },
        { weight: 2, arbitrary: fc.nat().map((index) => ({ op: 'delete' as const, index })) },
      );
      fc.assert(
        fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
          const heap = new PriorityQueue<Entry>(kind);
          const model: Entry[] = []; // live entries, in start order
          for (const step of ops) {
            if (step.op === 'push') {
              const e = entry(step.priority);
              heap.push(e);
              model.push(e);
              model.sort(compare);
            } else if (step.op === 'shift') {
              expect(heap.shift()).to.equal(model.shift());
            } else if (model.length > 0) {
              const [gone] = model.splice(step.index % model.length, 1);
              gone!.waiting = false;
              heap.delete(gone!);
            }
            expect(heap.size).to.equal(model.length);
          }
          expect(heap.peek()).to.equal(model[0]);
          expect(heap.clear()).to.deep.equal(model);
          expect(heap.size).to.equal(0);
        }),
        { numRuns: 100 },
      );
    });
  }

  it('clear returns the live entries in start order', () => {
    const queue = new PriorityQueue<Entry>();
    const entries = [entry(1), entry(3), entry(2)];
    for (const e of entries) queue.push(e);
    entries[0]!.waiting = false;
    queue.delete(entries[0]!);
    expect(queue.clear().map((e) => e.priority)).to.deep.equal([3, 2]);
    expect(queue.size).to.equal(0);
  });
});
