/**
 * The requests a rate's schedule called for and never sent, and the warning
 * that says the target rate was not met and why.
 *
 * @module
 */

import { ON_TIME_MS, RateSchedule } from "../pace/rate_schedule.ts";
import type { SummaryJson } from "../report/summary.ts";

/** What the schedule of a run with a rate called for. */
export interface ScheduleFacts {
  /** Requests per second. */
  rate: number;
  /** Milliseconds of the ramp, if any. */
  ramp?: number | undefined;
  /** Milliseconds after the start when dispatching ended (`--duration`), if it did. */
  duration?: number | undefined;
  /** The most requests the run could make (its count, less those resumed), when known. */
  cap?: number | undefined;
}

/**
 * Counts the requests due before the run's end that were never sent: the
 * schedule's tickets due before the end (the duration, or an earlier stop,
 * less the {@linkcode ON_TIME_MS} in which a ticket was still on its way),
 * up to the cap, less the requests that were sent.
 *
 * @param schedule The run's rate, ramp, duration and cap.
 * @param sent Requests sent (each has a record).
 * @param start When the first request was due, in ms since the epoch; `undefined` when none was.
 * @param stoppedAt When dispatching was stopped early (Ctrl-C, a failed write), if it was.
 * @returns Requests never sent.
 *
 * @example 200/s for 2 s is 400 requests: 350 sent leaves 50 dropped
 * ```ts
 * import { countDropped } from "./dropped.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(countDropped({ rate: 200, duration: 2000 }, 350, 1000, undefined), 50);
 * assert.equal(countDropped({ rate: 200, duration: 2000, cap: 300 }, 300, 1000, undefined), 0);
 * assert.equal(countDropped({ rate: 200 }, 100, 1000, 2000), 100);
 * // Stopped 1.5 ms after the 101st was due at 1000/s: it was on its way, not dropped.
 * assert.equal(countDropped({ rate: 1000 }, 100, 0, 101.5), 0);
 * ```
 */
export function countDropped(
  schedule: ScheduleFacts,
  sent: number,
  start: number | undefined,
  stoppedAt: number | undefined,
): number {
  const { rate, ramp = 0, duration, cap = Infinity } = schedule;
  if (start === undefined) return 0;
  const end = Math.min(
    duration ?? Infinity,
    stoppedAt === undefined ? Infinity : stoppedAt - start - ON_TIME_MS,
  );
  if (end === Infinity) return 0;
  const due = Math.min(cap, new RateSchedule(rate, { ramp }).dueBefore(end));
  return Math.max(0, due - sent);
}

/**
 * How the requests of a rate run used their slots: the mean time a request
 * held one (ok or failed), and the mean in flight while the schedule ran
 * (the ramp-up before it and the drain after it left out).
 *
 * @example Two requests of 100 ms in a schedule of 100 ms: two in flight
 * ```ts
 * import { SlotUse } from "./dropped.ts";
 * import assert from "node:assert/strict";
 *
 * const use = new SlotUse(() => [0, 100]);
 * use.add({ start: 0, ms: 100 });
 * use.add({ start: 50, ms: 100 }); // its last 50 ms are after the schedule
 * assert.deepEqual([use.meanMs, use.inFlight()], [100, 1.5]);
 * ```
 */
export class SlotUse {
  #window: () => [from: number, to: number] | undefined;
  #count = 0;
  #totalMs = 0;
  #inWindowMs = 0;

  /**
   * @param window When the schedule ran (ms since the epoch), once it started; the end may be
   * `Infinity` while it is not known yet.
   */
  constructor(window: () => [from: number, to: number] | undefined) {
    this.#window = window;
  }

  /**
   * Counts one finished request.
   *
   * @param record When it started (ms since the epoch) and how long it took.
   */
  add(record: { start: number; ms: number }): void {
    this.#count++;
    this.#totalMs += record.ms;
    const window = this.#window();
    if (window === undefined) return;
    const overlap = Math.min(record.start + record.ms, window[1]) -
      Math.max(record.start, window[0]);
    if (overlap > 0) this.#inWindowMs += overlap;
  }

  /** The mean time a request held its slot, in ms. */
  get meanMs(): number {
    return this.#count === 0 ? 0 : this.#totalMs / this.#count;
  }

  /**
   * The mean number of requests in flight while the schedule ran.
   *
   * @returns The mean; 0 when the schedule's span is not known.
   */
  inFlight(): number {
    const window = this.#window();
    if (window === undefined || !Number.isFinite(window[1]) || window[1] <= window[0]) return 0;
    return this.#inWindowMs / (window[1] - window[0]);
  }
}

