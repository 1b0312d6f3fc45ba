/**
 * The statistics of a run, in constant memory: counts by status and by error
 * kind, a latency histogram, and the span of time the requests covered. The
 * same summary comes from a live run or from NDJSON records read back.
 *
 * @module
 */

import { Histogram } from "./histogram.ts";
import type { RequestRecord } from "./runner.ts";

/** The summary of a run, as `--json` prints it. */
export interface SummaryJson {
  /** Requests finished. */
  count: number;
  /** 2xx responses whose body was read whole. */
  ok: number;
  /** Everything else. */
  failed: number;
  /** From the first request's start to the last one's end. */
  seconds: number;
  /** `count / seconds`. */
  requestsPerSecond: number;
  /** The concurrency limit actually used, when known. */
  concurrency: number | null;
  /** Latency percentiles in milliseconds. */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Counts by HTTP status; `0` counts requests that got no response. */
  status: Record<string, number>;
  /** Counts by {@linkcode ErrorKind}. */
  errors: Record<string, number>;
  /** Requests that needed more than one attempt. */
  retried: number;
}

/**
 * Accumulates {@linkcode RequestRecord}s into a summary.
 *
 * @example
 * ```ts
 * import { Summary } from "./summary.ts";
 * import assert from "node:assert/strict";
 *
 * const summary = new Summary();
 * summary.add({ index: 0, url: "http://a/", status: 200, start: 0, ms: 100, bytes: 5, attempts: 1 });
 * summary.add({ index: 1, url: "http://a/", status: 0, start: 50, ms: 150, bytes: 0, attempts: 1, error: "timeout" });
 * const json = summary.toJSON(2);
 * assert.equal(json.failed, 1);
 * assert.equal(json.seconds, 0.2);
 * assert.deepEqual(json.errors, { timeout: 1 });
 * ```
 */
export class Summary {
  #latency = new Histogram();
  #status = new Map<number, number>();
  #errors = new Map<string, number>();
  #ok = 0;
  #retried = 0;
  #firstStart = Infinity;
  #lastEnd = -Infinity;

  /** Requests added so far. */
  get count(): number {
    return this.#latency.count;
  }

  /** Successful requests added so far. */
  get ok(): number {
    return this.#ok;
  }

  /** Failed requests added so far. */
  get failed(): number {
    return this.count - this.#ok;
  }

  /**
   * Counts one finished request.
   *
   * @param record The request's record.
   */
  add(record: RequestRecord): void {
    this.#latency.record(record.ms);
    this.#status.set(record.status, (this.#status.get(record.status) ?? 0) + 1);
    if (record.error === undefined) this.#ok++;
    else this.#errors.set(record.error, (this.#errors.get(record.error) ?? 0) + 1);
    if (record.attempts > 1) this.#retried++;
    if (record.start < this.#firstStart) this.#firstStart = record.start;
    const end = record.start + record.ms;
    if (end > this.#lastEnd) this.#lastEnd = end;
  }

  /**
   * The summary as plain data.
   *
   * @param concurrency The concurrency limit used, when known.
   * @returns The {@linkcode SummaryJson}.
   */
  toJSON(concurrency: number | null = null): SummaryJson {
    const seconds = this.count === 0 ? 0 : (this.#lastEnd - this.#firstStart) / 1000;
    const round = (ms: number) => Math.round(ms * 1000) / 1000;
    return {
      count: this.count,
      ok: this.#ok,
      failed: this.failed,
      seconds: round(seconds),
      requestsPerSecond: seconds > 0 ? Math.round(this.count / seconds) : 0,
      concurrency,
      latencyMs: {
        p50: round(this.#latency.percentile(50)),
        p90: round(this.#latency.percentile(90)),
        p99: round(this.#latency.percentile(99)),
        max: round(this.#latency.max),
      },
      status: Object.fromEntries([...this.#status].sort(([a], [b]) => a - b)),
      errors: Object.fromEntries([...this.#errors].sort(([a], [b]) => a < b ? -1 : 1)),
      retried: this.#retried,
    };
  }
}

/**
 * Renders a summary as a few aligned lines of text.
 *
 * @param summary The summary.
 * @returns The text, ending with a newline.
 *
 * @example
 * ```ts
 * import { formatSummary, Summary } from "./summary.ts";
 * import assert from "node:assert/strict";
 *
 * const summary = new Summary();
 * summary.add({ index: 0, url: "http://a/", status: 200, start: 0, ms: 12, bytes: 5, attempts: 1 });
 * assert.match(formatSummary(summary.toJSON(10)), /requests +1 \(1 ok, 0 failed\)/);
 * ```
 */
export function formatSummary(summary: SummaryJson): string {
  const { latencyMs } = summary;
  const counts = (entries: Record<string, number>) =>
    Object.entries(entries).map(([key, count]) => `${key}: ${count}`).join(", ") || "none";
  const rows = [
    ["requests", `${summary.count} (${summary.ok} ok, ${summary.failed} failed)`],
    ["time", `${summary.seconds.toFixed(2)} s`],
    ["throughput", `${summary.requestsPerSecond} requests/s`],
    ["concurrency", summary.concurrency === null ? "unknown" : `${summary.concurrency}`],
    [
      "latency",
      `p50 ${latencyMs.p50.toFixed(1)} ms, p90 ${latencyMs.p90.toFixed(1)} ms, ` +
      `p99 ${latencyMs.p99.toFixed(1)} ms, max ${latencyMs.max.toFixed(1)} ms`,
    ],
    ["status", counts(summary.status)],
    ["errors", counts(summary.errors)],
    ["retried", `${summary.retried}`],
  ];
  return rows.map(([label, value]) => `${label!.padEnd(12)}${value}\n`).join("");
}
