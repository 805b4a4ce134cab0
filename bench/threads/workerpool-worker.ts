/** The worker of workerpool: `pool.exec(name, args)` calls the function registered as `name` with `...args`. */
import workerpool from 'workerpool';
import { add, spin, whichThread } from './work.js';

workerpool.worker({ add, spin, whichThread });
