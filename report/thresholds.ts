/**
 * Pass/fail thresholds on a run's summary, for CI: `p99>500ms`, `p99.9>2s`,
 * `errors>1%`, `rps<1000`, `dropped>0`. Each states when the run fails.
 *
 * The grammar: `METRIC OP VALUE`, spaces allowed, where
 * - `METRIC` is a latency of the successful requests: `min`, `mean`, `max`,
 *   or any percentile `pNN` or `pNN.N` from p0 to p100 (`p95`, `p99.9`),
 *   with `VALUE` in `ms` or `s` (`500ms`, `2s`, `0.5s`). With a rate it is
 *   timed from each request's due time; `service.p99` (and `service.min`,
 *   and so on) is timed from the send. With no successful request, a latency
 *   has no data and its threshold is crossed;
 * - or `errors` (failed requests) with `VALUE` a count (`errors>0`) or a
 *   percentage of the requests (`errors>1%`);
 * - or `rps` (requests per second), `count`, `ok`, `failed`, `dropped`
 *   (scheduled, never sent) or `late`, with a plain number;
 * - `OP` is one of `>`, `>=`, `<`, `<=`.
 *
 * @module
 */

import type { Summary, SummaryJson } from "./summary.ts";

/** What a threshold measures: the summary's figures, and its latency histograms. */
export interface Measured {
  /** The summary's figures. */
  json: SummaryJson;
  /** The summary, for any percentile. */
  summary: Summary;
}

/** A parsed threshold: the run fails when `metric op limit` holds, or when it has no data. */
export interface Threshold {
  /** The expression as written, without spaces. */
  text: string;
  /** What it measures, in the unit of `limit`; `null` when there is no data (no success). */
  measure: (measured: Measured) => number | null;
  /** The comparison. */
  op: ">" | ">=" | "<" | "<=";
  /** The limit, in milliseconds for latencies, percent or a count for errors. */
  limit: number;
  /** The unit `measure` and `limit` are in, for messages: "ms", "%" or "". */
  unit: string;
}

/** The outcome of one threshold. */
export interface ThresholdResult {
  /** The expression. */
  threshold: string;
  /** The value measured, in the threshold's unit; `null` when there was no data. */
  value: number | null;
  /** Whether the run failed it (a threshold without data is crossed). */
  crossed: boolean;
}

const PATTERN =
  /^((?:service\.)?(?:[a-z]+|p\d+(?:\.\d+)?))(>=|<=|>|<)(\d+(?:\.\d+)?|\.\d+)(ms|s|%)?$/;

const PLAIN: Record<string, (summary: SummaryJson) => number | null> = {
  rps: (summary) => summary.requestsPerSecond,
  count: (summary) => summary.count,
  ok: (summary) => summary.ok,
  failed: (summary) => summary.failed,
  dropped: (summary) => summary.dropped,
  late: (summary) => summary.late ?? 0,
};

const LATENCY = ["min", "mean", "max"] as const;

/**
 * Parses one threshold expression.
 *
 * @param expression Such as `p99>500ms`, `service.p99.9>1s`, `errors>1%` or `dropped>0`.
 * @returns The threshold.
 * @throws {SyntaxError} When the expression does not follow the grammar, saying why.
 *
 * @example
 * ```ts
 * import { checkThresholds, parseThreshold } from "./thresholds.ts";
 * import { Summary } from "./summary.ts";
 * import assert from "node:assert/strict";
 *
 * const summary = new Summary();
 * summary.add({ index: 0, url: "http://a/", status: 200, start: 0, ms: 800, bytes: 1, attempts: 1 });
 * const thresholds = ["p99 > 0.5s", "errors>1%", "p97.5>1s"].map(parseThreshold);
 * const [p99, errors, p97] = checkThresholds(thresholds, summary);
 * assert.deepEqual(p99, { threshold: "p99>0.5s", value: 800, crossed: true });
 * assert.equal(errors?.crossed, false);
 * assert.equal(p97?.crossed, false);
 * assert.throws(() => parseThreshold("p99>500"), /unit/);
 * ```
 */
