import assert from "node:assert/strict";
import { runRequests } from "../../runner/run.ts";
import { requestsFromTemplate } from "../../sources/requests.ts";
import { Summary } from "../../report/summary.ts";
import { serveCounting } from "../_pace_server.ts";

Deno.test("runRequests() with a rate spreads arrivals at that rate and marks no request late", async () => {
  await using server = serveCounting();
  const started = Date.now();
  const records = await Array.fromAsync(
    runRequests(requestsFromTemplate(`${server.url}{}`, 200), { rate: 200, concurrency: 50 }),
  );
  const seconds = (Date.now() - started) / 1000;
  assert.equal(records.length, 200);
  assert.ok(records.every((record) => record.error === undefined && record.due !== undefined));
  // 200 at 200/s: the last is due at 0.995 s. A busy machine may add a little, never take any.
  assert.ok(seconds >= 0.95 && seconds < 2, `took ${seconds} s`);
  const span = server.arrivals.at(-1)! - server.arrivals[0]!;
  assert.ok(span >= 950 && span < 1500, `arrivals spanned ${span} ms`);
  // In any 100 ms, about 20 arrive: never a burst of the whole run.
  const first = server.arrivals[0]!;
  const perTenth = new Map<number, number>();
  for (const time of server.arrivals) {
    const tenth = Math.floor((time - first) / 100);
    perTenth.set(tenth, (perTenth.get(tenth) ?? 0) + 1);
  }
  assert.ok(Math.max(...perTenth.values()) <= 60, `bursts: ${[...perTenth.values()]}`);
  const late = records.filter((record) => record.late).length;
  // Slots are free all along; only a busy machine's event-loop stalls make a few late.
  assert.ok(late < 100, `${late} late`);
});

Deno.test("runRequests() counts late requests and times latency from the scheduled start", async () => {
  // One slot and 40 ms per answer: 25/s at most, against a rate of 100/s.
  await using server = serveCounting({ delayMs: 40 });
  const summary = new Summary();
  for await (
    const record of runRequests(requestsFromTemplate(`${server.url}{}`, 12), {
      rate: 100,
      concurrency: 1,
    })
  ) summary.add(record);
  const json = summary.toJSON(1);
  assert.equal(json.ok, 12);
  // Every request after the first found no free slot at its due time.
  assert.ok(json.late! >= 10, `${json.late} late`);
  // Service time stays about 40 ms; from the schedule the last waited ~11 * 30 ms more.
  assert.ok(json.latencyMs.max < 200, `service max ${json.latencyMs.max}`);
  assert.ok(
    json.scheduledLatencyMs!.max > json.latencyMs.max + 200,
    `scheduled max ${json.scheduledLatencyMs!.max}, service max ${json.latencyMs.max}`,
  );
});

Deno.test("runRequests() with a duration stops dispatching at the end of the schedule", async () => {
  await using server = serveCounting();
  const records = await Array.fromAsync(
    runRequests(requestsFromTemplate(`${server.url}{}`, 1_000_000), {
      rate: 200,
      ramp: 200,
      duration: 500,
    }),
  );
  // Due before 500 ms: 200 * 0.2 / 2 = 20 in the ramp, then 200 * 0.3 = 60.
  assert.equal(records.length, 80);
  assert.deepEqual(records.map((record) => record.index).sort((a, b) => a - b), [
    ...Array(80).keys(),
  ]);
  // The ramp: few arrivals in its first half.
  const first = server.arrivals[0]!;
  const early = server.arrivals.filter((time) => time - first < 100).length;
  assert.ok(early <= 10, `${early} in the first 100 ms`);
});