/**
 * The CPU time this process has used (all its threads), in milliseconds,
 * from `/proc/self/stat`; `undefined` where it cannot be read.
 *
 * @returns Milliseconds of user and system time.
 *
 * @example
 * ```ts
 * import { processCpuMs } from "./dropped.ts";
 * import assert from "node:assert/strict";
 *
 * const before = processCpuMs();
 * for (let i = 0; i < 1e7; i++) Math.sqrt(i);
 * if (before !== undefined) assert.ok(processCpuMs()! >= before);
 * ```
 */
export function processCpuMs(): number | undefined {
  try {
    // Fields 14 and 15 (utime, stime) in clock ticks of 1/100 s; the name (2) may hold spaces.
    const stat = Deno.readTextFileSync("/proc/self/stat");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** How busy the client was: its CPU time over the run's time, and the cores its threads could use. */
export interface ClientLoad {
  /** CPU time over wall time: 1 is one core busy all along. */
  cores: number;
  /** The cores the run's threads could keep busy: its runner threads, at most the CPUs. */
  usable: number;
}

/**
 * The warning for a run that dropped requests: the target rate was not met,
 * and why. When the client was busy (its CPU at 90% of the cores its threads
 * can use), it could not send faster, and more slots would only queue
 * longer. Otherwise, when the slots were full (on average at least 90% of
 * the concurrency in flight while the schedule ran), the concurrency was too
 * low, and Little's law tells how many the rate needs from the mean time a
 * request held its slot (ok or failed: a timeout holds it too); when slots
 * were free, the client could not send that fast.
 *
 * @param json The run's summary.
 * @param rate The target rate, per second.
 * @param use How the requests used their slots.
 * @param load How busy the client was, when known.
 * @returns One line, or "" when nothing was dropped.
 *
 * @example 100 ms a request, 5 in flight: full at 5 slots, free at 50; 500/s needs 50
 * ```ts
 * import { droppedWarning, SlotUse } from "./dropped.ts";
 * import { Summary } from "../report/summary.ts";
 * import assert from "node:assert/strict";
 *
 * const summary = new Summary();
 * const use = new SlotUse(() => [0, 2000]);
 * for (let i = 0; i < 100; i++) {
 *   const record = { index: i, url: "http://a/", status: 200, start: i * 19, due: i * 2, ms: 100, bytes: 1, attempts: 1 };
 *   summary.add(record);
 *   use.add(record);
 * }
 * summary.addDropped(900);
 * assert.match(droppedWarning(summary.toJSON(5), 500, use), /--concurrency 5 is too low.*needs about 50 in flight/);
 * assert.match(droppedWarning(summary.toJSON(50), 500, use), /slots were free \(5 of 50 in flight/);
 * const busy = { cores: 0.97, usable: 1 };
 * assert.match(droppedWarning(summary.toJSON(5), 500, use, busy), /the client was busy \(its CPU at 97% of 1 core\)/);
 * ```
 */
export function droppedWarning(
  json: SummaryJson,
  rate: number,
  use: SlotUse,
  load?: ClientLoad,
): string {
  if (!json.dropped) return "";
  const scheduled = json.count + json.dropped;
  const head = `warning: the target rate of ${rate}/s was not met: ${json.dropped} of the ` +
    `${scheduled} requests scheduled before the end were never sent (dropped)`;
  const concurrency = json.concurrency;
  const inFlight = use.inFlight();
  const meanMs = use.meanMs;
  if (load !== undefined && load.cores >= load.usable * 0.9) {
    const cores = `${load.usable} core${load.usable === 1 ? "" : "s"}`;
    return `${head}: the client was busy (its CPU at ${Math.round(load.cores * 100)}% of ` +
      `${cores}), so it could not send faster and more slots would only queue longer: try ` +
      "--workers, a lower rate, or more machines";
  }
  if (concurrency !== null && inFlight >= concurrency * 0.9) {
    return `${head}: --concurrency ${concurrency} is too low: its slots were full; at a mean ` +
      `of ${Number(meanMs.toPrecision(3))} ms a request (ok or failed), ${rate}/s needs about ` +
      `${Math.ceil(rate * meanMs / 1000)} in flight`;
  }
  const of = concurrency === null ? "" : ` of ${concurrency}`;
  return `${head}: slots were free (${Number(inFlight.toPrecision(2))}${of} in flight on ` +
    "average), so the client could not send that fast (a busy CPU): try --workers, a lower " +
    "rate, or more machines";
}
