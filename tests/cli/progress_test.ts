import assert from "node:assert/strict";
import { Progress } from "../../cli/progress.ts";
import { RateSchedule } from "../../pace/rate_schedule.ts";
import type { RequestRecord } from "../../runner/types.ts";

function record(fields: Partial<RequestRecord>): RequestRecord {
  return {
    index: 0,
    url: "http://a/",
    status: 200,
    start: Date.now(),
    ms: 5,
    bytes: 1,
    attempts: 1,
    ...fields,
  };
}

Deno.test("Progress writes a plain line every interval off a terminal: done, in flight, failures, rate vs target, late, behind, recent latency", async () => {
  const lines: string[] = [];
  // A schedule of 100/s that started 1 s ago: about 100 are due, 50 taken, so 50 are behind.
  const schedule = new RateSchedule(100, {
    start: performance.timeOrigin + performance.now() - 1000,
  });
  for (let i = 0; i < 50; i++) schedule.next();
  const progress = new Progress({
    terminal: false,
    total: 1000,
    durationMs: 60_000,
    schedule,
    inFlight: () => 3,
    intervalMs: 40,
    write: (text) => lines.push(text),
  });
  try {
    const now = Date.now();
    // One held 1 s behind its due time: the latency shown is from the due time.
    progress.add(record({ start: now, due: now - 1000, ms: 5, late: true }));
    for (let i = 0; i < 3; i++) progress.add(record({ start: now, due: now, ms: 5 }));
    progress.add(record({ status: 0, error: "refused" }));
    while (lines.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    progress.close();
  }
  for (const line of lines) {
    assert.match(
      line,
      /^progress: 5\/1000 done, 3 in flight, 1 failed, \d+\/s now of 100\/s target, 1 late, \d+ behind, p50 5\.0\d? ms, p99 10\d\d ms \(last 5 s\), [\d.]+ s, (59|60) s left\n$/,
    );
    const behind = Number(/(\d+) behind/.exec(line)![1]);
    assert.ok(behind >= 50 && behind < 90, line);
  }
});

Deno.test("Progress redraws one line on a terminal, cut to its width, and clears it at the end", async () => {
  const writes: string[] = [];
  const progress = new Progress({
    terminal: true,
    intervalMs: 20,
    write: (text) => writes.push(text),
    columns: () => 30,
  });
  progress.add(record({}));
  while (writes.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
  progress.close();
  assert.equal(writes.at(-1), "\r\x1b[K");
  for (const text of writes.slice(0, -1)) {
    assert.ok(text.startsWith("\r\x1b[K1 done, 0 failed"), text);
    assert.ok(text.length <= "\r\x1b[K".length + 29, text);
    assert.ok(!text.includes("\n"));
  }
});

Deno.test("Progress shows the latency of the last seconds, not of the whole run", () => {
  let now = 0;
  const progress = new Progress({ terminal: false, write: () => {}, clock: () => now });
  try {
    assert.match(progress.line(), /no ok request/);
    progress.add(record({ ms: 1000 }));
    assert.match(progress.line(), /p50 1000 ms, p99 1000 ms \(last 5 s\)/);
    now = 6000;
    progress.add(record({ ms: 2 }));
    assert.match(progress.line(), /p50 2\.0 ms, p99 2\.0 ms \(last 5 s\), 6\.0 s$/);
  } finally {
    progress.close();
  }
});
