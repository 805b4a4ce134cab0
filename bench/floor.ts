/**
 * The floor: the least a bounded-concurrency limiter can do and still be one.
 * A counter of running tasks, an array of waiting starters read through a head
 * index, and one promise per task. No options, no events, no cancellation:
 * what any library costs beyond this is the price of its features.
 */
export type Limit = <T>(task: () => T | PromiseLike<T>) => Promise<T>;

export function floorLimit(concurrency: number): Limit {
  let running = 0;
  let head = 0;
  const waiting: ((() => void) | undefined)[] = [];
  const next = (): void => {
    running--;
    if (head === waiting.length) return;
    const start = waiting[head]!;
    waiting[head++] = undefined; // let it be collected
    if (head === waiting.length) waiting.length = head = 0;
    start();
  };
  return <T>(task: () => T | PromiseLike<T>) =>
    new Promise<T>((resolve, reject) => {
      const start = (): void => {
        running++;
        try {
          Promise.resolve(task()).then(
            (value) => {
              next();
              resolve(value);
            },
            (error: unknown) => {
              next();
              reject(error);
            },
          );
        } catch (error) {
          next();
          reject(error);
        }
      };
      if (running < concurrency) start();
      else waiting.push(start);
    });
}
