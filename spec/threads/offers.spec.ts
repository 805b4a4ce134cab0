import { expect } from 'chai';
import { CancelledError, type PoolEvent } from '../../src/index.js';
import { ThreadPool } from '../../src/threads/index.js';

type Work = typeof import('./fixtures/work.js');

const workPath = 'spec/threads/fixtures/work.ts';

/** Cells a thread and this one both see. */
const cells = (): Int32Array => new Int32Array(new SharedArrayBuffer(8 * Int32Array.BYTES_PER_ELEMENT));

/** Lets the event loop turn until `cells[index]` is set. */
async function until(cells: Int32Array, index: number): Promise<void> {
  while (Atomics.load(cells, index) === 0) await new Promise((resolve) => setImmediate(resolve));
}

describe('ThreadPool, dispatch: dedicated: a busy thread takes its next task without a round trip', () => {
  it('runs a stream of tasks through its threads, each once, each result its own', async () => {
    const pool = new ThreadPool<Work>({ module: workPath, maxWorkers: 2, dispatch: 'dedicated' });
    const counts = cells();
    const results = await Promise.all(Array.from({ length: 400 }, (_, i) => pool.run('mark', counts, i % 8)));
    expect(results.filter((count) => count === 50)).to.have.length(8);
    expect([...counts]).to.deep.equal(Array.from({ length: 8 }, () => 50));
    await pool.close();
  });

  it('a task offered and cancelled before its thread took it never runs', async () => {
    const pool = new ThreadPool<Work>({ module: workPath, maxWorkers: 1, dispatch: 'dedicated' });
    await pool.run('add', 1, 1); // loaded: a thread still loading takes no offer
    const shared = cells();
    const held = pool.run('hold', shared, 0, 1, 'A');
    const cancelled = pool.run('mark', shared, 2);
    const next = pool.run('mark', shared, 3);
    await until(shared, 0);
    expect(cancelled.cancel()).to.equal(true);
    Atomics.store(shared, 1, 1);
    Atomics.notify(shared, 1);
    expect(await held).to.equal('A');
    expect(await next).to.equal(1);
    expect(Atomics.load(shared, 2)).to.equal(0);
    await pool.close();
  });

  it('a task its thread took before the pool heard that the one before returned: the pool hears that first', async () => {
    const pool = new ThreadPool<Work>({ module: workPath, maxWorkers: 1, dispatch: 'dedicated' });
    await pool.run('add', 1, 1);
    const events: string[] = [];
    pool.events$.subscribe((event: PoolEvent) => {
      if ('taskId' in event) events.push(`${event.type}:${event.taskId}`);
    });
    const shared = cells();
    const held = pool.run('hold', shared, 0, 1, 'A');
    const taken = pool.run('awaitAbort', shared, 2, 3);
    await until(shared, 0);
    Atomics.store(shared, 1, 1);
    Atomics.notify(shared, 1);
    // Blocks this thread until the offered task has started there: no message is read meanwhile.
    expect(Atomics.wait(shared, 2, 0, 10_000)).to.not.equal('timed-out');
    expect(held.state).to.equal('running');
    expect(taken.state).to.equal('queued');
    expect(taken.cancel('late')).to.equal(true);
    expect(held.state).to.equal('succeeded');
    expect(taken.state).to.equal('cancelled');
    expect(events.slice(-3)).to.deep.equal([
      `task:succeeded:${held.id}`,
      `task:started:${taken.id}`,
      `task:cancelled:${taken.id}`,
    ]);
    expect(await held).to.equal('A');
    expect(await taken.catch((error: unknown) => error)).to.be.instanceOf(CancelledError);
    await pool.close();
    // Its signal aborted in the thread, and the pool waited for it to return.
    expect(Atomics.load(shared, 3)).to.equal(1);
  });
});
