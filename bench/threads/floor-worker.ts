/** The thread side of the thread floor (`floor.ts`): calls the named export, answers with its value. */
import { parentPort } from 'node:worker_threads';
import * as work from './work.js';

type Call = { fn: keyof typeof work; args: number[] };

parentPort!.on('message', ({ fn, args }: Call) => {
  const target = work[fn] as (...args: number[]) => number;
  parentPort!.postMessage(target(...args));
});
