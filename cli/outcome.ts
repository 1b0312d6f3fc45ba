/**
 * The end of a run or a report: the summary printed (text or JSON), the
 * `--fail-if` thresholds checked, and the exit code they set.
 *
 * @module
 */

import type { SummaryJson } from "../summary.ts";
import { formatSummary } from "../summary_text.ts";
import {
  checkThresholds,
  formatThresholds,
  parseThreshold,
  type Threshold,
  type ThresholdResult,
} from "../thresholds.ts";
import { UsageError } from "./args.ts";

/** The exit code when a `--fail-if` threshold was crossed. */
export const THRESHOLD_CROSSED = 4;

/** The flags a run and a report share for their outcome. */
export const OUTCOME_OPTIONS = {
  "fail-if": { type: "string", multiple: true },
} as const;

/** What to do with the summary, checked before anything starts. */
export interface OutcomePlan {
  thresholds: Threshold[];
}

/** Checks the outcome flags; throws {@linkcode UsageError}. */
export function planOutcome(flags: { "fail-if"?: string[] | undefined }): OutcomePlan {
  const thresholds = (flags["fail-if"] ?? []).map((text) => {
    try {
      return parseThreshold(text);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  });
  return { thresholds };
}

/**
 * The summary's text (or JSON) with the thresholds' verdicts, and the exit code they set.
 *
 * @param json The summary.
 * @param plan The outcome plan.
 * @param options `json` for JSON; `extra` text lines for the text form.
 * @returns The text to print, without a final newline, and {@linkcode THRESHOLD_CROSSED}
 * when a threshold was crossed, else 0.
 */
export function conclude(
  json: SummaryJson,
  plan: OutcomePlan,
  options: { json?: boolean | undefined; extra?: string },
): { text: string; code: number } {
  const results = checkThresholds(plan.thresholds, json);
  const code = results.some((result) => result.crossed) ? THRESHOLD_CROSSED : 0;
  if (options.json) {
    const out: SummaryJson & { thresholds?: ThresholdResult[] } = json;
    if (results.length > 0) out.thresholds = results;
    return { text: JSON.stringify(out), code };
  }
  const text = formatSummary(json) + (options.extra ?? "") +
    formatThresholds(results, plan.thresholds);
  return { text: text.trimEnd(), code };
}
