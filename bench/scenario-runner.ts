/**
 * One sample, in a fresh process:
 *   node --expose-gc bench/scenario-runner.js <scenario> <library> <n> [key=value ...]
 * Runs the workload once, small, to warm up (10,000 tasks unless the scenario
 * says otherwise; at most 2,000 with BENCH_QUICK=1), collects the garbage,
 * runs it again and prints the second run's measurement as one JSON line.
 * With BENCH_CPU_PROFILE=<file>, the second run alone is CPU-profiled into
 * that file.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { collectGarbage, type Params, type Scenario } from './scenario.js';

const [id, library, size, ...rest] = process.argv.slice(2);
if (id === undefined || library === undefined || size === undefined) {
  throw new Error('usage: scenario-runner <scenario> <library> <n> [key=value ...]');
}
const n = Number(size);
const params: Params = Object.fromEntries(
  rest.map((pair) => {
    const at = pair.indexOf('=');
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);
// Only this scenario's module is loaded, not the registry with every library in it.
const module = (await import(`./scenarios/${id}.js`)) as Record<string, Scenario>;
const scenario = Object.values(module).find((candidate) => candidate.id === id);
if (scenario === undefined) throw new Error(`bench/scenarios/${id} exports no scenario with id ${id}`);
const quick = process.env.BENCH_QUICK === '1';
const profileFile = process.env.BENCH_CPU_PROFILE;

const warmup = scenario.warmup?.(n) ?? Math.min(n, 10_000);
await scenario.measure(library, quick ? Math.min(warmup, 2_000) : warmup, params);
collectGarbage();
const profiler = profileFile ? new Session() : undefined;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 100 });
  await profiler.post('Profiler.start');
}
const measurement = await scenario.measure(library, n, params);
if (profiler && profileFile) {
  const { profile } = await profiler.post('Profiler.stop');
  writeFileSync(profileFile, JSON.stringify(profile));
}
process.stdout.write(JSON.stringify(measurement) + '\n');
// Whatever a library left behind (timers, queued work) is not part of the sample.
process.exit(0);
