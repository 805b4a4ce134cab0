// Loaded with --import after tsx: in the main thread and, through the
// inherited execArgv, in every worker thread a ThreadPool starts.
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  // Threads copy this environment. Leave coverage to the main thread, as for
  // child processes (see child.ts): a thread's coverage comes from its own
  // transform of the sources, and c8 cannot read the entry of the threads'
  // bootstrap, a data: URL module. This thread's coverage is already set up.
  delete process.env.NODE_V8_COVERAGE;
} else {
  // On Node 20 module hooks are per thread, and tsx registers itself on the
  // main thread only: register it here too, for the TypeScript sources.
  // (Where tsx already did, a second registration only transforms again.)
  const { register } = await import('tsx/esm/api');
  register();
}
