/**
 * Soak measurements shared by the bench and the soak test: a process's RSS and
 * open descriptors read from /proc, and whether they grew after warm-up.
 *
 * @module
 */

/** The share of the samples that is warm-up, dropped before comparing. */
export const WARM_UP = 0.3;

/** One reading of a process's /proc entries. */
export interface ProcessSample {
  /** Milliseconds since the command was spawned. */
  ms: number;
  /** Resident set size (VmRSS), in kilobytes. */
  rssKb: number;
  /** Open file descriptors (entries of /proc/PID/fd). */
  fds: number;
}

/**
 * Reads a live process's RSS and open descriptors from /proc.
 *
 * @param pid The process.
 * @returns The RSS in kilobytes and the count of open descriptors, or `undefined` when the
 * process is gone, is a zombie, or /proc cannot be read.
 */
export function readProcess(pid: number): Omit<ProcessSample, "ms"> | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(status); // a zombie has none
    if (rss === null) return undefined;
    let fds = 0;
    for (const _ of Deno.readDirSync(`/proc/${pid}/fd`)) fds++;
    return { rssKb: Number(rss[1]), fds };
  } catch {
    return undefined;
  }
}

/** The peaks of the middle and last thirds of some samples, after the warm-up is dropped. */
export interface Growth {
  middle: number;
  last: number;
}

/**
 * Drops the warm-up, then takes the peak of each half of the rest.
 *
 * @param values The samples, in time order.
 * @returns The two peaks, or `undefined` with fewer than 6 samples after the warm-up.
 *
 * @example
 * ```ts
 * import { growthAfterWarmUp } from "./soak.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(growthAfterWarmUp([9, 9, 9, 1, 2, 3, 4, 5, 6, 7]), { middle: 3, last: 7 });
 * ```
 */
export function growthAfterWarmUp(values: number[]): Growth | undefined {
  const from = Math.floor(values.length * WARM_UP);
  if (values.length - from < 6) return undefined;
  const split = from + Math.floor((values.length - from) / 2);
  return { middle: Math.max(...values.slice(from, split)), last: Math.max(...values.slice(split)) };
}
