/**
 * A rate schedule: ticket `k` is due at `start + k / rate`, optionally after
 * a linear ramp from 0 to the full rate. Tickets come from one counter that
 * can live in a `SharedArrayBuffer`, so several threads can draw from one
 * schedule. Nothing here knows about HTTP.
 *
 * @module
 */

/** Options for {@linkcode RateSchedule}. */
export interface RateScheduleOptions {
  /**
   * Milliseconds over which the rate rises linearly from 0 to `rate`.
   *
   * @default {0}
   */
  ramp?: number;
  /**
   * When ticket 0 is due, in milliseconds since the epoch. By default the
   * schedule starts when its first ticket is taken, by any thread sharing it.
   */
  start?: number;
  /**
   * The ticket counter and start of another schedule (its
   * {@linkcode RateSchedule.buffer}), to draw from the same schedule, in
   * this thread or another. By default a new one is made.
   */
  buffer?: SharedArrayBuffer;
}

/**
 * How late (ms) a ticket may be taken and still count as on time: timers
 * and event loops are not finer. A ticket due this close before a run's end
 * or stop was on its way, not dropped.
 */
export const ON_TIME_MS = 2;

/** Slots of the shared buffer: the next ticket, and 1 + the start in microseconds (0: not yet). */
const TICKET = 0;
const START = 1;

/**
 * Hands out tickets in order and tells when each is due. With a ramp of `D`
 * ms, `k` tickets are due by time `t` when `k = rate * t² / (2D)` for
 * `t < D`, and `k = rate * D / 2 + rate * (t - D)` after; the due time of a
 * ticket inverts that.
 *
 * @example Ten tickets a second
 * ```ts
 * import { RateSchedule } from "./rate_schedule.ts";
 * import assert from "node:assert/strict";
 *
 * const schedule = new RateSchedule(10, { start: 0 });
 * assert.equal(schedule.next(), 0);
 * assert.equal(schedule.next(), 100);
 * assert.equal(schedule.dueAt(50), 5000);
 * ```
 *
 * @example A ramp of one second to 100 per second: the first 50 tickets are due during the ramp
 * ```ts
 * import { RateSchedule } from "./rate_schedule.ts";
 * import assert from "node:assert/strict";
 *
 * const schedule = new RateSchedule(100, { ramp: 1000, start: 0 });
 * assert.equal(schedule.dueAt(50), 1000);
 * assert.equal(schedule.dueAt(150), 2000);
 * assert.equal(schedule.dueAt(25), 1000 * Math.SQRT1_2);
 * ```
 */
export class RateSchedule {
  /** Tickets per second at full rate. */
  readonly rate: number;
  /** Milliseconds of the ramp from 0 to `rate`. */
  readonly ramp: number;
  /** The ticket counter and start; pass it to another schedule to share them. */
  readonly buffer: SharedArrayBuffer;
  #slots: BigInt64Array;
  /** Tickets due during the ramp. */
  #rampTickets: number;

  /**
   * Creates a schedule of `rate` tickets per second.
   *
   * @param rate Tickets per second, a positive finite number.
   * @param options The {@linkcode RateScheduleOptions}.
   * @throws {RangeError} When `rate` or `ramp` is out of range, or `buffer` is not 16 bytes.
   */
  constructor(rate: number, options: RateScheduleOptions = {}) {
    const { ramp = 0, start, buffer = new SharedArrayBuffer(16) } = options;
    if (!(rate > 0 && Number.isFinite(rate))) {
      throw new RangeError(
        `Cannot create rate schedule as 'rate' must be a positive finite number: current value is ${rate}`,
      );
    }
    if (!(ramp >= 0 && Number.isFinite(ramp))) {
      throw new RangeError(
        `Cannot create rate schedule as 'ramp' must be a non-negative finite number: current value is ${ramp}`,
      );
    }
    if (buffer.byteLength !== 16) {
      throw new RangeError(
        `Cannot create rate schedule as 'buffer' must hold 16 bytes: current size is ${buffer.byteLength}`,
      );
    }
    this.rate = rate;
    this.ramp = ramp;
    this.buffer = buffer;
    this.#slots = new BigInt64Array(buffer);
    this.#rampTickets = rate * ramp / 2000;
    if (start !== undefined) {
      Atomics.store(this.#slots, START, BigInt(Math.round(start * 1000)) + 1n);
    }
  }

  /** When ticket 0 is (or was) due, in ms since the epoch; `undefined` before the first ticket. */
  get start(): number | undefined {
    const start = Atomics.load(this.#slots, START);
    return start === 0n ? undefined : Number(start - 1n) / 1000;
  }

  /** How many tickets have been taken, by every thread sharing the schedule. */
  get taken(): number {
    return Number(Atomics.load(this.#slots, TICKET));
  }

  /**
   * When ticket `k` is due, in milliseconds after the start.
   *
   * @param k The ticket, from 0.
   * @returns Milliseconds after the start.
   */
  dueAt(k: number): number {
    if (k < this.#rampTickets) return Math.sqrt(2 * this.ramp * k / this.rate * 1000);
    return this.ramp + (k - this.#rampTickets) / this.rate * 1000;
  }

  /**
   * How many tickets are due before `ms` after the start: what the schedule
   * calls for in a run that ends then (a ticket due exactly at `ms` is not).
   *
   * @param ms Milliseconds after the start.
   * @returns The number of tickets `k` with `dueAt(k) < ms`.
   *
   * @example
   * ```ts
   * import { RateSchedule } from "./rate_schedule.ts";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new RateSchedule(200).dueBefore(2000), 400);
   * assert.equal(new RateSchedule(100, { ramp: 2000 }).dueBefore(3000), 200);
   * ```
   */
  dueBefore(ms: number): number {
    if (!(ms > 0)) return 0;
    const bound = ms < this.ramp
      ? this.rate * ms * ms / (2000 * this.ramp)
      : this.#rampTickets + (ms - this.ramp) * this.rate / 1000;
    // Tickets 0 .. ceil(bound) - 1; a bound a rounding error above an integer is that integer.
    return Math.max(1, Math.ceil(bound - 1e-9));
  }

  /**
   * Takes the next ticket, starting the schedule now if no ticket was taken yet.
   *
   * @returns When the ticket is due, in milliseconds since the epoch.
   */
  next(): number {
    const k = Number(Atomics.add(this.#slots, TICKET, 1n));
    let start = Atomics.load(this.#slots, START);
    if (start === 0n) {
      const now = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) + 1n;
      const previous = Atomics.compareExchange(this.#slots, START, 0n, now);
      start = previous === 0n ? now : previous;
    }
    return Number(start - 1n) / 1000 + this.dueAt(k);
  }
}
