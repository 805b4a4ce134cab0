/**
 * The environment for a child process a spec starts: the parent's, with
 * coverage collection off. Node hands NODE_V8_COVERAGE to children unless the
 * env sets it; a child's coverage comes from its own transform of the
 * sources, and merging it with the parent's skews the report.
 */
export function withoutCoverage(): NodeJS.ProcessEnv {
  return { ...process.env, NODE_V8_COVERAGE: '' };
}
