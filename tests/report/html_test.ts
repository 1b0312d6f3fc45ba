import assert from "node:assert/strict";
import { renderHtmlReport } from "../../report/html.ts";
import { Summary } from "../../report/summary.ts";
import { Timeline } from "../../report/timeline.ts";
import type { RequestRecord } from "../../runner/types.ts";

/** 3 s at 100/s from a wall-clock start, the second second held 500 ms behind its due time. */
function rateRun(): { summary: Summary; timeline: Timeline } {
  const summary = new Summary();
  const timeline = new Timeline();
  const t0 = Date.UTC(2026, 0, 2, 3, 4, 5, 250); // a quarter into its first second's bucket
  for (let i = 0; i < 300; i++) {
    const due = t0 + i * 10;
    const late = i >= 100 && i < 200;
    const record: RequestRecord = {
      index: i,
      url: "http://a/",
      status: 200,
      start: late ? due + 500 : due,
      due,
      ms: 5,
      bytes: 1000,
      attempts: 1,
      ...(late ? { late: true } : {}),
    };
    summary.add(record);
    timeline.add(record);
  }
  summary.addDropped(7);
  return { summary, timeline };
}

Deno.test("the HTML report of a rate run: target vs achieved, late and dropped per second, bytes/s, the tail, wall-clock time", () => {
  const { summary, timeline } = rateRun();
  const first = timeline.toJSON();
  // 30 requests due in the last second were never sent.
  const lastSecond = first.startMs + (first.started.length - 1) * 1000;
  for (let i = 0; i < 30; i++) timeline.addDropped(lastSecond + i * 10);
  const json = timeline.toJSON();
  assert.deepEqual(json.dropped, [...first.started.slice(1).map(() => 0), 30]);
  assert.equal(json.late.reduce((a, b) => a + b), 100);
  assert.equal(json.bytes.reduce((a, b) => a + b), 300_000);
  const html = renderHtmlReport({
    title: "rate run",
    summary: summary.toJSON(10),
    timeline: json,
    rate: 100,
  });
  for (
    const text of [
      "Requests per second: the target, achieved (started), late, and dropped by the second they were due",
      ">dropped</text>",
      ">target</text>",
      ">achieved (started)</text>",
      ">late</text>",
      "Latency of ok requests, from their due time,",
      "Body bytes received per second",
      ">bytes/s</text>",
      "Latency percentiles, from the due time: the tail",
      "p99.99: ",
      "dropped (never sent)",
      "Service time histogram",
      ">03:04:05</text>",
      "time (UTC)",
    ]
  ) assert.ok(html.includes(text), text);
  assert.ok(html.includes("300 requests from 2026-01-02T03:04:05.250Z"), "the first start");
  // The headline tile is from the due time: the held requests waited about 500 ms.
  assert.match(html, /<b class="">5\d\d ms<\/b><span>p99 of ok, from due<\/span>/);
  assert.doesNotMatch(html, /seconds since the first request/);
});

Deno.test("the HTML report without a rate draws no target and no late line", () => {
  const summary = new Summary();
  const timeline = new Timeline();
  for (let i = 0; i < 50; i++) {
    const record = {
      index: i,
      url: "http://a/",
      status: 200,
      start: i * 20,
      ms: 3,
      bytes: 1,
      attempts: 1,
    };
    summary.add(record);
    timeline.add(record);
  }
  const html = renderHtmlReport({
    title: "closed",
    summary: summary.toJSON(5),
    timeline: timeline.toJSON(),
  });
  assert.ok(!html.includes(">target</text>") && !html.includes(">late</text>"));
  assert.ok(html.includes("<span>p99 of ok</span>"));
  assert.ok(!html.includes("dropped (never sent)</span>"));
});
