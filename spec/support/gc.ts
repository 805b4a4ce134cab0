import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
// A new context sees the flag just set; the main one read its globals at start-up.
const gc = runInNewContext('gc') as () => void;

/**
 * Whether the object `ref` points to can be (and was) collected, once the
 * current job is over: a WeakRef keeps its target alive until then.
 */
export async function collected(ref: WeakRef<object>): Promise<boolean> {
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return ref.deref() === undefined;
}

/** The heap in use once the current job is over and the garbage is collected. */
export async function heapInUse(): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return process.memoryUsage().heapUsed;
}
