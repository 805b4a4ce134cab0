// A reactive compression pipeline. Log files arrive at a changing rate (a
// burst, then a trickle, then another burst); each one is streamed through a
// pool with `runInPool`, where a task reads it, gzips it, gunzips the result
// and checks the SHA-256 round trip. While it runs, `throughput` and
// `latency` report on the pool's events, and `autoscale` grows the pool's
// maxWorkers for the bursts and shrinks it again when the load falls.
//
// The files go to a fresh directory under the OS temp dir, removed at the end.
// Run it with `npx tsx examples/pipeline.ts`.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import {
  concat,
  defer,
  filter,
  firstValueFrom,
  from,
  interval,
  lastValueFrom,
  map,
  scan,
  share,
  take,
  tap,
  timeout,
  type Observable,
} from 'rxjs';
import { Pool } from '../src/index.js';
import { autoscale, latency, runInPool, throughput, type LatencySnapshot } from '../src/operators/index.js';

const FILE_KIB = 256;
const FIRST_BURST = 16;
const TRICKLE = 16;
const TRICKLE_EVERY = 80; // ms
const SECOND_BURST = 16;
const FILES = FIRST_BURST + TRICKLE + SECOND_BURST;
const MIN_WORKERS = 1;
const MAX_WORKERS = 8;
const COOLDOWN = 250; // ms
const WINDOW = 1000; // ms, for throughput and latency
const REPORT_EVERY = 8; // files

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

const startedAt = performance.now();
const log = (line: string): void =>
  console.log(`[${((performance.now() - startedAt) / 1000).toFixed(2).padStart(5)} s] ${line}`);

/** A deterministic generator, so every run writes the same files. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** One access log of about `kib` KiB: compressible, but not trivially. */
function accessLog(seed: number, kib: number): string {
  const next = random(seed);
  const paths = ['/api/orders', '/api/users', '/api/search', '/health', '/static/app.js', '/api/cart'];
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < kib * 1024; i++) {
    const line =
      `2025-01-${String(1 + (seed % 28)).padStart(2, '0')}T12:${String(i % 60).padStart(2, '0')}:00Z ` +
      `status=${next() < 0.95 ? 200 : 500} path=${paths[Math.floor(next() * paths.length)]} ` +
      `user=${Math.floor(next() * 100_000)} bytes=${Math.floor(next() * 50_000)} ms=${(next() * 250).toFixed(1)}\n`;
    lines.push(line);
    size += line.length;
  }
  return lines.join('');
}

interface Compressed {
  readonly file: string;
  readonly bytes: number;
  readonly gzipped: number;
}

/** The pool's work for one file: read, gzip, gunzip, and check the round trip. */
async function compress(file: string, signal: AbortSignal): Promise<Compressed> {
  const original = await readFile(file, { signal });
  const gzipped = await gzipAsync(original, { level: 9 });
  const restored = await gunzipAsync(gzipped);
  if (sha256(restored) !== sha256(original)) throw new Error(`${file}: the gzip round trip changed it`);
  return { file: basename(file), bytes: original.length, gzipped: gzipped.length };
}

/** The input: a burst, a trickle, another burst, as file names arrive from an upstream system. */
function arrivals(files: readonly string[]): Observable<string> {
  const first = files.slice(0, FIRST_BURST);
  const trickle = files.slice(FIRST_BURST, FIRST_BURST + TRICKLE);
  const second = files.slice(FIRST_BURST + TRICKLE);
  return concat(
    defer(() => {
      log(`input: a burst of ${first.length} files`);
      return from(first);
    }),
    defer(() => {
      log(`input: one file every ${TRICKLE_EVERY} ms, ${trickle.length} times`);
      return interval(TRICKLE_EVERY).pipe(
        take(trickle.length),
        map((i) => trickle[i]!),
      );
    }),
    defer(() => {
      log(`input: a burst of ${second.length} files`);
      return from(second);
    }),
  );
}

const ms = (value: number): string => value.toFixed(1);
const describeLatency = ({ wait, run }: LatencySnapshot): string =>
  `wait p50 ${ms(wait.p50)} p90 ${ms(wait.p90)} p99 ${ms(wait.p99)} ms | ` +
  `run p50 ${ms(run.p50)} p90 ${ms(run.p90)} p99 ${ms(run.p99)} ms`;

const dir = await mkdtemp(join(tmpdir(), 'rxpool-pipeline-'));
const pool = new Pool({ maxWorkers: MIN_WORKERS, idleTimeout: 1000 });
let exitCode = 0;
try {
  const files: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const file = join(dir, `access-${String(i).padStart(3, '0')}.log`);
    await writeFile(file, accessLog(i + 1, FILE_KIB));
    files.push(file);
  }
  log(`wrote ${FILES} files of ${FILE_KIB} KiB to ${dir}`);

  // Metrics, kept up to date from the pool's events.
  let perSecond = 0;
  let latest: LatencySnapshot | undefined;
  pool.events$.pipe(throughput(WINDOW)).subscribe((rate) => (perSecond = rate));
  pool.events$.pipe(latency(WINDOW)).subscribe((snapshot) => (latest = snapshot));

  // Proactive scaling from the pool's own state.
  const applied: number[] = [];
  const scaling$ = pool.state$.pipe(
    autoscale(pool, { minWorkers: MIN_WORKERS, maxWorkers: MAX_WORKERS, alpha: 0.5, cooldownMs: COOLDOWN }),
    tap((maxWorkers) => {
      const { running, queued } = pool.stats;
      log(
        `autoscale: maxWorkers ${applied.at(-1) ?? MIN_WORKERS} → ${maxWorkers} (running ${running}, queued ${queued})`,
      );
      applied.push(maxWorkers);
    }),
    share(),
  );
  scaling$.subscribe();

  const totals = await lastValueFrom(
    arrivals(files).pipe(
      runInPool(
        pool,
        (file) =>
          ({ signal }) =>
            compress(file, signal),
      ),
      scan(
        (sum, result) => ({
          files: sum.files + 1,
          bytes: sum.bytes + result.bytes,
          gzipped: sum.gzipped + result.gzipped,
        }),
        {
          files: 0,
          bytes: 0,
          gzipped: 0,
        },
      ),
      tap((sum) => {
        if (sum.files % REPORT_EVERY === 0 && latest !== undefined) {
          log(`${sum.files}/${FILES} files | ${perSecond.toFixed(1)} files/s | ${describeLatency(latest)}`);
        }
      }),
    ),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
  log(
    `compressed ${totals.files} files, ${mib(totals.bytes)} MiB → ${mib(totals.gzipped)} MiB, ` +
      `every round trip verified, in ${seconds.toFixed(2)} s`,
  );

  // The input has stopped: let autoscale bring the idle pool back down before closing it.
  if (pool.stats.maxWorkers > MIN_WORKERS) {
    await firstValueFrom(
      scaling$.pipe(
        filter((maxWorkers) => maxWorkers === MIN_WORKERS),
        timeout(5_000),
      ),
    );
  }
  log(`autoscale applied: ${applied.join(', ')} (peak ${Math.max(...applied)})`);
  if (totals.files !== FILES || Math.max(...applied) <= MIN_WORKERS) exitCode = 1;
} finally {
  await pool.close(); // completes events$ and state$: every subscription above ends
  await rm(dir, { recursive: true, force: true });
  log(`removed ${dir}`);
}
const { submitted, succeeded, failed, cancelled, rejected } = pool.stats;
log(
  `stats: submitted ${submitted}, succeeded ${succeeded}, failed ${failed}, cancelled ${cancelled}, rejected ${rejected}`,
);
process.exitCode = exitCode;