export function parseThreshold(expression: string): Threshold {
  const text = expression.replace(/\s+/g, "");
  const match = PATTERN.exec(text);
  const fail = (why: string) => new SyntaxError(`Cannot use threshold '${expression}' as ${why}`);
  if (!match) {
    throw fail(
      "it is not METRIC OP VALUE, such as p99>500ms, errors>1% or rps<1000 (OP is >, >=, < or <=)",
    );
  }
  const [, name, op, number, unit = ""] = match as unknown as [
    string,
    string,
    Threshold["op"],
    string,
    string | undefined,
  ];
  const value = Number(number);
  const service = name.startsWith("service.");
  const metric = service ? name.slice("service.".length) : name;
  const percentile = /^p(\d+(?:\.\d+)?)$/.exec(metric);
  const stat = LATENCY.find((key) => key === metric);
  if (percentile || stat) {
    if (unit !== "ms" && unit !== "s") {
      throw fail(`a latency needs a unit, ms or s: ${name}${op}${number}ms`);
    }
    const p = percentile ? Number(percentile[1]) : NaN;
    if (percentile && p > 100) throw fail("a percentile is at most p100");
    const measure = stat
      ? ({ json }: Measured) => {
        const latency = service ? json.serviceLatencyMs ?? json.latencyMs : json.latencyMs;
        return latency ? latency[stat] : null;
      }
      : ({ summary }: Measured) => summary.percentile(p, service);
    return { text, op, limit: unit === "s" ? value * 1000 : value, unit: "ms", measure };
  }
  if (service) {
    throw fail("service. goes with a latency: service.min, service.mean, service.max, service.pNN");
  }
  if (metric === "errors") {
    if (unit === "%") {
      return {
        text,
        op,
        limit: value,
        unit: "%",
        measure: ({ json }) => json.count === 0 ? 0 : (json.failed / json.count) * 100,
      };
    }
    if (unit !== "") {
      throw fail("errors take a count or a percentage, such as errors>10 or errors>1%");
    }
    return { text, op, limit: value, unit: "", measure: ({ json }) => json.failed };
  }
  const plain = PLAIN[metric];
  if (!plain) {
    throw fail(
      `'${metric}' is not a metric: use min, mean, max, pNN (p95, p99.9), service.pNN, errors, ` +
        "rps, count, ok, failed, dropped or late",
    );
  }
  if (unit !== "") throw fail(`${metric} takes a plain number, without '${unit}'`);
  return { text, op, limit: value, unit: "", measure: ({ json }) => plain(json) };
}

/**
 * Checks thresholds against a summary. A latency threshold with no data (no
 * successful request) is crossed: it is never compared against 0.
 *
 * @param thresholds The parsed thresholds.
 * @param summary The run's summary.
 * @param json Its figures, when they differ from `summary.toJSON()` (as `report` sets the time).
 * @returns One result per threshold, in order.
 *
 * @example A failure rate over 1% crosses its threshold
 * ```ts
 * import { checkThresholds, parseThreshold } from "./thresholds.ts";
 * import { Summary } from "./summary.ts";
 * import assert from "node:assert/strict";
 *
 * const summary = new Summary();
 * summary.add({ index: 0, url: "http://a/", status: 200, start: 0, ms: 80, bytes: 5, attempts: 1 });
 * summary.add({ index: 1, url: "http://a/", status: 503, start: 0, ms: 9, bytes: 4, attempts: 1, error: "http_status" });
 * const [errors, p99] = checkThresholds(
 *   [parseThreshold("errors>1%"), parseThreshold("p99>500ms")],
 *   summary,
 * );
 * assert.deepEqual(errors, { threshold: "errors>1%", value: 50, crossed: true });
 * assert.equal(p99?.crossed, false);
 * ```
 */
export function checkThresholds(
  thresholds: readonly Threshold[],
  summary: Summary,
  json: SummaryJson = summary.toJSON(),
): ThresholdResult[] {
  return thresholds.map((threshold) => {
    const measured = threshold.measure({ json, summary });
    if (measured === null) return { threshold: threshold.text, value: null, crossed: true };
    const value = Math.round(measured * 1000) / 1000;
    const { op, limit } = threshold;
    const crossed = op === ">"
      ? value > limit
      : op === ">="
      ? value >= limit
      : op === "<"
      ? value < limit
      : value <= limit;
    return { threshold: threshold.text, value, crossed };
  });
}

/**
 * The text lines for threshold results, one per threshold: "passed" or
 * "crossed", with what was measured.
 *
 * @param results The results of {@linkcode checkThresholds}.
 * @param thresholds The thresholds, for their units.
 * @returns The lines, each ending with a newline.
 *
 * @example
 * ```ts
 * import { checkThresholds, formatThresholds, parseThreshold } from "./thresholds.ts";
 * import { Summary } from "./summary.ts";
 * import assert from "node:assert/strict";
 *
 * const summary = new Summary();
 * summary.add({ index: 0, url: "http://a/", status: 200, start: 0, ms: 80, bytes: 5, attempts: 1 });
 * const thresholds = [parseThreshold("errors>0")];
 * const lines = formatThresholds(checkThresholds(thresholds, summary), thresholds);
 * assert.equal(lines, "threshold   passed errors>0 (measured 0)\n");
 * ```
 */
export function formatThresholds(
  results: readonly ThresholdResult[],
  thresholds: readonly Threshold[],
): string {
  return results.map((result, i) => {
    const unit = thresholds[i]!.unit;
    const measured = result.value === null
      ? "no data: no request succeeded"
      : `measured ${result.value}${unit === "ms" ? " ms" : unit}`;
    const verdict = result.crossed ? "crossed" : "passed";
    return `${"threshold".padEnd(12)}${verdict} ${result.threshold} (${measured})\n`;
  }).join("");
}
