/**
 * A moment in time (a `performance.now()` reading) kept in an object as two
 * 32-bit integers, the two halves of the double's bits.
 *
 * V8 stores a double held in an object field as a separate heap number, one
 * allocation per write (16 bytes that a queued task keeps alive across
 * collections). A 32-bit integer is stored in the field itself. A Future
 * records three moments, so this spares three allocations per task; the
 * halves join back into the very same double, bit for bit.
 *
 * (Where V8 runs with pointer compression, its small integers have 31 bits
 * and some halves are boxed after all: the values stay exact.)
 */
const double = new Float64Array(1);
const words = new Int32Array(double.buffer);
// Which word holds the sign and exponent, so that `high` means the same on every platform.
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LOW = 1 - HIGH;

/** The high 32 bits of `at` (sign, exponent, top of the mantissa), as an int32. */
export function highWord(at: number): number {
  double[0] = at;
  return words[HIGH]!;
}

/** The low 32 bits of `at`, as an int32. */
export function lowWord(at: number): number {
  double[0] = at;
  return words[LOW]!;
}

/** The double whose halves are `high` and `low`. */
export function joinWords(high: number, low: number): number {
  words[HIGH] = high;
  words[LOW] = low;
  return double[0]!;
}

/** The high word of a moment not reached yet (NaN; `performance.now()` never returns it). */
export const NOT_YET = highWord(NaN);
