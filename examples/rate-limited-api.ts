// Fetches 60 items from an API that allows 10 requests in any 250 ms and
// answers 429 (Too Many Requests) beyond that, as many public APIs do. First
// through a pool of 4 workers with no limit: the API turns most requests away.
// Then through a pool with `rateLimit: { limit: 10, interval: 350 }`, a little
// under the API's limit to allow for latency: every request succeeds, and the
// API never sees more than 10 in 250 ms.
//
// The API is started here, on 127.0.0.1 with a free port: only loopback
// traffic. Run it with `npx tsx examples/rate-limited-api.ts`.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { allSettled, Pool, type PoolOptions, type PoolStats } from '../src/index.js';

const ITEMS = 60;
const MAX_WORKERS = 4;
/** The API's limit: at most `LIMIT` requests in any `WINDOW` ms, counted as they reach it. */
const LIMIT = 10;
const WINDOW = 250; // ms
/**
 * The pool counts starts, and the API counts arrivals, which trail them by
 * a latency that varies: on a loaded machine, one request can take tens of
 * ms longer than another to arrive. Two requests `LIMIT` starts apart can so
 * arrive closer than `WINDOW`; a pool window wider by this much absorbs that.
 * (The first requests of a process are the slowest, as fetch loads its code
 * and opens connections: here the run without a limit goes first.)
 */
const MARGIN = 100; // ms

interface Item {
  readonly id: number;
  readonly name: string;
  readonly price: number;
}

/** A response with a status other than 2xx. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    url: string,
    body: string,
  ) {
    super(`HTTP ${status} from ${url}: ${body}`);
    this.name = 'HttpError';
  }
}

// ─── The API ─────────────────────────────────────────────────────────────────

/**
 * A request the API received: when (ms of `performance.now()`), and how
 * many it had received in the `WINDOW` ms ending then, this one included.
 */
interface Arrival {
  readonly at: number;
  readonly inWindow: number;
}

interface Api {
  readonly origin: string;
  /** Every request received, 429s included, in order of arrival. */
  readonly arrivals: readonly Arrival[];
  close(): Promise<void>;
}

/**
 * `GET /items/:id` answers a small JSON item after 3-30 ms, or 429 at once
 * when more than `LIMIT` requests (this one included, turned-away ones too)
 * arrived in the last `WINDOW` ms: a sliding window, kept as the log of arrivals.
 */
async function startApi(): Promise<Api> {
  const arrivals: Arrival[] = [];
  let oldest = 0; // index in `arrivals` of the oldest one still in the window
  const server = createServer((req, res) => {
    const at = performance.now();
    while (oldest < arrivals.length && arrivals[oldest]!.at <= at - WINDOW) oldest++;
    const inWindow = arrivals.length - oldest + 1;
    arrivals.push({ at, inWindow });

    const id = Number(/^\/items\/(\d+)$/.exec(req.url ?? '')?.[1]);
    const answer = (status: number, body: object): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (!Number.isInteger(id)) return answer(404, { error: 'not found' });
    if (inWindow > LIMIT) return answer(429, { error: `more than ${LIMIT} requests in ${WINDOW} ms` });
    const timer = setTimeout(
      () => answer(200, { id, name: `item-${id}`, price: (id * 37) % 100 }),
      3 + Math.random() * 27,
    );
    res.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    arrivals,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections(); // keep-alive sockets would hold the process for seconds
      await closed;
    },
  };
}

// ─── The client ──────────────────────────────────────────────────────────────

async function fetchItem(origin: string, id: number, signal: AbortSignal): Promise<Item> {
  const url = `${origin}/items/${id}`;
  const response = await fetch(url, { signal });
  // Reading the body of a failed response too frees its connection for the next request.
  if (!response.ok) throw new HttpError(response.status, url, await response.text());
  return (await response.json()) as Item;
}

interface Run {
  readonly succeeded: number;
  readonly tooMany: number;
  /** The most requests the API received in any `WINDOW` ms. */
  readonly peak: number;
  readonly elapsed: number;
  readonly stats: PoolStats;
}

/** Fetches every item through a pool with these options, then closes it. */
async function fetchAll(api: Api, options: PoolOptions): Promise<Run> {
  const firstArrival = api.arrivals.length;
  const startedAt = performance.now();
  const pool = new Pool(options);
  const ids = Array.from({ length: ITEMS }, (_, i) => i + 1);
  const results = await allSettled(
    ids.map((id) => pool.submit(({ signal }) => fetchItem(api.origin, id, signal))),
  );
  const elapsed = performance.now() - startedAt;
  await pool.close();

  const succeeded = results.filter((result) => result.isOk()).length;
  const tooMany = results.filter(
    (result) => result.isErr() && result.error instanceof HttpError && result.error.status === 429,
  ).length;
  const arrivals = api.arrivals.slice(firstArrival);
  const peak = Math.max(0, ...arrivals.map((arrival) => arrival.inWindow));
  return { succeeded, tooMany, peak, elapsed, stats: pool.stats };
}

function report(label: string, run: Run): void {
  const { stats } = run;
  console.log(label);
  console.log(
    `  ${ITEMS} requests: ${run.succeeded} succeeded, ${run.tooMany} answered 429;` +
      ` the API saw at most ${run.peak} in ${WINDOW} ms; ${Math.round(run.elapsed)} ms`,
  );
  console.log(
    `  pool stats: submitted ${stats.submitted}, succeeded ${stats.succeeded}, failed ${stats.failed}`,
  );
}

// ─── The run ─────────────────────────────────────────────────────────────────

const api = await startApi();
console.log(`API ${api.origin}: at most ${LIMIT} requests in any ${WINDOW} ms, 429 beyond`);

const unlimited = await fetchAll(api, { maxWorkers: MAX_WORKERS });
report(`new Pool({ maxWorkers: ${MAX_WORKERS} }):`, unlimited);

// Until the API's window has let go of those requests, it would count them against the next ones.
await sleep(WINDOW + MARGIN);

const rateLimit = { limit: LIMIT, interval: WINDOW + MARGIN };
const limited = await fetchAll(api, { maxWorkers: MAX_WORKERS, rateLimit });
report(
  `new Pool({ maxWorkers: ${MAX_WORKERS}, rateLimit: { limit: ${rateLimit.limit}, interval: ${rateLimit.interval} } }):`,
  limited,
);

await api.close();
if (limited.succeeded !== ITEMS) process.exitCode = 1;
