/**
 * The worker of poolifier: a `ThreadWorker` over named task functions, each
 * taking one value, here the arguments as an array; `pool.execute(data, name)`
 * picks the function.
 */
import { ThreadWorker } from 'poolifier';
import * as work from './work.js';

export default new ThreadWorker<readonly number[], number>({
  add: ([a, b] = []) => work.add(a!, b!),
  spin: ([seed, iterations] = []) => work.spin(seed!, iterations!),
  whichThread: ([iterations] = []) => work.whichThread(iterations!),
});
