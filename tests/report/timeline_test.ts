import assert from "node:assert/strict";
import type { RequestRecord } from "../../runner/run.ts";
import { Timeline } from "../../report/timeline.ts";

function record(start: number, ms: number, fields: Partial<RequestRecord> = {}): RequestRecord {
  return { index: 0, url: "http://a/", status: 200, start, ms, bytes: 0, attempts: 1, ...fields };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

Deno.test("Timeline coarsens a long run to at most maxBuckets, counts intact", () => {
  const timeline = new Timeline();
  // Two hours, one request every 100 ms, each 250 ms long; out of order.
  const count = 72_000;
  for (let i = 0; i < count; i++) {
    const j = (i * 7919) % count;
    timeline.add(
      record(
        1_700_000_000_000 + j * 100,
        250,
        j % 10 === 0 ? { status: 503, error: "http_status" } : {},
      ),
    );
  }
  const json = timeline.toJSON();
  assert.ok(json.started.length <= 600, `${json.started.length} buckets`);
  assert.equal(json.bucketMs, 16_000);
  assert.equal(sum(json.started), count);
  assert.equal(sum(json.finished), count);
  assert.equal(sum(json.outcomes["503"]!), count / 10);
  // 10 requests a second, each 0.25 s in flight: 2.5 in flight on average.
  assert.ok(
    json.inFlight.slice(1, -1).every((value) => Math.abs(value - 2.5) < 0.01),
    `${json.inFlight.slice(0, 5)}`,
  );
  assert.ok(JSON.stringify(json).length < 60_000);
});

Deno.test("Timeline merge() and toState() equal one timeline of everything", () => {
  const whole = new Timeline({ maxBuckets: 50 });
  const a = new Timeline({ maxBuckets: 50 });
  const b = new Timeline({ maxBuckets: 50 });
  for (let i = 0; i < 2000; i++) {
    const r = record(
      i * 37,
      400 + (i % 9) * 100,
      i % 7 === 0 ? { status: 0, error: "timeout" } : {},
    );
    whole.add(r);
    (i < 1500 ? a : b).add(r);
  }
  for (const due of [5_000, 60_000, 90_000]) {
    whole.addDropped(due);
    (due < 60_000 ? a : b).addDropped(due);
  }
  assert.equal(whole.toJSON().dropped.reduce((sum, n) => sum + n), 3);
  const c = Timeline.fromState(structuredClone(b.toState()));
  b.merge(a);
  assert.deepEqual(b.toJSON(), whole.toJSON());
  // The same through the plain form a worker would post.
  c.merge(Timeline.fromState(structuredClone(a.toState())));
  assert.deepEqual(c.toJSON(), whole.toJSON());
});
