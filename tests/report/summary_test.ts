import assert from "node:assert/strict";
import { Histogram } from "../../report/histogram.ts";
import { Summary } from "../../report/summary.ts";
import type { RequestRecord } from "../../runner/types.ts";
import { formatSummary } from "../../report/text.ts";

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
      dropped: 0,
      seconds: 2,
      requestsPerSecond: 2,
      concurrency: 8,
      latencyMs: undefined,
      status: { "0": 1, "200": 1, "503": 1 },
      errors: { http_status: 1, timeout: 1 },
      retried: 1,
      attempts: 5,
      bytes: 3,
      errorDetails: {},
      hosts: [{ host: "a", requests: 3, ok: 1, failed: 2, bytes: 3, p99Ms: 500 }],
    },
  );
  // Latency is of the successful requests only.
  assert.equal(json.latencyMs!.max, 500);
  assert.equal(json.latencyMs!.min, 500);
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

Deno.test("Summary keeps failures apart: latency and its histogram are of successes only", () => {
  const summary = new Summary();
  for (let i = 0; i < 1000; i++) summary.add(record({ index: i, ms: 100 + (i % 50) }));
  for (let i = 0; i < 500; i++) {
    summary.add(
      record({ status: 0, ms: 0.2, error: "too_many_open_files", detail: "os error 24" }),
    );
  }
  const { latencyMs, ok, failed, errorDetails } = summary.toJSON();
  assert.equal(ok, 1000);
  assert.equal(failed, 500);
  assert.equal(latencyMs!.min, 100);
  assert.ok(latencyMs!.p50 >= 100, `p50 ${latencyMs!.p50} is not pulled down by failures`);
  assert.equal(latencyMs!.histogram.counts.reduce((a, b) => a + b, 0), 1000);
  assert.equal(latencyMs!.histogram.boundsMs.length, latencyMs!.histogram.counts.length + 1);
  assert.ok(latencyMs!.histogram.boundsMs[0]! <= latencyMs!.min);
  assert.ok(latencyMs!.histogram.boundsMs.at(-1)! > latencyMs!.max);
  assert.deepEqual(errorDetails, { too_many_open_files: [{ detail: "os error 24", count: 500 }] });
});

Deno.test("Summary tables stay bounded: 10,000 hosts and 1,000 details", () => {
  const summary = new Summary();
  let total = 0;
  for (let i = 0; i < 30_000; i++) {
    // Every third request goes to one busy host; the rest spread over 10,000 hosts.
    const host = i % 3 === 0 ? "busy.example:8080" : `h${i % 10_000}.example`;
    const failed = i % 10 === 0;
    summary.add(record({
      url: `http://user@${host}/path?q=${i}`,
      bytes: 2,
      ...(failed ? { status: 0, error: "refused" as const, detail: `port ${i % 1000}` } : {}),
    }));
    total++;
  }
  const json = summary.toJSON();
  assert.ok(json.hosts.length <= 11, `${json.hosts.length} host rows`);
  assert.deepEqual(json.hosts[0]!.host, "busy.example:8080");
  assert.equal(json.hosts[0]!.requests, 10_000);
  assert.equal(json.hosts.at(-1)!.host, "other");
  const sum = (key: "requests" | "ok" | "failed" | "bytes") =>
    json.hosts.reduce((a, row) => a + row[key], 0);
  assert.deepEqual([sum("requests"), sum("ok"), sum("failed"), sum("bytes")], [
    total,
    json.ok,
    json.failed,
    json.bytes,
  ]);
  const details = json.errorDetails.refused!;
  assert.ok(details.length <= 6);
  assert.equal(details.reduce((a, row) => a + row.count, 0), json.errors.refused);
  assert.ok(JSON.stringify(json).length < 10_000);
});

Deno.test("Summary merge() and toState() give the figures of one summary of everything", () => {
  const whole = new Summary();
  const parts = [new Summary(), new Summary(), new Summary()];
  for (let i = 0; i < 3000; i++) {
    const r = record({
      index: i,
      start: 1000 + i,
      ms: (i * 7919) % 1000,
      url: `http://h${i % 5}/`,
      bytes: i,
      ...(i % 7 === 0 ? { status: 503, error: "http_status" as const, detail: "503 busy" } : {}),
      attempts: 1 + (i % 2),
    });
    whole.add(r);
    parts[i % 3]!.add(r);
  }
  const merged = new Summary();
  for (const part of parts) merged.merge(Summary.fromState(structuredClone(part.toState())));
  assert.deepEqual(merged.toJSON(4), whole.toJSON(4));
});

