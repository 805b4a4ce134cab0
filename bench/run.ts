/**
 * The benchmark harness: `npm run bench -- [--quick] [--only=a,b] [--samples=N] [--strict]`.
 * Every sample is a fresh `node` process running compiled JavaScript
 * (`--tsx` runs the TypeScript through tsx instead); libraries alternate
 * within each round, and the first library rotates from round to round, so
 * drift in the machine spreads evenly. Prints markdown; writes JSON to
 * bench/results/.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compile, root } from './build.js';
import { summarise, table, verdicts } from './report.js';
import type { Case, CaseResult, Measurement, Scenario } from './scenario.js';
import { scenarios } from './scenarios/index.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    samples: { type: 'string' },
    only: { type: 'string' },
    tsx: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
  },
});
const scale = flags.quick ? 0.1 : 1;
const samples = Number(flags.samples ?? (flags.quick ? 1 : 5));
const only = flags.only?.split(',');
const selected = scenarios.filter((scenario) => only === undefined || only.includes(scenario.id));
const resultsDirectory = join(root, 'bench', 'results');
const profileDirectory = join(resultsDirectory, 'profiles');

const build = flags.tsx ? undefined : compile();
const runner = build
  ? [join(build.directory, 'bench', 'scenario-runner.js')]
  : ['--import', 'tsx', join(root, 'bench', 'scenario-runner.ts')];

/** One line of progress, rewritten in place on a terminal; nothing in a log. */
function progress(line: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}`);
}

/** Runs one sample in a fresh process and returns what it printed. */
function sample(scenario: Scenario, row: Case, library: string, round: number): Promise<Measurement> {
  const profile = flags['cpu-prof'] && library.startsWith('rxpool');
  const name = `${scenario.id}-${row.label}-${library}-${round}`.replace(/[^\w.-]+/g, '_');
  if (profile) mkdirSync(profileDirectory, { recursive: true });
  const params = Object.entries(row.params).map(([key, value]) => `${key}=${value}`);
  const args = ['--expose-gc', ...(scenario.nodeFlags ?? []), ...runner];
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', BENCH_QUICK: flags.quick ? '1' : '' };
  if (profile) env.BENCH_CPU_PROFILE = join(profileDirectory, `${name}.cpuprofile`);
  const child = spawn(process.execPath, [...args, scenario.id, library, String(row.n), ...params], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const line = output.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as Measurement);
      else reject(new Error(`${scenario.id} ${row.label} ${library} exited with ${code}: ${output}`));
    });
  });
}

/** Every library's samples for one case, interleaved round by round. */
async function runCase(scenario: Scenario, row: Case): Promise<CaseResult & { extras: object }> {
  const values: Record<string, number[]> = {};
  const extras: Record<string, Record<string, number[]>> = {};
  const rounds = Math.min(samples, row.maxSamples ?? samples);
  for (let round = 0; round < rounds; round++) {
    const shift = round % row.libraries.length;
    for (const library of [...row.libraries.slice(shift), ...row.libraries.slice(0, shift)]) {
      progress(`${scenario.id} ${row.label}: round ${round + 1}/${rounds} ${library}`);
      const { value, extra = {} } = await sample(scenario, row, library, round);
      (values[library] ??= []).push(value);
      for (const [key, figure] of Object.entries(extra)) ((extras[library] ??= {})[key] ??= []).push(figure);
    }
  }
  progress('');
  const libraries = Object.fromEntries(Object.entries(values).map(([name, list]) => [name, summarise(list)]));
  return { case: row, libraries, extras };
}

const started = new Date();
const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
const load = loadavg()[0]!.toFixed(2);
const mode = `${flags.quick ? 'quick (n/10)' : 'full'}, ${samples} samples per library, ${build ? `compiled JS (event code removed at ${build.strippedSites} sites for rxpool-stripped)` : 'tsx'}`;
console.log(
  `rxpool bench · ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC · Node ${process.version} · ${cpu} · ${cpus().length} cores · load ${load} · ${mode}\n`,
);

const report: object[] = [];
let failures = 0;
try {
  for (const scenario of selected) {
    const heading = `### ${scenario.number}. ${scenario.title}`;
    const results = [];
    for (const row of scenario.cases(scale)) results.push(await runCase(scenario, row));
    const judged = scenario.targets(results);
    failures += judged.filter((verdict) => !verdict.pass).length;
    const sizes = [...new Set(results.map(({ case: row }) => row.n.toLocaleString('en-US')))].join(', ');
    console.log(`${heading} (n = ${sizes})\n\n${table(scenario, results)}\n\n${verdicts(judged)}\n`);
    report.push({
      id: scenario.id,
      number: scenario.number,
      title: scenario.title,
      unit: scenario.unit,
      results,
      verdicts: judged,
    });
  }
} finally {
  build?.remove();
}

mkdirSync(resultsDirectory, { recursive: true });
const file = join(
  resultsDirectory,
  `${started.toISOString().replace(/[:.]/g, '-')}${flags.quick ? '-quick' : ''}.json`,
);
const machine = { date: started.toISOString(), node: process.version, cpu, cores: cpus().length, load };
writeFileSync(file, JSON.stringify({ ...machine, mode, scale, samples, scenarios: report }, null, 2) + '\n');
console.log(`${failures === 0 ? 'All targets met' : `${failures} target(s) missed`}. Results: ${file}`);
// Timings on a shared machine are noisy: a missed target fails the run only when asked.
if (flags.strict && failures > 0) process.exitCode = 1;
