import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: where child processes run. */
export const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The environment for a child process a spec starts: the parent's, with
 * coverage collection off. Node hands NODE_V8_COVERAGE to children unless the
 * env sets it; a child's coverage comes from its own transform of the
 * sources, and merging it with the parent's skews the report.
 */
export function withoutCoverage(): NodeJS.ProcessEnv {
  return { ...process.env, NODE_V8_COVERAGE: '' };
}

/** How a child process ended, and what it wrote. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a TypeScript file (a path from the repository root) as
 * `node --import tsx [--import <preload>…] <file>`, from the repository
 * root, with its output piped and coverage off. A child still running after
 * `timeout` ms is killed (its code is then null), so a hung one cannot hold
 * the spec run open.
 *
 * @example
 * ```ts
 * const { code, stdout } = await runTsx('examples/demo.ts');
 * ```
 */
export function runTsx(file: string, { preloads = [] as string[], timeout = 25_000 } = {}): Promise<Run> {
  const imports = ['tsx', ...preloads].flatMap((preload) => ['--import', preload]);
  const child = spawn(process.execPath, [...imports, file], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: withoutCoverage(),
    timeout,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
