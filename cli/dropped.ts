/**
 * The requests a rate's schedule called for and never sent, and the warning
 * that says the target rate was not met and why.
 *
 * @module
 */

import { RateSchedule } from "../pace/rate_schedule.ts";
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
 * schedule's tickets due before the end (the duration, or an earlier stop),
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
    stoppedAt === undefined ? Infinity : stoppedAt - start,
  );
  if (end === Infinity) return 0;
  const due = Math.min(cap, new RateSchedule(rate, { ramp }).dueBefore(end));
  return Math.max(0, due - sent);
}

/**
 * The warning for a run that dropped requests: the target rate was not met,
 * and whether the concurrency was too low for it (by Little's law, from the
 * mean service time) or the client could not keep up.
 *
 * @param json The run's summary.
 * @param rate The target rate, per second.
 * @returns One line, or "" when nothing was dropped.
 *
 * @example
 * ```ts
 * import { droppedWarning } from "./dropped.ts";
 * import { Summary } from "../report/summary.ts";
 * import assert from "node:assert/strict";
 *
 * const summary = new Summary();
 * summary.add({ index: 0, url: "http://a/", status: 200, start: 0, due: 0, ms: 100, bytes: 1, attempts: 1 });
 * summary.addDropped(10);
 * assert.match(droppedWarning(summary.toJSON(5), 500), /needs about 50 in flight/);
 * ```
 */
export function droppedWarning(json: SummaryJson, rate: number): string {
  if (json.dropped === 0) return "";
  const scheduled = json.count + json.dropped;
  const head = `warning: the target rate of ${rate}/s was not met: ${json.dropped} of the ` +
    `${scheduled} requests scheduled before the end were never sent (dropped)`;
  const service = json.serviceLatencyMs?.mean;
  const concurrency = json.concurrency;
  if (service !== undefined && concurrency !== null) {
    const needed = Math.ceil(rate * service / 1000);
    if (needed >= concurrency * 0.8) {
      return `${head}: --concurrency ${concurrency} is too low; at a mean service time of ` +
        `${Number(service.toPrecision(3))} ms, ${rate}/s needs about ${needed} in flight`;
    }
  }
  return `${head}: slots were free, so the client could not send that fast ` +
    "(a busy CPU): try --workers, a lower rate, or more machines";
}
