/**
 * A compact set of non-negative integers: one bit per integer up to the
 * largest held, growing a quarter at a time as needed. Ten million indices
 * fit in 1.25 MB (up to a quarter more while it grows).
 *
 * @module
 */

/** The largest integer a {@linkcode Bitset} holds: 2^32 - 1, half a gigabyte of bits. */
export const MAX_BIT = 2 ** 32 - 1;

/**
 * A set of non-negative integers, a bit each, over an `ArrayBuffer` or a
 * `SharedArrayBuffer` (so Web Workers can read it).
 *
 * @example
 * ```ts
 * import { Bitset } from "./bitset.ts";
 * import assert from "node:assert/strict";
 *
 * const done = new Bitset();
 * done.add(3);
 * done.add(1_000_000);
 * assert.ok(done.has(3) && !done.has(4));
 * assert.equal(done.size, 2);
 * done.delete(3);
 * assert.deepEqual([...done], [1_000_000]);
 * ```
 */
export class Bitset implements Iterable<number> {
  #bytes: Uint8Array<ArrayBufferLike>;
  /** Bytes up to the last one that ever held a bit. */
  #used: number;
  #size = 0;

  /**
   * Creates an empty set, or one over the bits of `buffer` (shared, not copied).
   *
   * @param buffer Bits to start from, bit `i % 8` of byte `i >> 3` holding `i`.
   */
  constructor(buffer?: ArrayBufferLike) {
    this.#bytes = new Uint8Array(buffer ?? new ArrayBuffer(0));
    this.#used = this.#bytes.length;
    for (const byte of this.#bytes) this.#size += popCount(byte);
  }

  /** How many integers the set holds. */
  get size(): number {
    return this.#size;
  }

  /**
   * Whether the set holds `value`.
   *
   * @param value A non-negative integer.
   * @returns `true` when it does.
   */
  has(value: number): boolean {
    return ((this.#bytes[value >>> 3] ?? 0) & (1 << (value & 7))) !== 0;
  }

  /**
   * Adds `value`, growing the set when needed.
   *
   * @param value An integer from 0 to {@linkcode MAX_BIT}.
   * @throws {RangeError} When `value` is not such an integer.
   */
  add(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > MAX_BIT) {
      throw new RangeError(
        `Cannot add to bitset as 'value' must be an integer from 0 to ${MAX_BIT}: current value is ${value}`,
      );
    }
    const byte = value >>> 3;
    if (byte >= this.#bytes.length) this.#grow(byte + 1);
    if (byte >= this.#used) this.#used = byte + 1;
    const bit = 1 << (value & 7);
    if ((this.#bytes[byte]! & bit) === 0) {
      this.#bytes[byte]! |= bit;
      this.#size++;
    }
  }

  /**
   * Removes `value` when the set holds it.
   *
   * @param value A non-negative integer.
   */
  delete(value: number): void {
    if (!this.has(value)) return;
    this.#bytes[value >>> 3]! &= ~(1 << (value & 7));
    this.#size--;
  }

  /**
   * A copy of the bits in a `SharedArrayBuffer`, for Web Workers to read with
   * `new Bitset(buffer)`.
   *
   * @returns The buffer.
   */
  share(): SharedArrayBuffer {
    const shared = new SharedArrayBuffer(this.#used);
    new Uint8Array(shared).set(this.#bytes.subarray(0, this.#used));
    return shared;
  }

  /** The integers held, in increasing order. */
  *[Symbol.iterator](): Iterator<number> {
    for (let byte = 0; byte < this.#used; byte++) {
      const bits = this.#bytes[byte]!;
      if (bits === 0) continue;
      for (let bit = 0; bit < 8; bit++) if (bits & (1 << bit)) yield byte * 8 + bit;
    }
  }

  #grow(minimum: number): void {
    // A quarter more at a time: a bit per integer, give or take a quarter, and few copies.
    const grown = Math.ceil(this.#bytes.length * 1.25) + 64;
    const bytes = new Uint8Array(Math.max(minimum, Math.min(grown, 2 ** 29)));
    bytes.set(this.#bytes);
    this.#bytes = bytes;
  }
}

function popCount(byte: number): number {
  let count = 0;
  for (let bits = byte; bits !== 0; bits &= bits - 1) count++;
  return count;
}
