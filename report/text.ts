/**
 * The text summary of a run: aligned lines within 80 columns, the latency
 * histogram drawn as bars, the most common failure details, the busiest hosts.
 *
 * @module
 */

import type { HostJson, LatencyJson, SummaryJson } from "./summary.ts";

/** The width of the text summary and its histogram. */
const COLUMNS = 80;

/**
 * Renders a summary as aligned lines of text within 80 columns, with the
 * latency histogram drawn as bars.
 *
 * @param summary The summary.
 * @returns The text, ending with a newline.
 *
 * @example
 * ```ts
 * import { Summary } from "./summary.ts";
 * import { formatSummary } from "./text.ts";
 * import assert from "node:assert/strict";
 *
 * const summary = new Summary();
 * summary.add({ index: 0, url: "http://a/", status: 200, start: 0, ms: 12, bytes: 5, attempts: 1 });
 * assert.match(formatSummary(summary.toJSON(10)), /requests +1 \(1 ok, 0 failed\)/);
 * ```
 */
export function formatSummary(summary: SummaryJson): string {
  const counts = (entries: Record<string, number>) =>
    Object.entries(entries).map(([key, count]) => `${key}: ${count}`).join(", ") || "none";
  const rate = summary.serviceLatencyMs !== undefined;
  const rows = [
    ["requests", `${summary.count} (${summary.ok} ok, ${summary.failed} failed)`],
    ...(rate || summary.dropped !== 0 ? [["dropped", droppedText(summary.dropped)]] : []),
    ["time", `${summary.seconds.toFixed(2)} s`],
    ["throughput", `${summary.requestsPerSecond} requests/s`],
    ["concurrency", summary.concurrency === null ? "unknown" : `${summary.concurrency}`],
    ...(summary.protocol === undefined ? [] : [["protocol", summary.protocol]]),
    ["received", formatBytes(summary.bytes)],
    ...latencyRows(
      "latency",
      rate ? `from the due time, of the ${summary.ok} ok` : `of the ${summary.ok} ok`,
      summary.latencyMs,
    ),
    ...(rate ? latencyRows("service", "from the send", summary.serviceLatencyMs ?? null) : []),
    ...(summary.late === undefined ? [] : [[
      "late",
      `${summary.late} (started over 2 ms after due: no free slot, or a busy client)`,
    ]]),
    ["status", counts(summary.status)],
    ["errors", counts(summary.errors)],
    ["retried", `${summary.retried} (${summary.attempts} attempts sent in all)`],
  ];
  let text = rows.map(([label, value]) => `${label!.padEnd(12)}${value}\n`).join("");
  text += formatDetails(summary.errorDetails);
  if (summary.latencyMs) {
    text += formatHistogram(
      summary.latencyMs.histogram,
      rate ? "latency histogram of the ok requests, from their due time (ms):" : undefined,
    );
  }
  if (summary.hosts.length > 1) text += formatHosts(summary.hosts);
  return text;
}

function droppedText(dropped: number | null): string {
  if (dropped === null) {
    return "unknown: the records hold the requests sent, not those the schedule called for";
  }
  return dropped === 0 ? "0" : `${dropped} (scheduled before the end of the run, never sent)`;
}

/** Three lines of a latency: min, mean and max, then the percentiles. */
function latencyRows(label: string, what: string, latency: LatencyJson | null): string[][] {
  if (latency === null) return [[label, `${what}: none succeeded`]];
  const ms = (value: number) => `${formatMs(value)} ms`;
  return [
    [label, `${what}: min ${ms(latency.min)}, mean ${ms(latency.mean)}, max ${ms(latency.max)}`],
    [
      "",
      `p50 ${ms(latency.p50)}, p90 ${ms(latency.p90)}, p95 ${ms(latency.p95)}, p99 ${
        ms(latency.p99)
      }`,
    ],
    ["", `p99.9 ${ms(latency["p99.9"])}, p99.99 ${ms(latency["p99.99"])}`],
  ];
}

/** Milliseconds to the unit from 100, to the tenth from 1, else to the hundredth. */
function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(1) : ms.toFixed(2);
}

/** Bytes in B, KB, MB or GB (powers of 1000). */
function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]} (${bytes} bytes)`;
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 3)}...`;
}

function formatDetails(details: SummaryJson["errorDetails"]): string {
  let text = "";
  for (const [kind, rows] of Object.entries(details)) {
    text += `${kind}:\n`;
    for (const { detail, count } of rows) {
      const number = String(count).padStart(10);
      text += `${number}  ${clip(detail, COLUMNS - 12)}\n`;
    }
  }
  return text;
}

function formatHistogram(
  { boundsMs, counts }: LatencyJson["histogram"],
  title = "latency histogram of the ok requests (ms):",
): string {
  if (counts.length === 0) return "";
  const labels = counts.map((_, i) => `${boundsMs[i]} - ${boundsMs[i + 1]}`);
  const labelWidth = Math.max(...labels.map((label) => label.length));
  const countWidth = Math.max(...counts.map((count) => String(count).length));
  const barWidth = COLUMNS - labelWidth - countWidth - 6;
  const most = Math.max(...counts);
  let text = `${title}\n`;
  for (const [i, count] of counts.entries()) {
    const bar = "#".repeat(Math.round((count / most) * barWidth)) ||
      (count > 0 ? ".." : "");
    text += `  ${labels[i]!.padStart(labelWidth)} ${String(count).padStart(countWidth)} |${bar}\n`;
  }
  return text;
}

function formatHosts(hosts: HostJson[]): string {
  const hostWidth = Math.min(32, Math.max(4, ...hosts.map((row) => row.host.length)));
  let text = `${"host".padEnd(hostWidth)}  ${"requests".padStart(9)} ${"ok".padStart(9)} ${
    "failed".padStart(9)
  } ${"p99 ms".padStart(9)}\n`;
  for (const row of hosts) {
    text += `${clip(row.host, hostWidth).padEnd(hostWidth)}  ${String(row.requests).padStart(9)} ${
      String(row.ok).padStart(9)
    } ${String(row.failed).padStart(9)} ${formatMs(row.p99Ms).padStart(9)}\n`;
  }
  return text;
}
