/**
 * Pass/fail thresholds on a run's summary, for CI: `p99>500ms`, `p99.9>2s`,
 * `errors>1%`, `rps<1000`. Each states when the run fails.
 *
 * The grammar: `METRIC OP VALUE`, spaces allowed, where
 * - `METRIC` is a latency of the successful requests: `min`, `mean`, `max`,
 *   or a percentile `p50`, `p90`, `p99`, `p99.9`, `p99.99` (any `pN` from 0
 *   to 100), with `VALUE` in `ms` or `s` (`500ms`, `2s`, `0.5s`);
 * - or `errors` (failed requests) with `VALUE` a count (`errors>0`) or a
 *   percentage of the requests (`errors>1%`);
 * - or `rps` (requests per second), `count`, `ok` or `failed`, with a plain number;
 * - `OP` is one of `>`, `>=`, `<`, `<=`.
 *
 * @module
 */

import type { SummaryJson } from "./summary.ts";

/** A parsed threshold: the run fails when `metric op limit` holds. */
export interface Threshold {
  /** The expression as written, without spaces. */
  text: string;
  /** What it measures, in the unit of `limit`. */
  measure: (summary: SummaryJson) => number;
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
  /** The value measured, in the threshold's unit. */
  value: number;
  /** Whether the run failed it. */
  crossed: boolean;
}

const PATTERN = /^([a-z]+|p\d+(?:\.\d+)?)(>=|<=|>|<)(\d+(?:\.\d+)?|\.\d+)(ms|s|%)?$/;

const PLAIN: Record<string, (summary: SummaryJson) => number> = {
  rps: (summary) => summary.requestsPerSecond,
  count: (summary) => summary.count,
  ok: (summary) => summary.ok,
  failed: (summary) => summary.failed,
};

const LATENCY: Record<string, keyof SummaryJson["latencyMs"]> = {
  min: "min",
  mean: "mean",
  max: "max",
};

/**
 * Parses one threshold expression.
 *
 * @param expression Such as `p99>500ms`, `errors>1%` or `rps<1000`.
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
 * const [p99, errors] = checkThresholds([parseThreshold("p99 > 0.5s"), parseThreshold("errors>1%")], summary.toJSON());
 * assert.deepEqual(p99, { threshold: "p99>0.5s", value: 800, crossed: true });
 * assert.equal(errors?.crossed, false);
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
  const [, metric, op, number, unit = ""] = match as unknown as [
    string,
    string,
    Threshold["op"],
    string,
    string | undefined,
  ];
  const value = Number(number);
  const percentile = /^p(\d+(?:\.\d+)?)$/.exec(metric);
  if (percentile || metric in LATENCY) {
    if (unit !== "ms" && unit !== "s") {
      throw fail(`a latency needs a unit, ms or s: ${metric}${op}${number}ms`);
    }
    const p = percentile ? Number(percentile[1]) : NaN;
    if (percentile && p > 100) throw fail("a percentile is at most p100");
    const key = LATENCY[metric];
    const measure = key
      ? (summary: SummaryJson) => summary.latencyMs[key] as number
      : percentileOf(p);
    if (!measure) {
      throw fail("the summary has p50, p90, p99, p99.9 and p99.99 (and p0, p100: min, max)");
    }
    return {
      text,
      op,
      limit: unit === "s" ? value * 1000 : value,
      unit: "ms",
      measure,
    };
  }
  if (metric === "errors") {
    if (unit === "%") {
      return {
        text,
        op,
        limit: value,
        unit: "%",
        measure: (summary) => summary.count === 0 ? 0 : (summary.failed / summary.count) * 100,
      };
    }
    if (unit !== "") {
      throw fail("errors take a count or a percentage, such as errors>10 or errors>1%");
    }
    return { text, op, limit: value, unit: "", measure: (summary) => summary.failed };
  }
  const measure = PLAIN[metric];
  if (!measure) {
    throw fail(
      `'${metric}' is not a metric: use min, mean, max, p50..p99.99, errors, rps, count, ok or failed`,
    );
  }
  if (unit !== "") throw fail(`${metric} takes a plain number, without '${unit}'`);
  return { text, op, limit: value, unit: "", measure };
}

/** The latency at percentile `p`, when the summary has it. */
function percentileOf(p: number): ((summary: SummaryJson) => number) | undefined {
  const key = `p${p}` as keyof SummaryJson["latencyMs"];
  const known = ["p50", "p90", "p99", "p99.9", "p99.99"];
  if (known.includes(key)) return (summary) => summary.latencyMs[key] as number;
  if (p === 0) return (summary) => summary.latencyMs.min;
  if (p === 100) return (summary) => summary.latencyMs.max;
  return undefined;
}

/**
 * Checks thresholds against a summary.
 *
 * @param thresholds The parsed thresholds.
 * @param summary The run's summary.
 * @returns One result per threshold, in order.
 */
export function checkThresholds(
  thresholds: readonly Threshold[],
  summary: SummaryJson,
): ThresholdResult[] {
  return thresholds.map((threshold) => {
    const value = Math.round(threshold.measure(summary) * 1000) / 1000;
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
 * The text lines for threshold results, one per threshold, crossed ones first.
 *
 * @param results The results of {@linkcode checkThresholds}.
 * @param thresholds The thresholds, for their units.
 * @returns The lines, each ending with a newline.
 */
export function formatThresholds(
  results: readonly ThresholdResult[],
  thresholds: readonly Threshold[],
): string {
  return results.map((result, i) => {
    const unit = thresholds[i]!.unit;
    const measured = `${result.value}${unit === "ms" ? " ms" : unit}`;
    const verdict = result.crossed ? "CROSSED" : "held";
    return `${"threshold".padEnd(12)}${verdict} ${result.threshold} (measured ${measured})\n`;
  }).join("");
}
