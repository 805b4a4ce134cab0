export { Future, type FutureState, type FutureTiming } from './future.js';
export { all, allSettled, any, race } from './combinators.js';
