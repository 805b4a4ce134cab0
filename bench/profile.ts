/**
 * The top self-time functions of a `.cpuprofile` (as written by
 * `npm run bench -- --cpu-prof`, which profiles the measured run of each
 * rxpool sample, or by `node --cpu-prof`):
 *   npx tsx bench/profile.ts <file.cpuprofile> [count]
 * Prints each function's share of all samples, then each file's share.
 * Line numbers are those of the compiled JavaScript the profile ran.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly hitCount?: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
}

const [file, top = '25'] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: profile.ts <file.cpuprofile> [count]');
const { nodes } = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };

// Paths inside the temporary build (or the repository) shown from the repository root.
const shorten = (url: string): string =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/rxpool-bench-[^/]+\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^\/work\/main\//, '');

const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
let total = 0;
for (const { hitCount = 0, callFrame } of nodes) {
  if (hitCount === 0) continue;
  total += hitCount;
  const where = shorten(callFrame.url) || '(native)';
  const name = `${callFrame.functionName || '(anonymous)'}  ${where}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + hitCount);
  byFile.set(where, (byFile.get(where) ?? 0) + hitCount);
}

const print = (title: string, counts: Map<string, number>): void => {
  console.log(`\n${title}`);
  const sorted = [...counts].sort((a, b) => b[1] - a[1]).slice(0, Number(top));
  for (const [name, hits] of sorted)
    console.log(`${((100 * hits) / total).toFixed(1).padStart(5)}%  ${name}`);
};
console.log(`${file}: ${total} samples`);
print('self time by function', byFunction);
print('self time by file', byFile);
