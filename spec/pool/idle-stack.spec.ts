import { expect } from 'chai';
import fc from 'fast-check';
import { IdleStack } from '../../src/pool/idle-stack.js';

interface Worker {
  readonly id: number;
  waiting: boolean;
  /** Still starting, for `popStarted`. */
  starting?: boolean;
}

const isStarting = (worker: Worker): boolean => worker.starting === true;

type Op =
  { op: 'push'; starting: boolean } | { op: 'pop' } | { op: 'popStarted' } | { op: 'remove'; index: number };

const ops: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('push' as const), starting: fc.boolean() }) },
    { weight: 2, arbitrary: fc.constant<Op>({ op: 'pop' }) },
    { weight: 2, arbitrary: fc.constant<Op>({ op: 'popStarted' }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('remove' as const), index: fc.nat() }) },
  ),
  { maxLength: 400 },
);

describe('IdleStack', () => {
  it('pops the most recently idle, lists the longest idle first, and removes from anywhere', () => {
    const stack = new IdleStack<Worker>();
    const workers = [1, 2, 3, 4].map((id) => ({ id, waiting: false }));
    for (const worker of workers) stack.push(worker);
    stack.remove(workers[1]!);
    expect(stack.size).to.equal(3);
    expect(stack.oldestFirst().map((worker) => worker.id)).to.deep.equal([1, 3, 4]);
    expect(stack.pop()?.id).to.equal(4);
    stack.remove(workers[2]!);
    expect(stack.pop()?.id).to.equal(1);
    expect(stack.pop()).to.equal(undefined);
    expect(stack.size).to.equal(0);
    expect(workers.map((worker) => worker.waiting)).to.deep.equal([false, false, false, false]);
  });

  it('removing a worker that is not on the stack changes nothing', () => {
    const stack = new IdleStack<Worker>();
    const [on, off] = [
      { id: 1, waiting: false },
      { id: 2, waiting: false },
    ];
    stack.push(on);
    stack.remove(off);
    expect(stack.size).to.equal(1);
    expect(stack.oldestFirst()).to.deep.equal([on]);
  });

  it('behaves as an array with splice, through any sequence', () => {
    fc.assert(
      fc.property(ops, (sequence) => {
        const stack = new IdleStack<Worker>();
        const model: Worker[] = [];
        let nextId = 1;
        for (const step of sequence) {
          if (step.op === 'push') {
            const worker = { id: nextId++, waiting: false, starting: step.starting };
            stack.push(worker);
            model.push(worker);
          } else if (step.op === 'pop') {
            expect(stack.pop()).to.equal(model.pop());
          } else if (step.op === 'popStarted') {
            // The most recent that has started, else the most recent.
            const at = model.findLastIndex((worker) => !isStarting(worker));
            const expected = at === -1 ? model.pop() : model.splice(at, 1)[0];
            const top = stack.pop();
            const taken = top === undefined || !isStarting(top) ? top : stack.startedInstead(top, isStarting);
            expect(taken).to.equal(expected);
          } else if (model.length > 0) {
            // Workers removed here never come back, as a stopped worker never does.
            const [worker] = model.splice(step.index % model.length, 1);
            stack.remove(worker!);
          }
          expect(stack.size).to.equal(model.length);
        }
        expect(stack.oldestFirst()).to.deep.equal(model);
      }),
      { numRuns: 200 },
    );
  });

  it('startedInstead passes over workers still starting, for the most recently idle one that has started', () => {
    const stack = new IdleStack<Worker>();
    const [a, b, c, d] = [false, false, true, true].map((starting, id) => ({ id, waiting: false, starting }));
    for (const worker of [a!, b!, c!, d!]) stack.push(worker);
    expect(stack.startedInstead(stack.pop()!, isStarting)).to.equal(b);
    expect(stack.oldestFirst()).to.deep.equal([a, c, d]);
    expect(stack.startedInstead(stack.pop()!, isStarting)).to.equal(a);
    expect(stack.startedInstead(stack.pop()!, isStarting)).to.equal(d); // none has: the most recently idle
    expect(stack.oldestFirst()).to.deep.equal([c]);
    expect(c!.waiting).to.equal(true);
  });

  it('keeps its order when stopping thousands of idle workers one by one sweeps it', () => {
    const stack = new IdleStack<Worker>();
    const workers = Array.from({ length: 5_000 }, (_, index) => ({ id: index, waiting: false }));
    for (const worker of workers) stack.push(worker);
    // Every other worker first, then the rest but the last ten: several sweeps on the way.
    for (let index = 0; index < workers.length; index += 2) stack.remove(workers[index]!);
    for (let index = 1; index < workers.length - 20; index += 2) stack.remove(workers[index]!);
    expect(stack.oldestFirst().map((worker) => worker.id)).to.deep.equal(
      workers
        .slice(-20)
        .filter((worker) => worker.id % 2 === 1)
        .map((worker) => worker.id),
    );
    expect(stack.size).to.equal(10);
    expect(stack.pop()?.id).to.equal(4_999);
  });
});
