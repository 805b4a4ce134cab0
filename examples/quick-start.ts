import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, TimeoutError } from '../src/index.js';

const pool = new Pool({ maxWorkers: 4 });

// A task receives { signal, taskId, workerId }; submit returns a Future.
const squares = [1, 2, 3, 4, 5, 6].map((n) =>
  pool.submit(async ({ signal }) => {
    await sleep(10 * n, undefined, { signal });
    return n * n;
  }),
);
console.log(await squares[0]); // a Future is awaitable: 1
console.log(await Promise.all(squares)); // [ 1, 4, 9, 16, 25, 36 ]

// A timeout counts from the task's start and aborts its signal.
const slow = pool.submit(({ signal }) => sleep(5_000, 'late', { signal }), { timeout: 50 });
const result = await slow.result(); // Result<T, unknown>: never rejects
if (result.isErr() && result.error instanceof TimeoutError) console.log(result.error.message);

await pool.close(); // finishes what is queued, stops the workers
console.log(pool.stats.succeeded, pool.stats.failed); // 6 1
