/**
 * The HTML report of a run: one self-contained file (inline SVG, CSS and a
 * small script, nothing loaded from elsewhere) that shows the run over time
 * (requests started and finished per second, in flight, latency percentiles,
 * outcomes stacked), the latency histogram, the busiest hosts and the summary.
 * Its size depends on the number of time buckets, never on the requests.
 *
 * This is the package's `./report` entry point, so it also exports what the
 * report is made from: a {@linkcode Timeline} of the records, and the
 * thresholds checked against the summary.
 *
 * @example The report of a library run
 * ```ts
 * import { parseThreshold, checkThresholds, renderHtmlReport, Timeline } from "./html.ts";
 * import { runRequests } from "../runner/run.ts";
 * import { Summary } from "./summary.ts";
 * import assert from "node:assert/strict";
 *
 * await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
 *   return new Response("ok");
 * });
 * const url = `http://127.0.0.1:${server.addr.port}/`;
 * const summary = new Summary();
 * const timeline = new Timeline();
 * for await (const record of runRequests(Array(20).fill(url), { concurrency: 5 })) {
 *   summary.add(record);
 *   timeline.add(record);
 * }
 * const json = summary.toJSON(5);
 * const thresholds = checkThresholds([parseThreshold("errors>0")], summary, json);
 * assert.equal(thresholds[0]?.crossed, false);
 * const html = renderHtmlReport({ title: "20 requests", summary: { ...json, thresholds }, timeline: timeline.toJSON() });
 * assert.match(html, /20 requests/);
 * ```
 *
 * @module
 */

import { barChart, escapeHtml, type Series, timeChart } from "./_svg_chart.ts";
import type { LatencyJson, SummaryJson } from "./summary.ts";
import type { ThresholdResult } from "./thresholds.ts";
import { ratePerSecond, type TimelineJson } from "./timeline.ts";

export type { HostJson, LatencyJson, SummaryJson } from "./summary_types.ts";
export {
  checkThresholds,
  type Measured,
  parseThreshold,
  type Threshold,
  type ThresholdResult,
} from "./thresholds.ts";
export { Summary } from "./summary.ts";
export { Timeline, type TimelineJson, type TimelineOptions } from "./timeline.ts";
export type { RequestRecord } from "../runner/types.ts";
export { ERROR_KINDS, type ErrorKind } from "../runner/errors.ts";

