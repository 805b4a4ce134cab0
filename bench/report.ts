/**
 * Summaries and the markdown the README embeds: one table per scenario, then
 * its targets, judged.
 */
import type { CaseResult, Scenario, Summary, Verdict } from './scenario.js';

/** The libraries a result is compared against as "the best peer". */
export const peers: readonly string[] = [
  'p-limit',
  'p-queue',
  'rxjs',
  'piscina',
  'tinypool',
  'workerpool',
  'poolifier',
];

export function summarise(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, samples };
}

const number = (value: number, digits: number): string =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const ratio = (value: number, base: number | undefined): string =>
  base === undefined || !Number.isFinite(base) ? '—' : `${number(value / base, 2)}×`;

export function table(scenario: Scenario, results: readonly CaseResult[]): string {
  const unit = scenario.unit;
  const digits = unit === 'ms' ? 1 : 0;
  const lines = [
    `| case | library | median (${unit}) | min | max | × floor | × best peer |`,
    '|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const { case: row, libraries } of results) {
    const floor = libraries.floor?.median;
    const peerMedians = peers.flatMap((peer) => (libraries[peer] ? [libraries[peer].median] : []));
    const bestPeer = peerMedians.length > 0 ? Math.min(...peerMedians) : undefined;
    for (const library of row.libraries) {
      const summary = libraries[library];
      if (summary === undefined) continue;
      const name = library.startsWith('rxpool') ? `**${library}**` : library;
      const cells = [summary.median, summary.min, summary.max].map((value) => number(value, digits));
      lines.push(
        `| ${row.label} | ${name} | ${cells.join(' | ')} | ${ratio(summary.median, floor)} | ${ratio(summary.median, bestPeer)} |`,
      );
    }
  }
  return lines.join('\n');
}

export function verdicts(list: readonly Verdict[]): string {
  return list
    .map(({ target, measured, pass }) => `- ${pass ? 'PASS' : '**FAIL**'}: ${target} (measured ${measured})`)
    .join('\n');
}
