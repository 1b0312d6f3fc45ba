import assert from "node:assert/strict";
import { Histogram } from "../histogram.ts";
import { formatSummary, Summary } from "../summary.ts";
import type { RequestRecord } from "../runner.ts";

function record(fields: Partial<RequestRecord>): RequestRecord {
  return {
    index: 0,
    url: "http://a/",
    status: 200,
    start: 0,
    ms: 1,
    bytes: 1,
    attempts: 1,
    ...fields,
  };
}

Deno.test("Histogram percentiles stay within 0.4% of the exact values", () => {
  const histogram = new Histogram();
  const values: number[] = [];
  let seed = 7;
  for (let i = 0; i < 20_000; i++) {
    seed = (seed * 48271) % 2147483647;
    const ms = (seed / 2147483647) ** 3 * 5000;
    values.push(ms);
    histogram.record(ms);
  }
  values.sort((a, b) => a - b);
  for (const p of [50, 90, 99, 99.9]) {
    const exact = values[Math.ceil((p / 100) * values.length) - 1]!;
    const error = Math.abs(histogram.percentile(p) - exact) / exact;
    assert.ok(error < 0.004, `p${p}: ${histogram.percentile(p)} vs ${exact}`);
  }
  assert.equal(histogram.max, values.at(-1));
});

Deno.test("Histogram is exact below 256 µs and empty reads as 0", () => {
  const histogram = new Histogram();
  assert.equal(histogram.percentile(50), 0);
  histogram.record(0.1);
  histogram.record(0.2);
  assert.equal(histogram.percentile(50), 0.1);
  assert.equal(histogram.percentile(100), 0.2);
});

Deno.test("Histogram merge() adds counts and keeps the larger max", () => {
  const a = new Histogram();
  const b = new Histogram();
  for (let ms = 1; ms <= 50; ms++) a.record(ms);
  for (let ms = 51; ms <= 100; ms++) b.record(ms);
  a.merge(b);
  assert.equal(a.count, 100);
  assert.equal(a.max, 100);
  assert.ok(Math.abs(a.percentile(50) - 50) < 0.25);
});

Deno.test("Summary counts statuses and errors and spans first start to last end", () => {
  const summary = new Summary();
  summary.add(record({ start: 1000, ms: 500 }));
  summary.add(record({ start: 1200, ms: 1800, status: 503, error: "http_status", attempts: 3 }));
  summary.add(record({ start: 1100, ms: 10, status: 0, error: "timeout" }));
  const json = summary.toJSON(8);
  assert.deepEqual(
    { ...json, latencyMs: undefined },
    {
      count: 3,
      ok: 1,
      failed: 2,
      seconds: 2,
      requestsPerSecond: 2,
      concurrency: 8,
      latencyMs: undefined,
      status: { "0": 1, "200": 1, "503": 1 },
      errors: { http_status: 1, timeout: 1 },
      retried: 1,
    },
  );
  assert.equal(json.latencyMs.max, 1800);
});

Deno.test("formatSummary() shows counts, rate, limit, percentiles, statuses and errors", () => {
  const summary = new Summary();
  summary.add(record({ ms: 20 }));
  summary.add(record({ status: 0, error: "refused" }));
  const text = formatSummary(summary.toJSON(100));
  for (const expected of ["2 (1 ok, 1 failed)", "concurrency 100", "p99", "200: 1", "refused: 1"]) {
    assert.ok(text.includes(expected), `${expected} in\n${text}`);
  }
});

Deno.test("Histogram keeps its precision for durations of hours", () => {
  const histogram = new Histogram();
  const hours = [1, 2, 5, 40].map((h) => h * 3_600_000);
  for (const ms of hours) histogram.record(ms);
  for (const [i, p] of [25, 50, 75, 100].entries()) {
    const error = Math.abs(histogram.percentile(p) - hours[i]!) / hours[i]!;
    assert.ok(error < 0.004, `p${p}: ${histogram.percentile(p)} vs ${hours[i]}`);
  }
});
