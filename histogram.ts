/**
 * A fixed-size log-linear histogram of durations, for percentiles over any
 * number of samples in constant memory.
 *
 * @module
 */

/** Buckets below this many microseconds are one microsecond wide. */
const LINEAR_LIMIT = 256;
/** Sub-buckets per power of two above {@linkcode LINEAR_LIMIT}: relative error under 0.4%. */
const SUB_BUCKETS = 128;
/** Samples are clamped to 2^40 µs, about 12.7 days. */
const MAX_MICROS = 2 ** 40;
const BUCKETS = (40 - 7) * SUB_BUCKETS + LINEAR_LIMIT;

function bucketOf(micros: number): number {
  if (micros < LINEAR_LIMIT) return micros;
  const highestBit = micros < 2 ** 31 ? 31 - Math.clz32(micros) : Math.floor(Math.log2(micros));
  const shift = highestBit - 7;
  return shift * SUB_BUCKETS + Math.floor(micros / 2 ** shift);
}

function lowestMicrosOf(bucket: number): number {
  if (bucket < LINEAR_LIMIT) return bucket;
  const shift = Math.floor(bucket / SUB_BUCKETS) - 1;
  return (bucket - shift * SUB_BUCKETS) * 2 ** shift;
}

/**
 * Records durations in milliseconds (to the microsecond) and answers
 * percentiles to within 0.4%, in about 34 KiB whatever the count.
 *
 * @example
 * ```ts
 * import { Histogram } from "./histogram.ts";
 * import assert from "node:assert/strict";
 *
 * const histogram = new Histogram();
 * for (let ms = 1; ms <= 100; ms++) histogram.record(ms);
 * assert.equal(histogram.count, 100);
 * assert.ok(Math.abs(histogram.percentile(90) - 90) < 0.5);
 * assert.equal(histogram.max, 100);
 * ```
 */
export class Histogram {
  #counts = new Float64Array(BUCKETS);
  #count = 0;
  #max = 0;

  /** The number of samples recorded. */
  get count(): number {
    return this.#count;
  }

  /** The largest sample, exactly, in milliseconds (0 when empty). */
  get max(): number {
    return this.#max;
  }

  /**
   * Records one duration.
   *
   * @param ms The duration in milliseconds; negative values count as 0.
   */
  record(ms: number): void {
    const micros = Math.min(MAX_MICROS, Math.max(0, Math.round(ms * 1000)));
    this.#counts[bucketOf(micros)]! += 1;
    this.#count++;
    if (ms > this.#max) this.#max = ms;
  }

  /**
   * Adds every sample of another histogram to this one.
   *
   * @param other The histogram to add.
   */
  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.#counts[i]! += other.#counts[i]!;
    this.#count += other.#count;
    if (other.#max > this.#max) this.#max = other.#max;
  }

  /**
   * The value below which `p` percent of the samples fall.
   *
   * @param p The percentile, from 0 to 100.
   * @returns The percentile in milliseconds (0 when empty), never above {@linkcode Histogram.max}.
   */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count));
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.#counts[bucket]!;
      if (seen >= rank) {
        const low = lowestMicrosOf(bucket);
        const middle = (low + lowestMicrosOf(bucket + 1)) / 2;
        return Math.min(this.#max, (bucket < LINEAR_LIMIT ? low : middle) / 1000);
      }
    }
    return this.#max;
  }
}
