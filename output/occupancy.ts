/**
 * Busy time: how long at least one of many intervals was open, in memory
 * bounded by the span they cover rather than by their number.
 *
 * @module
 */

import { Bitset } from "./bitset.ts";

/** Options for {@linkcode Occupancy}. */
export interface OccupancyOptions {
  /**
   * The resolution in milliseconds: a gap shorter than this may count as busy.
   *
   * @default {1000}
   */
  resolution?: number;
  /**
   * The most slots to keep; the resolution coarsens to stay under it.
   *
   * @default {2 ** 27}
   */
  maxSlots?: number;
}

/**
 * The time within `[from, to]` that intervals covered: the whole span less
 * the slots of `resolution` that no interval touched. A run interrupted for
 * an hour and resumed is busy for the time its requests were in flight, not
 * the hour; runs that overlapped count their common span once.
 *
 * @example
 * ```ts
 * import { Occupancy } from "./occupancy.ts";
 * import assert from "node:assert/strict";
 *
 * const busy = new Occupancy(0, 10_000);
 * busy.add(0, 2_500);
 * busy.add(1_000, 3_000);
 * busy.add(8_000, 10_000);
 * assert.equal(busy.busy, 10_000 - 5_000);
 * ```
 */
export class Occupancy {
  #from: number;
  #to: number;
  #resolution: number;
  #slots: number;
  #touched = new Bitset();

  /**
   * @param from The earliest start, in milliseconds.
   * @param to The latest end, in milliseconds.
   * @param options The {@linkcode OccupancyOptions}.
   * @throws {RangeError} When `from` and `to` are not finite with `from <= to`.
   */
  constructor(from: number, to: number, options: OccupancyOptions = {}) {
    const { resolution = 1000, maxSlots = 2 ** 27 } = options;
    if (!Number.isFinite(from) || !Number.isFinite(to) || from > to) {
      throw new RangeError(
        `Cannot create occupancy as 'from' and 'to' must be finite with from <= to: current values are ${from} and ${to}`,
      );
    }
    this.#from = from;
    this.#to = to;
    this.#resolution = Math.max(resolution, (to - from) / maxSlots);
    this.#slots = Math.ceil((to - from) / this.#resolution);
  }

  /**
   * Marks `[start, end]` busy; the part outside `[from, to]` is ignored.
   *
   * @param start The interval's start, in milliseconds.
   * @param end Its end, in milliseconds.
   */
  add(start: number, end: number): void {
    const first = Math.max(0, Math.floor((start - this.#from) / this.#resolution));
    const last = Math.min(
      this.#slots - 1,
      Math.max(first, Math.ceil((end - this.#from) / this.#resolution) - 1),
    );
    for (let slot = first; slot <= last; slot++) this.#touched.add(slot);
  }

  /** The busy time, in milliseconds: the span less the slots no interval touched. */
  get busy(): number {
    const idle = (this.#slots - this.#touched.size) * this.#resolution;
    return Math.max(0, this.#to - this.#from - idle);
  }
}
