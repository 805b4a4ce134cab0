/**
 * What a benchmark scenario is, and the helpers its workloads share.
 *
 * A scenario runs twice over: in the parent (`run.ts`), which reads its cases
 * and judges its targets, and in a child process (`scenario-runner.ts`), which
 * calls `measure` once to warm up and once for the sample it reports.
 */

/** Parameters of one case, passed to the child as `key=value` arguments. */
export type Params = Readonly<Record<string, string>>;

/** One row group of a scenario's table: a workload size and its parameters. */
export interface Case {
  /** Shown in the table's first column, e.g. `c=16`. */
  readonly label: string;
  readonly n: number;
  readonly params: Params;
  /** The libraries to sample, in the order they alternate. */
  readonly libraries: readonly string[];
  /** Fewer samples than the run asks for, for a case a quadratic peer makes slow. */
  readonly maxSamples?: number;
}

/** What one child reports: the sample's value, plus named figures for the JSON. */
export interface Measurement {
  readonly value: number;
  readonly extra?: Readonly<Record<string, number>>;
}

/** The samples of one library in one case, summarised. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

/** A case with every library's summary: what targets are judged on. */
export interface CaseResult {
  readonly case: Case;
  readonly libraries: Readonly<Record<string, Summary>>;
}

/** One target, judged. */
export interface Verdict {
  readonly target: string;
  readonly measured: string;
  readonly pass: boolean;
}

export interface Scenario {
  /** Its number in the tables, and the name given on the command line (and its file's name). */
  readonly number: number;
  readonly id: string;
  readonly title: string;
  /** `ms` for a duration (lower is better), `B/task` for heap per task. */
  readonly unit: 'ms' | 'B/task';
  /** Extra flags for the child `node` process. */
  readonly nodeFlags?: readonly string[];
  cases(scale: number): Case[];
  /** The size of the warm-up run that precedes the measured one in each child. */
  warmup?(n: number): number;
  /** Runs in the child: set up, time only the workload, tear down. */
  measure(library: string, n: number, params: Params): Promise<Measurement>;
  targets(results: readonly CaseResult[]): Verdict[];
}

/** A task that does nothing, asynchronously: the unit of pure overhead. */
export const emptyTask = async (): Promise<void> => {};

/** A task that crosses the event loop once, as real I/O does: one `setImmediate`. */
export const oneHop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Scales a full-size n for `--quick`, keeping it a round number. */
export const scaled = (n: number, scale: number): number => Math.max(1, Math.round(n * scale));

/** Collects the garbage twice (finalizers may free more); needs `--expose-gc`. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run the child with --expose-gc');
  gc();
  gc();
}

/** A small seeded generator (mulberry32), so every library gets the same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A promise and the function that resolves it: a gate that holds a worker busy. */
export function gate(): { readonly opened: Promise<void>; readonly open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Median of the given library's samples in the case labelled `label`. */
export function medianOf(results: readonly CaseResult[], label: string, library: string): number {
  const summary = results.find((result) => result.case.label === label)?.libraries[library];
  return summary === undefined ? NaN : summary.median;
}

/** A target of the form `measured ≤ limit`, judged and worded. */
export function atMost(target: string, measured: number, limit: number, unit = '×'): Verdict {
  const shown = Number.isFinite(measured) ? `${measured.toFixed(2)}${unit}` : 'not measured';
  return { target, measured: shown, pass: measured <= limit };
}

/**
 * rxpool against the floor, twice: the target (`limit`× the floor), and
 * the same limit against `floor-thenable`, the floor behind a thenable
 * whose `then` forwards to its promise: what a handle that is not a native
 * promise pays for the adoption and the forwarding.
 */
export function versusFloor(results: readonly CaseResult[], label: string, limit: number): Verdict[] {
  const rxpool = medianOf(results, label, 'rxpool');
  return ['floor', 'floor-thenable'].map((floor) =>
    atMost(`rxpool ≤ ${limit}× ${floor} at ${label}`, rxpool / medianOf(results, label, floor), limit),
  );
}