Deno.test("runRequests() with perHost keeps each host under its cap and the others busy", async () => {
  const servers = [0, 1, 2, 3].map(() => serveCounting({ delayMs: 30 }));
  try {
    // Sorted by host: every request to the first host comes before any to the second.
    const urls = servers.flatMap((server) =>
      Array.from({ length: 40 }, (_, i) => `${server.url}${i}`)
    );
    let inFlight = 0;
    let most = 0;
    const order = new Map<string, number[]>();
    const records = runRequests(urls, { perHost: 5, concurrency: 100 });
    const seen = setInterval(() => {
      inFlight = servers.reduce((sum, server) => sum + server.inFlight, 0);
      most = Math.max(most, inFlight);
    }, 5);
    try {
      for await (const record of records) {
        assert.equal(record.error, undefined);
        const host = new URL(record.url).host;
        order.set(host, [...order.get(host) ?? [], record.index]);
      }
    } finally {
      clearInterval(seen);
    }
    for (const server of servers) {
      assert.equal(server.arrivals.length, 40);
      assert.ok(server.maxInFlight <= 5, `a host saw ${server.maxInFlight} at once`);
    }
    assert.ok(most >= 15, `at most ${most} in flight together`);
  } finally {
    for (const server of servers) await server[Symbol.asyncDispose]();
  }
});

Deno.test("runRequests() pauses a host on 429 with Retry-After, retries included", async () => {
  await using server = serveCounting({
    delayMs: 5,
    pushBack: { nth: 10, status: 429, retryAfter: 0.4 },
  });
  const records = await Array.fromAsync(
    runRequests(requestsFromTemplate(`${server.url}{}`, 60), { concurrency: 4, retries: 2 }),
  );
  assert.equal(records.length, 60);
  assert.ok(records.every((record) => record.error === undefined));
  const answered = server.pushedBack[0]!;
  // Requests in flight when the 429 went out may still arrive; then nothing until it expires.
  const during = server.arrivals.filter((time) => time > answered + 50 && time < answered + 380);
  assert.deepEqual(during, [], "arrivals while the host was paused");
  assert.equal(server.arrivals.length, 61);
});

Deno.test("runRequests() with retries backs off a rate-limited host: few requests wasted", async () => {
  // 100 per 500 ms window (200/s); past that, 429 with Retry-After to the window's end.
  await using server = serveCounting({ limit: { requests: 100, windowMs: 500 } });
  const records = await Array.fromAsync(
    runRequests(requestsFromTemplate(`${server.url}{}`, 500), { retries: 10 }),
  );
  assert.equal(records.length, 500);
  assert.ok(records.every((record) => record.error === undefined));
  const sent = server.arrivals.length;
  assert.ok(sent <= 2.5 * 500, `sent ${sent} for 500`);
});

Deno.test("runRequests() at a rate under a host's limit sends hardly more than needed", async () => {
  await using server = serveCounting({ limit: { requests: 100, windowMs: 500 } });
  const records = await Array.fromAsync(
    runRequests(requestsFromTemplate(`${server.url}{}`, 180), { rate: 180, retries: 3 }),
  );
  assert.ok(records.every((record) => record.error === undefined));
  assert.ok(server.arrivals.length <= 184, `sent ${server.arrivals.length} for 180`);
});

Deno.test("runRequests() refuses pace options out of range", async () => {
  const cases = [{ rate: 0 }, { rate: -1 }, { rate: NaN }, { duration: 0 }, { perHost: 0 }, {
    duration: 100,
    ramp: 200,
  }];
  for (const options of cases) {
    await assert.rejects(
      Array.fromAsync(runRequests(["http://127.0.0.1:9/"], options)),
      RangeError,
      JSON.stringify(options),
    );
  }
});

Deno.test("runRequests() with a ramp and no rate raises the concurrency from 1", async () => {
  await using server = serveCounting({ delayMs: 20 });
  const records = await Array.fromAsync(
    runRequests(requestsFromTemplate(`${server.url}{}`, 150), { concurrency: 20, ramp: 400 }),
  );
  assert.equal(records.length, 150);
  // Early in the ramp few are in flight; by its end, all 20 slots are used.
  const first = server.arrivals[0]!;
  const early = server.arrivals.filter((time) => time - first < 60).length;
  assert.ok(early <= 15, `${early} arrived in the first 60 ms`);
  assert.ok(server.maxInFlight >= 15, `at most ${server.maxInFlight} in flight`);
});