Deno.test("formatSummary() draws the histogram and the hosts within 80 columns", () => {
  const summary = new Summary();
  for (let i = 0; i < 2000; i++) {
    summary.add(record({ url: `http://host-with-a-rather-long-name-${i % 30}.example/`, ms: i }));
  }
  summary.add(record({ status: 0, error: "connection", detail: "x".repeat(200) }));
  const text = formatSummary(summary.toJSON(10));
  const lines = text.trimEnd().split("\n");
  for (const line of lines) assert.ok(line.length <= 80, `${line.length} columns: ${line}`);
  assert.ok(lines.filter((line) => /\|#+$/.test(line)).length >= 5, text);
  assert.match(text, /^other +\d+/m);
  assert.match(text, /p99\.9 /);
});

Deno.test("Summary times latency from the due time when records are due, service time beside it", () => {
  const plain = new Summary();
  plain.add(record({ start: 1000, ms: 10 }));
  assert.equal(plain.toJSON().late, undefined);
  assert.equal(plain.toJSON().serviceLatencyMs, undefined);
  assert.doesNotMatch(formatSummary(plain.toJSON()), /^(late|service|dropped) /m);

  const summary = new Summary();
  // On time: due at its start, 10 ms of service.
  summary.add(record({ start: 1000, ms: 10, due: 1000 }));
  const other = new Summary();
  // Late: due 500 ms before it could start, 10 ms of service, 510 ms as a user saw it.
  other.add(record({ start: 2000, ms: 10, due: 1500, late: true }));
  summary.merge(Summary.fromState(other.toState()));
  const json = summary.toJSON(1);
  assert.equal(json.late, 1);
  assert.equal(summary.firstDue, 1000);
  // The headline is from the due time, with every figure; the service time has them too.
  const latency = json.latencyMs!;
  const service = json.serviceLatencyMs!;
  assert.ok(Math.abs(latency.max - 510) < 2, `${latency.max}`);
  assert.ok(Math.abs(latency.p50 - 10) < 0.1);
  assert.ok(Math.abs(latency.p95 - 510) < 3, `${latency.p95}`);
  assert.equal(latency.histogram.counts.reduce((a, b) => a + b), 2);
  assert.ok(Math.abs(service.max - 10) < 0.1);
  assert.ok(Math.abs(service.p99 - 10) < 0.1);
  assert.ok("p99.99" in service && "p95" in service && service.histogram.counts.length > 0);
  assert.ok(Math.abs(json.hosts[0]!.p99Ms - 510) < 5, `${json.hosts[0]!.p99Ms}`);
  assert.ok(Math.abs(summary.percentile(99)! - 510) < 3);
  assert.ok(Math.abs(summary.percentile(99, true)! - 10) < 0.1);
  const text = formatSummary(json);
  assert.match(text, /^late +1 /m);
  assert.match(text, /^latency +from the due time, of the 2 ok: min 10\.0 ms, .*max 51\d ms$/m);
  assert.match(text, /^service +from the send: min 10\.0 ms, mean 10\.0 ms, max 10\.0 ms$/m);
  assert.match(text, /^ +p50 10\.0 ms, p90 \d+(\.\d)? ms, p95 5\d\d ms, p99 5\d\d ms$/m);
  assert.match(text, /^dropped +0$/m);
  assert.match(text, /histogram of the ok requests, from their due time/);
  for (const line of text.split("\n")) assert.ok(line.length <= 80, line);
});

Deno.test("Summary gives no latency when no request succeeded, and counts dropped requests", () => {
  const summary = new Summary();
  summary.add(record({ status: 0, error: "refused", due: 1000 }));
  summary.addDropped(3);
  const json = summary.toJSON();
  assert.equal(json.latencyMs, null);
  assert.equal(json.serviceLatencyMs, null);
  assert.equal(json.dropped, 3);
  assert.equal(summary.percentile(99), null);
  assert.equal(Summary.fromState(summary.toState()).dropped, 3);
  const text = formatSummary(json);
  assert.match(text, /^latency +from the due time, of the 0 ok: none succeeded$/m);
  assert.match(text, /^dropped +3 \(scheduled before the end of the run, never sent\)$/m);
});

Deno.test("Summary counts the retried requests and the attempts sent, across merges and states", () => {
  const base = { url: "http://a/", status: 200, start: 0, ms: 1, bytes: 0 };
  const one = new Summary();
  one.add({ ...base, index: 0, attempts: 1 });
  one.add({ ...base, index: 1, attempts: 3 });
  const other = new Summary();
  other.add({ ...base, index: 2, attempts: 2 });
  one.merge(Summary.fromState(other.toState()));
  const json = one.toJSON();
  assert.deepEqual([json.count, json.retried, json.attempts], [3, 2, 6]);
  assert.match(formatSummary(json), /^retried +2 \(6 attempts sent in all\)$/m);
});
