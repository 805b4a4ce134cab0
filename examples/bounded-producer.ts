// Exports 500 records, one JSON file each, from a producer that is much
// faster than the disk. Each task writes its file, reads it back and checks
// its SHA-256. The queue holds at most 16 tasks and refuses more
// (`onFull: 'reject'`), so the producer waits for `pool.ready()` before each
// submission: nothing is refused, and at most 4 + 16 records are in memory.
//
// The files go to a fresh directory under the OS temp dir, removed at the end.
// Run it with `npx tsx examples/bounded-producer.ts`.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, map, max } from 'rxjs';
import { Pool } from '../src/index.js';

const RECORDS = 500;
const MAX_WORKERS = 4;
const QUEUE_CAPACITY = 16;

interface CustomerRecord {
  readonly id: number;
  readonly name: string;
  readonly email: string;
  readonly orders: readonly { readonly sku: string; readonly quantity: number }[];
}

/** The records, one at a time, as a database cursor would hand them out. */
async function* readRecords(count: number): AsyncGenerator<CustomerRecord> {
  for (let id = 1; id <= count; id++) {
    yield {
      id,
      name: `Customer ${id}`,
      email: `customer${id}@example.com`,
      orders: Array.from({ length: 1 + (id % 7) }, (_, i) => ({
        sku: `SKU-${(id * 31 + i * 17) % 1000}`,
        quantity: 1 + ((id + i) % 5),
      })),
    };
  }
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Writes one record's file, reads it back, and checks it; returns its size in bytes. */
async function exportRecord(dir: string, record: CustomerRecord, signal: AbortSignal): Promise<number> {
  const file = join(dir, `customer-${record.id}.json`);
  const body = JSON.stringify(record, null, 2);
  await writeFile(file, body, { signal });
  const written = await readFile(file, { signal });
  if (sha256(written) !== sha256(body)) throw new Error(`${file} does not hold what was written`);
  return written.length;
}

const startedAt = performance.now();
const dir = await mkdtemp(join(tmpdir(), 'rxpool-export-'));
const pool = new Pool({ maxWorkers: MAX_WORKERS, queueCapacity: QUEUE_CAPACITY, onFull: 'reject' });
console.log(
  `exporting ${RECORDS} records to ${dir} through new Pool({ maxWorkers: ${MAX_WORKERS},` +
    ` queueCapacity: ${QUEUE_CAPACITY}, onFull: 'reject' })`,
);

// Both complete when the pool closes.
const peakQueued = lastValueFrom(pool.queueDepth$.pipe(max()));
const peakInFlight = lastValueFrom(
  pool.state$.pipe(
    map((stats) => stats.queued + stats.running),
    max(),
  ),
);

let bytes = 0;
const failures: unknown[] = [];
const tallied: Promise<void>[] = [];
try {
  for await (const record of readRecords(RECORDS)) {
    await pool.ready(); // resolves when the queue has room for one more
    const future = pool.submit(({ signal }) => exportRecord(dir, record, signal));
    tallied.push(
      future.result().then((result) => {
        if (result.isOk()) bytes += result.value;
        else failures.push(result.error);
      }),
    );
  }
  await pool.close(); // finishes what is queued
  await Promise.all(tallied);
} finally {
  await rm(dir, { recursive: true, force: true });
}

const stats = pool.stats;
const seconds = (performance.now() - startedAt) / 1000;
console.log(
  `wrote and verified ${stats.succeeded} files, ${(bytes / 1024).toFixed(1)} KiB, in ${seconds.toFixed(2)} s`,
);
console.log(
  `peak queue depth ${await peakQueued} of ${QUEUE_CAPACITY}; peak in flight ${await peakInFlight}`,
);
console.log(
  `stats: submitted ${stats.submitted}, succeeded ${stats.succeeded}, failed ${stats.failed},` +
    ` cancelled ${stats.cancelled}, rejected ${stats.rejected}; workers ${stats.workers}, closed ${stats.closed}`,
);
for (const error of failures.slice(0, 3)) console.log(`  failed: ${String(error)}`);
console.log(`removed ${dir}`);
if (stats.succeeded !== RECORDS) process.exitCode = 1;
