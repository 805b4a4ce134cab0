// Fetches 200 items from a flaky HTTP service through a pool of 8 workers,
// with a timeout per request, a few cancellations and one retry of the
// transient failures, while the pool's state is drawn live from `state$`.
//
// The service is started here, on 127.0.0.1 with a free port: only loopback
// traffic. Run it with `npm start`.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  asyncScheduler,
  filter,
  lastValueFrom,
  max,
  tap,
  throttleTime,
  toArray,
  type Observable,
} from 'rxjs';
import { Pool, TimeoutError, type Future, type PoolStats, type ScalingEvent } from '../src/index.js';

const ITEMS = 200;
const MAX_WORKERS = 8;
const IDLE_TIMEOUT = 200; // ms
const REQUEST_TIMEOUT = 250; // ms, counted from the start of each request
const RETRY_BACKOFF = 300; // ms, longer than IDLE_TIMEOUT: idle workers stop meanwhile
const CANCEL_AFTER = 120; // ms

interface Item {
  readonly id: number;
  readonly name: string;
  readonly price: number;
}

/** What `future.result()` resolves to: `Ok(item)` or `Err(error)`. */
type Outcome = Awaited<ReturnType<Future<Item>['result']>>;

/** A response with a status other than 2xx. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    path: string,
    body: string,
  ) {
    super(`HTTP ${status} from ${path}: ${body}`);
    this.name = 'HttpError';
  }
}

// ─── The service ─────────────────────────────────────────────────────────────

/** FNV-1a: a stable hash, so each (item, attempt) behaves the same on every run. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

interface Service {
  readonly server: Server;
  readonly origin: string;
  readonly counts: { requests: number; abortedByClient: number };
}

/**
 * `GET /items/:id?attempt=n` answers with a small JSON item after 5-45 ms;
 * about 7% of requests fail with a 500, about 4% take 400 ms.
 */
