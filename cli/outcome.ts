/**
 * The end of a run or a report: the summary printed (text or JSON), the
 * `--fail-if` thresholds checked and the exit code they set, and the
 * `--html` report written.
 *
 * @module
 */

import { renderHtmlReport } from "../report/html.ts";
import type { Summary, SummaryJson } from "../report/summary.ts";
import { formatSummary } from "../report/text.ts";
import {
  checkThresholds,
  formatThresholds,
  parseThreshold,
  type Threshold,
  type ThresholdResult,
} from "../report/thresholds.ts";
import { Timeline } from "../report/timeline.ts";
import { UsageError } from "./args.ts";
import { requirePermission } from "./files.ts";

/** The exit code when a `--fail-if` threshold was crossed. */
export const THRESHOLD_CROSSED = 4;

/** The flags a run and a report share for their outcome. */
export const OUTCOME_OPTIONS = {
  "fail-if": { type: "string", multiple: true },
  html: { type: "string" },
} as const;

/** What to do with the summary, checked before anything starts. */
export interface OutcomePlan {
  thresholds: Threshold[];
  /** Where to write the HTML report. */
  html: string | undefined;
  /** The run over time, kept only when an HTML report is asked for. */
  timeline: Timeline | undefined;
}

/** Checks the outcome flags; throws {@linkcode UsageError}. */
export function planOutcome(
  flags: { "fail-if"?: string[] | undefined; html?: string | undefined },
): OutcomePlan {
  const thresholds = (flags["fail-if"] ?? []).map((text) => {
    try {
      return parseThreshold(text);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  });
  const { html } = flags;
  if (html !== undefined) {
    if (html === "" || html === "-") throw new UsageError("Cannot use --html: name a file");
    requirePermission("write", html);
  }
  return { thresholds, html, timeline: html === undefined ? undefined : new Timeline() };
}

/**
 * The summary's text (or JSON) with the thresholds' verdicts, and the exit
 * code of the outcome: with thresholds, they decide it (0 when all passed,
 * even if some requests failed; {@linkcode THRESHOLD_CROSSED} when one was
 * crossed); without, 1 when a request failed or was dropped, else 0.
 *
 * @param summary The summary, for any percentile the thresholds ask for.
 * @param json Its figures as printed.
 * @param plan The outcome plan.
 * @param options `json` for JSON; `extra` text lines for the text form.
 * @returns The text to print, without a final newline, the exit code, and
 * the summary with the thresholds' results.
 */
export function conclude(
  summary: Summary,
  json: SummaryJson,
  plan: OutcomePlan,
  options: { json?: boolean | undefined; extra?: string },
): { text: string; code: number; summary: SummaryJson & { thresholds?: ThresholdResult[] } } {
  const results = checkThresholds(plan.thresholds, summary, json);
  const code = results.length > 0
    ? results.some((result) => result.crossed) ? THRESHOLD_CROSSED : 0
    : json.failed > 0 || (json.dropped ?? 0) > 0
    ? 1
    : 0;
  const judged: SummaryJson & { thresholds?: ThresholdResult[] } = { ...json };
  if (results.length > 0) judged.thresholds = results;
  if (options.json) return { text: JSON.stringify(judged), code, summary: judged };
  const text = formatSummary(json) + (options.extra ?? "") +
    formatThresholds(results, plan.thresholds);
  return { text: text.trimEnd(), code, summary: judged };
}

/**
 * Writes the HTML report, when one was asked for.
 *
 * @param plan The outcome plan, with its timeline.
 * @param title The report's title.
 * @param summary The summary with the thresholds' results.
 * @param schedule With `--rate`: the target rate, and when the schedule ended (ms since the epoch).
 * @returns An error message when the file could not be written.
 */
export async function writeHtml(
  plan: OutcomePlan,
  title: string,
  summary: SummaryJson,
  schedule?: { rate: number; endMs: number | undefined },
): Promise<string | undefined> {
  if (plan.html === undefined || plan.timeline === undefined) return undefined;
  const html = renderHtmlReport({
    title,
    summary,
    timeline: plan.timeline.toJSON(),
    rate: schedule?.rate,
    rateEndMs: schedule?.endMs,
  });
  try {
    await Deno.writeTextFile(plan.html, html);
  } catch (error) {
    return `Cannot write the HTML report '${plan.html}': ${(error as Error).message}`;
  }
  return undefined;
}
