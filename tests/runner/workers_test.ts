import { serveCounting } from "../_pace_server.ts";
import assert from "node:assert/strict";
import { serveDelay } from "../../server.ts";
import { runTemplateInWorkers } from "../../runner/workers.ts";
import { until } from "../_wait.ts";
import { RateSchedule } from "../../pace/rate_schedule.ts";

function sortedIndices(records: { index: number }[]): number[] {
  return records.map((record) => record.index).sort((a, b) => a - b);
}

// First, and with one worker: under `deno test` a worker's module is type-checked as it loads, once
// for each worker that starts before the first check is done.
Deno.test("runTemplateInWorkers() with one worker makes every request in it", async () => {
  await using server = serveDelay({ maxDelay: 0 });
  const records = await Array.fromAsync(
    runTemplateInWorkers(`${server.url}{}`, 20, { workers: 1, concurrency: 5 }),
  );
  assert.deepEqual(sortedIndices(records), [...Array(20).keys()]);
});

Deno.test("runTemplateInWorkers() makes every request once across the workers", async () => {
  await using server = serveDelay({ maxDelay: 0 });
  const records = await Array.fromAsync(
    runTemplateInWorkers(`${server.url}{}`, 300, { workers: 2, concurrency: 30 }),
  );
  assert.deepEqual(sortedIndices(records), [...Array(300).keys()]);
  assert.ok(
    records.every((record) => record.status === 200 && record.url.endsWith(`/${record.index}`)),
  );
});

Deno.test("runTemplateInWorkers() tells the requests in flight in all workers, and reads a schedule given", async () => {
  // 50 ms an answer at 2000/s: the 20 slots of the two workers stay full.
  await using server = serveCounting({ delayMs: 50 });
  const schedule = new RateSchedule(2000);
  const told: number[] = [];
  const records = await Array.fromAsync(
    runTemplateInWorkers(`${server.url}{}`, 200, {
      workers: 2,
      concurrency: 20,
      rate: schedule,
      onInFlight: (inFlight) => told.push(inFlight),
    }),
  );
  assert.equal(records.length, 200);
  assert.ok(Math.max(...told) === 20, `told ${told}`);
  assert.ok(told.every((inFlight) => inFlight >= 0 && inFlight <= 20), `told ${told}`);
  // The workers drew from the caller's schedule: its tickets were taken (one more per worker
  // at most, past the count).
  assert.ok(schedule.taken >= 200 && schedule.taken <= 202, `${schedule.taken} tickets`);
});

Deno.test("runTemplateInWorkers() keeps the concurrency limit global", async () => {
  let inFlight = 0;
  let highest = 0;
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    highest = Math.max(highest, ++inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    inFlight--;
    return new Response("ok");
  });
  const url = `http://127.0.0.1:${server.addr.port}/{}`;
  const records = await Array.fromAsync(
    runTemplateInWorkers(url, 300, { workers: 3, concurrency: 7 }),
  );
  assert.equal(records.length, 300);
  assert.equal(highest, 7);
});

Deno.test("runTemplateInWorkers() takes only its shard's indices", async () => {
  await using server = serveDelay({ maxDelay: 0 });
  const records = await Array.fromAsync(
    runTemplateInWorkers(`${server.url}{}`, 100, {
      workers: 2,
      concurrency: 8,
      shard: { index: 2, total: 3 },
    }),
  );
  assert.deepEqual(sortedIndices(records), [...Array(100).keys()].filter((i) => i % 3 === 2));
});

Deno.test("runTemplateInWorkers() stops dispatching on stop and records requests aborted on abort", async () => {
  let hits = 0;
  const answer = Promise.withResolvers<void>();
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    hits++;
    await answer.promise;
    return new Response("late");
  });
  try {
    const stop = new AbortController();
    const abort = new AbortController();
    const url = `http://127.0.0.1:${server.addr.port}/{}`;
    const records = Array.fromAsync(runTemplateInWorkers(url, 100_000, {
      workers: 2,
      concurrency: 6,
      stop: stop.signal,
      signal: abort.signal,
    }));
    await until(() => hits === 6, "both workers fill their slots");
    stop.abort();
    abort.abort();
    const finished = await records;
    // Every request hangs, so exactly the six that filled the slots were started.
    assert.equal(finished.length, 6);
    assert.equal(hits, 6);
    assert.ok(finished.every((record) => record.error === "aborted"));
  } finally {
    answer.resolve();
  }
});

Deno.test("runTemplateInWorkers() draws from one rate schedule and splits perHost exactly", async () => {
  // 5 ms an answer: 3 at a time make up to 600/s, well above the rate.
  await using server = serveCounting({ delayMs: 5 });
  const started = Date.now();
  const records = await Array.fromAsync(
    runTemplateInWorkers(`${server.url}{}`, 1_000_000, {
      workers: 2,
      concurrency: 50,
      rate: 200,
      duration: 600,
      perHost: 3,
    }),
  );
  // One schedule: 200/s for 0.6 s is 120 requests in all, not 120 per worker. A busy machine
  // starts some late and the duration ends them, so fewer is fine; more is not.
  assert.ok(records.length <= 121, `${records.length} requests: one schedule per worker?`);
  assert.ok(records.length >= 30, `${records.length} requests`);
  assert.ok(server.maxInFlight <= 3, `the host saw ${server.maxInFlight} at once`);
  assert.ok(Date.now() - started < 5000);
});