async function startService(): Promise<Service> {
  const counts = { requests: 0, abortedByClient: 0 };
  const server = createServer((req, res) => {
    counts.requests++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const id = Number(/^\/items\/(\d+)$/.exec(url.pathname)?.[1]);
    const draw = hash(`${id}:${url.searchParams.get('attempt') ?? '1'}`);
    const roll = draw % 100;
    const delay = roll >= 7 && roll < 11 ? 400 : 5 + ((draw >>> 8) % 40);
    const timer = setTimeout(() => {
      const [status, body] =
        roll < 7 || !Number.isInteger(id)
          ? [500, { error: 'upstream unavailable' }]
          : [200, { id, name: `item-${id}`, price: ((draw >>> 12) % 10_000) / 100 }];
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    }, delay);
    res.on('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) counts.abortedByClient++;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}`, counts };
}

async function stopService(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections(); // keep-alive sockets would hold the process for seconds
  await closed;
}

// ─── The client ──────────────────────────────────────────────────────────────

async function fetchItem(origin: string, id: number, attempt: number, signal: AbortSignal): Promise<Item> {
  const path = `/items/${id}?attempt=${attempt}`;
  const response = await fetch(origin + path, { signal });
  if (!response.ok) throw new HttpError(response.status, path, await response.text());
  return (await response.json()) as Item;
}

const retryable = (error: unknown): boolean =>
  error instanceof TimeoutError || (error instanceof HttpError && error.status >= 500);

// ─── Live view of the pool ───────────────────────────────────────────────────

function progressLine(stats: PoolStats): string {
  const settled = stats.submitted - stats.queued - stats.blocked - stats.running;
  const share = stats.submitted === 0 ? 0 : settled / stats.submitted;
  const width = 20;
  const filled = Math.round(share * width);
  const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
  const percent = `${Math.floor(share * 100)}%`.padStart(4);
  return (
    `[${bar}] ${percent} ${settled}/${stats.submitted}` +
    ` | workers ${stats.workers} busy ${stats.busyWorkers} queued ${stats.queued}` +
    ` | ok ${stats.succeeded} failed ${stats.failed} cancelled ${stats.cancelled}`
  );
}

const out = process.stdout;
const interactive = out.isTTY === true;
let statusLine = ''; // on a terminal: the progress line, kept below the log

/** Prints a line of log; on a terminal, above the progress line. */
function log(text: string): void {
  if (statusLine === '') out.write(`${text}\n`);
  else out.write(`\r\x1b[K${text}\n${statusLine}`);
}

/**
 * Draws `state$` until the pool closes: on a terminal, one line redrawn in
 * place (at most every 50 ms); otherwise a line each time progress crosses a tenth.
 */
function showProgress(state$: Observable<PoolStats>): Promise<unknown> {
  if (interactive) {
    const draw = (stats: PoolStats): void => {
      statusLine = progressLine(stats).slice(0, (out.columns || 120) - 1);
      out.write(`\r${statusLine}\x1b[K`);
    };
    const done = (): void => {
      if (statusLine !== '') out.write('\n');
      statusLine = '';
    };
    return lastValueFrom(
      state$.pipe(
        filter((stats) => stats.submitted > 0),
        throttleTime(50, asyncScheduler, { leading: true, trailing: true }),
        tap({ next: draw, complete: done }),
      ),
      { defaultValue: undefined },
    );
  }
  let lastTenth = -1;
  return lastValueFrom(
    state$.pipe(
      filter((stats) => {
        const settled = stats.submitted - stats.queued - stats.blocked - stats.running;
        const tenth = stats.submitted === 0 ? -1 : Math.floor((settled / stats.submitted) * 10);
        if (tenth === lastTenth) return false;
        lastTenth = tenth;
        return true;
      }),
      tap((stats) => log(progressLine(stats))),
    ),
    { defaultValue: undefined },
  );
}

function describeScaling(events: readonly ScalingEvent[]): string[] {
  const lines: string[] = [];
  for (const type of ['up', 'down'] as const) {
    const byReason = new Map<string, number>();
    for (const event of events) {
      if (event.type === type) byReason.set(event.reason, (byReason.get(event.reason) ?? 0) + 1);
    }
    const total = [...byReason.values()].reduce((a, b) => a + b, 0);
    const reasons = [...byReason].map(([reason, count]) => `${reason} ${count}`).join(', ');
    lines.push(`  ${type.padEnd(5)} ${String(total).padStart(3)} workers${total > 0 ? ` (${reasons})` : ''}`);
  }
  const peak = Math.max(0, ...events.map((event) => event.workers));
  lines.push(`  peak  ${String(peak).padStart(3)} workers (maxWorkers ${MAX_WORKERS})`);
  return lines;
}

function describeErrors(results: readonly Outcome[]): string[] {
  const byClass = new Map<string, { count: number; example: string }>();
  for (const result of results) {
    if (result.isOk()) continue;
    const error = result.error;
    const name = error instanceof Error ? error.name : typeof error;
    const cause =
      error instanceof Error && error.cause !== undefined ? ` (cause: ${String(error.cause)})` : '';
    const entry = byClass.get(name) ?? { count: 0, example: `${String(error)}${cause}` };
    entry.count++;
    byClass.set(name, entry);
  }
  return [...byClass].map(
    ([name, { count, example }]) => `  ${name.padEnd(15)} ${String(count).padStart(3)}  e.g. ${example}`,
  );
}

// ─── The run ─────────────────────────────────────────────────────────────────

const startedAt = performance.now();
const service = await startService();
const pool = new Pool({ maxWorkers: MAX_WORKERS, idleTimeout: IDLE_TIMEOUT });

log(
  `GET ${ITEMS} items from ${service.origin} through new Pool({ maxWorkers: ${MAX_WORKERS}, idleTimeout: ${IDLE_TIMEOUT} })`,
);
log(
  `timeout ${REQUEST_TIMEOUT} ms per request; 5 items removed after ${CANCEL_AFTER} ms;` +
    ` 5xx and timeouts retried once after ${RETRY_BACKOFF} ms`,
);

// Subscribe before any work: each of these completes when the pool closes.
const progress = showProgress(pool.state$);
const scaling = lastValueFrom(pool.scaling$.pipe(toArray()));
const peakQueueDepth = lastValueFrom(pool.queueDepth$.pipe(max()));

const submitFetch = (id: number, attempt: number): Future<Item> =>
  pool.submit(({ signal }) => fetchItem(service.origin, id, attempt, signal), { timeout: REQUEST_TIMEOUT });

const ids = Array.from({ length: ITEMS }, (_, i) => i + 1);
const firstTry = new Map(ids.map((id) => [id, submitFetch(id, 1)] as const));

// The user removes five items while the batch runs: two whose request is in
// flight (cancelling aborts the task's signal, so fetch aborts the request)
// and the last three, still queued (they never start).
await sleep(CANCEL_AFTER);
const pending = [...firstTry].filter(([, future]) => !future.settled);
const inFlight = pending.filter(([, future]) => future.state === 'running').slice(0, 2);
const waiting = pending.filter(([, future]) => future.state === 'queued').slice(-3);
const removed = [...inFlight, ...waiting]
  .filter(([, future]) => future.cancel('removed from the list'))
  .map(([id]) => id);
log(
  `removed items ${inFlight.map(([id]) => id).join(', ')} (in flight)` +
    ` and ${waiting.map(([id]) => id).join(', ')} (queued)`,
);

const firstResults = new Map<number, Outcome>();
for (const [id, future] of firstTry) firstResults.set(id, await future.result());

const toRetry = ids.filter((id) => {
  const result = firstResults.get(id)!;
  return result.isErr() && retryable(result.error);
});
log(`retrying ${toRetry.length} requests in ${RETRY_BACKOFF} ms`);
await sleep(RETRY_BACKOFF);
const secondTry = new Map(toRetry.map((id) => [id, submitFetch(id, 2)] as const));
const secondResults = new Map<number, Outcome>();
for (const [id, future] of secondTry) secondResults.set(id, await future.result());

await pool.close();
await stopService(service.server);
await progress;

const finalResults = ids.map((id) => secondResults.get(id) ?? firstResults.get(id)!);
const items = finalResults.filter((result) => result.isOk()).map((result) => result.value);
const total = items.reduce((sum, item) => sum + item.price, 0);
const stats = pool.stats;

console.log('\nScaling');
for (const line of describeScaling(await scaling)) console.log(line);
console.log(`  peak queue depth ${await peakQueueDepth}`);

console.log('\nErrors by class (every attempt)');
for (const line of describeErrors([...firstResults.values(), ...secondResults.values()])) console.log(line);

console.log('\nSummary');
console.log(
  `  tasks: submitted ${stats.submitted} = succeeded ${stats.succeeded} + failed ${stats.failed}` +
    ` + cancelled ${stats.cancelled} + rejected ${stats.rejected}`,
);
console.log(
  `  items: ${items.length} of ${ITEMS} fetched (total price ${total.toFixed(2)}),` +
    ` ${removed.length} removed, ${ITEMS - items.length - removed.length} failed after a retry`,
);
console.log(
  `  service: ${service.counts.requests} requests, ${service.counts.abortedByClient} aborted by the client`,
);
console.log(`  wall time ${((performance.now() - startedAt) / 1000).toFixed(2)} s`);