/** What the report shows. */
export interface HtmlReportData {
  /** The page's title, such as the command that made the run. */
  title: string;
  /** The summary, with the thresholds' results when there were any. */
  summary: SummaryJson & { thresholds?: ThresholdResult[] };
  /** The run over time. */
  timeline: TimelineJson;
  /** With `--rate`: the target rate per second, drawn against the achieved one. */
  rate?: number | undefined;
  /**
   * With `rate`: when the schedule ended (ms since the epoch, such as the
   * end of `--duration`); the target is drawn up to it. By default, to the
   * end of the run.
   */
  rateEndMs?: number | undefined;
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 4px}
.sub{color:#666;margin:0 0 8px}.kpis{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}
.kpi{border:1px solid #ddd;border-radius:6px;padding:6px 12px;min-width:110px}
.kpi b{display:block;font-size:18px}.kpi span{color:#666;font-size:12px}
.bad{color:#b00020}.good{color:#1b7f3b}
svg{display:block;max-width:100%;height:auto;font-size:11px}
svg text{fill:#444}svg text.y,svg text.end{text-anchor:end}svg text.x{text-anchor:middle}
svg .grid{stroke:#eee}svg .axis,svg .tick{stroke:#888}svg text.unit{font-weight:600}
table{border-collapse:collapse;margin:6px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}
td:first-child,th:first-child{text-align:left}th{background:#f6f6f6}
#tip{position:fixed;pointer-events:none;background:#fff;border:1px solid #999;padding:4px 8px;
border-radius:4px;font-size:12px;display:none;white-space:pre}
`;

/** Runs in the page: a tooltip with the values of the second under the pointer. */
const SCRIPT = `"use strict";
addEventListener("error", (event) => {
  document.documentElement.dataset.error = String(event.message);
});
(() => {
  const data = JSON.parse(document.getElementById("timeline").textContent);
  const tip = document.getElementById("tip");
  const fields = ["started", "finished", "inFlight", "p50", "p90", "p99", "late", "dropped"];
  for (const svg of document.querySelectorAll("svg.chart")) {
    svg.addEventListener("mousemove", (event) => {
      const box = svg.getBoundingClientRect();
      const scale = box.width / svg.viewBox.baseVal.width;
      const left = Number(svg.dataset.left) * scale;
      const plot = Number(svg.dataset.plot) * scale;
      const i = Math.floor(((event.clientX - box.left - left) / plot) * Number(svg.dataset.n));
      if (i < 0 || i >= data.started.length) { tip.style.display = "none"; return; }
      const from = (i * data.bucketMs) / 1000;
      const lines = [from + " s to " + (from + data.bucketMs / 1000) + " s"];
      for (const field of fields) lines.push(field + ": " + data[field][i]);
      for (const [key, values] of Object.entries(data.outcomes)) {
        if (values[i] > 0) lines.push(key + ": " + values[i]);
      }
      tip.textContent = lines.join("\\n");
      tip.style.left = event.clientX + 14 + "px";
      tip.style.top = event.clientY + 14 + "px";
      tip.style.display = "block";
    });
    svg.addEventListener("mouseleave", () => { tip.style.display = "none"; });
  }
  document.documentElement.dataset.ready = "1";
})();
`;

/** Colours of outcomes: statuses by class, error kinds in their own hues. */
function outcomeColor(key: string, i: number): string {
  const status = Number(key);
  if (status >= 200 && status < 300) return ["#2e9e4f", "#69c47f", "#1d6b35"][i % 3]!;
  if (status >= 300 && status < 400) return "#3b7dd8";
  if (status >= 400 && status < 500) return ["#f0a030", "#d8822a", "#f5c26b"][i % 3]!;
  if (status >= 500) return ["#d64545", "#a32626", "#ee8080"][i % 3]!;
  return ["#7b4fc9", "#555", "#c04fb0", "#2aa3a3", "#8a6d3b", "#999"][i % 6]!;
}

function table(headers: string[], rows: (string | number)[][]): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((row) =>
    `<tr>${row.map((cell) => `<td>${escapeHtml(String(cell))}</td>`).join("")}</tr>`
  ).join("");
  return `<table><tr>${head}</tr>${body}</table>`;
}

function kpi(label: string, value: string, tone = ""): string {
  return `<div class="kpi"><b class="${tone}">${escapeHtml(value)}</b><span>${
    escapeHtml(label)
  }</span></div>`;
}

/**
 * Renders the HTML report.
 *
 * @param data The summary and the timeline.
 * @returns The whole HTML document.
 *
 * @example
 * ```ts
 * import { renderHtmlReport } from "./html.ts";
 * import { Summary } from "./summary.ts";
 * import { Timeline } from "./timeline.ts";
 * import assert from "node:assert/strict";
 *
 * const summary = new Summary();
 * const timeline = new Timeline();
 * const record = { index: 0, url: "http://a/", status: 200, start: 0, ms: 12, bytes: 5, attempts: 1 };
 * summary.add(record);
 * timeline.add(record);
 * const html = renderHtmlReport({ title: "a run", summary: summary.toJSON(), timeline: timeline.toJSON() });
 * assert.match(html, /^<!doctype html>/);
 * assert.doesNotMatch(html, /<script src|<link |@import|url\(/);
 * ```
 */
export function renderHtmlReport(data: HtmlReportData): string {
  const { summary, timeline } = data;
  const step = timeline.bucketMs / 1000;
  const perSecond = (values: number[]) => ratePerSecond(timeline, values);
  const startMs = timeline.startMs;
  const latency = summary.latencyMs;
  const rate = summary.serviceLatencyMs !== undefined;
  const ms = (value: number | undefined) =>
    value === undefined ? "none" : `${Number(value.toPrecision(3))} ms`;
  const errorRate = summary.count === 0 ? 0 : (summary.failed / summary.count) * 100;
  const of = rate ? "of ok, from due" : "of ok";
  let html = `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(data.title)}</title><style>${STYLE}</style></head><body>`;
  html += `<h1>${escapeHtml(data.title)}</h1><p class="sub">${summary.count} requests from ${
    new Date(timeline.firstMs).toISOString()
  } over ${summary.seconds.toFixed(2)} s; each chart point covers ${step} s.${
    rate
      ? " With a rate, latency is timed from each request's due time; the service time, from" +
        " the send, is beside it."
      : ""
  }</p>`;
  html += `<div class="kpis">${kpi("requests", String(summary.count))}${
    kpi("ok", String(summary.ok), "good")
  }${
    kpi(`failed (${errorRate.toFixed(2)}%)`, String(summary.failed), summary.failed ? "bad" : "")
  }${
    rate || summary.dropped !== 0
      ? kpi(
        "dropped (never sent)",
        String(summary.dropped ?? "unknown"),
        summary.dropped ? "bad" : "",
      )
      : ""
  }${kpi("requests/s", String(summary.requestsPerSecond))}${kpi(`p50 ${of}`, ms(latency?.p50))}${
    kpi(`p95 ${of}`, ms(latency?.p95))
  }${kpi(`p99 ${of}`, ms(latency?.p99))}${kpi(`max ${of}`, ms(latency?.max))}${
    rate ? kpi("service p99", ms(summary.serviceLatencyMs?.p99)) : ""
  }</div>`;
  if (summary.thresholds?.length) {
    html += `<h2>Thresholds</h2>` + table(
      ["threshold", "measured", "verdict"],
      summary.thresholds.map((t) => [
        t.threshold,
        t.value ?? "no data",
        t.crossed ? "crossed" : "passed",
      ]),
    );
  }
  const series = (name: string, color: string, values: (number | null)[]): Series => ({
    name,
    color,
    values,
  });
  html +=
    `<h2>Requests per second${
      data.rate === undefined
        ? ""
        : ": the target, achieved (started), late, and dropped by the second they were due"
    }</h2>` + timeChart({
      unit: "requests/s",
      stepSeconds: step,
      startMs,
      series: [
        ...(data.rate === undefined ? [] : [series(
          "target",
          "#999",
          timeline.started.map((_, i) =>
            startMs + i * timeline.bucketMs < (data.rateEndMs ?? Infinity) ? data.rate! : null
          ),
        )]),
        series(
          data.rate === undefined ? "started" : "achieved (started)",
          "#3b7dd8",
          perSecond(timeline.started),
        ),
        series("finished", "#2e9e4f", perSecond(timeline.finished)),
        ...(rate
          ? [
            series("late", "#d64545", perSecond(timeline.late)),
            series("dropped", "#222", perSecond(timeline.dropped)),
          ]
          : []),
      ],
    });
  html += `<h2>Requests in flight</h2>` + timeChart({
    unit: "in flight",
    stepSeconds: step,
    startMs,
    series: [series("mean in flight", "#7b4fc9", timeline.inFlight)],
  });
  html +=
    `<h2>Latency of ok requests${
      rate ? ", from their due time," : ""
    } by the second they started</h2>` + timeChart({
      unit: "ms",
      stepSeconds: step,
      startMs,
      series: [
        series("p50", "#2e9e4f", timeline.p50),
        series("p90", "#f0a030", timeline.p90),
        series("p99", "#d64545", timeline.p99),
      ],
    });
  html += `<h2>Outcomes per second: HTTP status, or the error when no response came</h2>` +
    timeChart({
      unit: "requests/s",
      stepSeconds: step,
      startMs,
      kind: "stacked",
      series: Object.entries(timeline.outcomes).map(([key, values], i) =>
        series(key, outcomeColor(key, i), perSecond(values))
      ),
    });
  html += `<h2>Body bytes received per second</h2>` + timeChart({
    unit: "bytes/s",
    stepSeconds: step,
    startMs,
    series: [series("bytes/s", "#2aa3a3", perSecond(timeline.bytes))],
  });
  html += histogramSection(
    `Latency histogram of the ok requests${rate ? ", from their due time" : ""}`,
    latency,
  );
  if (latency) {
    // The tail, which a histogram's few slow requests barely show.
    const spectrum = [
      ["p50", latency.p50],
      ["p90", latency.p90],
      ["p95", latency.p95],
      ["p99", latency.p99],
      ["p99.9", latency["p99.9"]],
      ["p99.99", latency["p99.99"]],
      ["max", latency.max],
    ] as const;
    html += `<h2>Latency percentiles${rate ? ", from the due time" : ""}: the tail</h2>` +
      barChart(
        spectrum.map(([name, value]) => `${name}: ${ms(value)}`),
        spectrum.map(([, value]) => value),
        "ms",
        "#d64545",
      );
  }
  if (rate) {
    html += histogramSection(
      "Service time histogram of the ok requests, from the send",
      summary.serviceLatencyMs ?? null,
    );
  }
  html += `<h2>Hosts</h2>` + table(
    ["host", "requests", "ok", "failed", "bytes", `p99 ${of} (ms)`],
    summary.hosts.map((h) => [h.host, h.requests, h.ok, h.failed, h.bytes, h.p99Ms]),
  );
  html += `<h2>Summary</h2>` + table(["", "value"], summaryRows(summary));
  const details = Object.entries(summary.errorDetails).flatMap(([kind, rows]) =>
    rows.map((row) => [kind, row.detail, row.count])
  );
  if (details.length > 0) {
    html += `<h2>Most common failures</h2>` + table(["error", "detail", "requests"], details);
  }
  const embedded = JSON.stringify(timeline).replace(/</g, "\\u003c");
  html += `<div id="tip"></div><script type="application/json" id="timeline">${embedded}</script>` +
    `<script>${SCRIPT}</script></body></html>\n`;
  return html;
}

function histogramSection(title: string, latency: LatencyJson | null): string {
  if (latency === null) return `<h2>${title}</h2><p>No request succeeded.</p>`;
  const { boundsMs, counts } = latency.histogram;
  return `<h2>${title}</h2>` + barChart(
    counts.map((_, i) => `${boundsMs[i]}-${boundsMs[i + 1]} ms`),
    counts,
    "requests",
    "#3b7dd8",
  );
}

function latencyRows(label: string, latency: LatencyJson | null): (string | number)[][] {
  if (latency === null) return [[label, "none succeeded"]];
  const l = latency;
  return [
    [label, `min ${l.min}, mean ${l.mean}, max ${l.max}`],
    [
      "percentiles (ms)",
      `p50 ${l.p50}, p90 ${l.p90}, p95 ${l.p95}, p99 ${l.p99}, p99.9 ${l["p99.9"]}, ` +
      `p99.99 ${l["p99.99"]}`,
    ],
  ];
}

function summaryRows(summary: SummaryJson): (string | number)[][] {
  const counts = (entries: Record<string, number>) =>
    Object.entries(entries).map(([k, v]) => `${k}: ${v}`).join(", ") || "none";
  const rate = summary.serviceLatencyMs !== undefined;
  const rows: (string | number)[][] = [
    ["requests", `${summary.count} (${summary.ok} ok, ${summary.failed} failed)`],
    ["dropped (scheduled, never sent)", summary.dropped ?? "unknown (from records)"],
    ["time", `${summary.seconds} s`],
    ["throughput", `${summary.requestsPerSecond} requests/s`],
    ["concurrency", summary.concurrency ?? "unknown"],
    ["protocol", summary.protocol ?? "unknown"],
    ["received", `${summary.bytes} bytes`],
    ...latencyRows(rate ? "latency of ok from due (ms)" : "latency of ok (ms)", summary.latencyMs),
    ...(rate ? latencyRows("service time of ok (ms)", summary.serviceLatencyMs ?? null) : []),
    ["status", counts(summary.status)],
    ["errors", counts(summary.errors)],
    ["retried", summary.retried],
  ];
  if (summary.late !== undefined) rows.push(["late (rate)", summary.late]);
  return rows;
}
