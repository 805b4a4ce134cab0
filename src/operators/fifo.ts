/**
 * A first-in, first-out buffer with amortised O(1) `push` and `shift`, and no
 * `Array#shift` (which copies the whole array on large arrays).
 */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(value: T): void {
    this.#items.push(value);
  }

  /** The oldest value, left in place; undefined when empty. */
  peek(): T | undefined {
    return this.#items[this.#head];
  }

  /** Takes the oldest value; callers check `size` first. */
  shift(): T {
    const value = this.#items[this.#head] as T;
    this.#items[this.#head++] = undefined;
    // Drop the consumed prefix once it is the larger part: each value is copied O(1) times.
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return value;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}
