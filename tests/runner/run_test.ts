import assert from "node:assert/strict";
import {
  type RequestRecord,
  requestsFromTemplate,
  runRequests,
  serveDelay,
  Summary,
} from "../../mod.ts";
import { classifyError, type ExchangePhase } from "../../runner/errors.ts";

/** Runs every request and returns the records sorted by index. */
async function runAll(
  ...args: Parameters<typeof runRequests>
): Promise<RequestRecord[]> {
  const records = await Array.fromAsync(runRequests(...args));
  return records.sort((a, b) => a.index - b.index);
}

function assertEachIndexOnce(records: RequestRecord[], count: number): void {
  assert.deepEqual(
    records.map((record) => record.index),
    Array.from({ length: count }, (_, i) => i),
  );
}

Deno.test("runRequests() accounts for every request exactly once against the delay server", async () => {
  await using server = serveDelay({ maxDelay: 0.02 });
  const records = await runAll(requestsFromTemplate(`${server.url}{}`, 300), { concurrency: 50 });
  assertEachIndexOnce(records, 300);
  for (const record of records) {
    assert.equal(record.status, 200);
    assert.equal(record.error, undefined);
    assert.equal(record.url, `${server.url}${record.index}`);
    assert.ok(record.bytes > 0);
    assert.ok(record.delay! >= 0 && record.delay! <= 0.02);
    assert.ok(record.ms >= record.delay! * 1000 - 1);
    assert.equal(record.attempts, 1);
  }
});

Deno.test("runRequests() keeps at most concurrency requests in flight", async () => {
  let inFlight = 0;
  let highest = 0;
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    inFlight++;
    highest = Math.max(highest, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    inFlight--;
    return new Response("ok");
  });
  const url = `http://127.0.0.1:${server.addr.port}/`;
  // onInFlight tells each start and end: 8 at most, and none at the end.
  const told: number[] = [];
  const onInFlight = (inFlight: number) => told.push(inFlight);
  const urls = Array.from({ length: 100 }, () => url);
  assert.equal((await runAll(urls, { concurrency: 8, onInFlight })).length, 100);
  assert.equal(highest, 8);
  assert.deepEqual([Math.max(...told), told.length, told.at(-1)], [8, 200, 0]);
});

Deno.test("runRequests() classifies each fault of the delay server", async () => {
  const cases = [
    { faults: { error: 1 }, kinds: ["http_status"], statuses: [500, 503] },
    // A head of more than 100 lines: h1 (the default) refuses it as `protocol` (fetch: `connection`).
    { faults: { drop: 1 }, kinds: ["protocol"], statuses: [0] },
    { faults: { truncate: 1 }, kinds: ["truncated"], statuses: [200] },
    { faults: { hang: 1 }, kinds: ["timeout"], statuses: [0] },
  ];
  for (const { faults, kinds, statuses } of cases) {
    await using server = serveDelay({ maxDelay: 0, faults });
    const records = await runAll(requestsFromTemplate(`${server.url}{}`, 20), {
      concurrency: 10,
      timeout: 300,
    });
    assertEachIndexOnce(records, 20);
    for (const record of records) {
      assert.ok(kinds.includes(record.error!), `${JSON.stringify(faults)}: ${record.error}`);
      assert.ok(statuses.includes(record.status), `${JSON.stringify(faults)}: ${record.status}`);
    }
  }
});

Deno.test("runRequests() times out a body that drips slower than the timeout", async () => {
  await using server = serveDelay({ maxDelay: 0, faults: { slow: 1 }, slowDuration: 2000 });
  const records = await runAll(requestsFromTemplate(`${server.url}{}`, 3), { timeout: 300 });
  assert.deepEqual(records.map((record) => [record.status, record.error]), [
    [200, "timeout"],
    [200, "timeout"],
    [200, "timeout"],
  ]);
  // The detail says which limit: not "Signal timed out."
  assert.equal(records[0]!.detail, "no answer within the 300 ms timeout");
});

Deno.test("runRequests() classifies a refused connection", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  const [record] = await runAll([`http://127.0.0.1:${port}/`]);
  assert.equal(record?.error, "refused");
  assert.equal(record?.status, 0);
});

Deno.test("runRequests() retries transient failures with backoff and keeps one record each", async () => {
  await using server = serveDelay({ maxDelay: 0, faults: { error: 0.5 }, retryAfter: 0 });
  const records = await runAll(requestsFromTemplate(`${server.url}{}`, 40), {
    concurrency: 10,
    retries: 6,
    retryDelay: 1,
  });
  assertEachIndexOnce(records, 40);
  assert.ok(records.some((record) => record.attempts > 1));
  // Every 500 is final (not transient); a 503 is retried after its Retry-After.
  for (const record of records) {
    if (record.error) assert.equal(record.status, 500);
    else assert.equal(record.status, 200);
  }
});

Deno.test("runRequests() does not retry a request that is not idempotent", async () => {
  let hits = 0;
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      hits++;
      await request.body?.cancel();
      return new Response("busy", { status: 503 });
    },
  );
  const url = `http://127.0.0.1:${server.addr.port}/`;
  const [record] = await runAll([url], { method: "POST", body: "x", retries: 3, retryDelay: 1 });
  assert.equal(record?.attempts, 1);
  assert.equal(hits, 1);
});

Deno.test("runRequests() sends the method, headers and body it is given", async () => {
  const seen: string[] = [];
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      seen.push(`${request.method} ${request.headers.get("x-test")} ${await request.text()}`);
      return new Response("ok");
    },
  );
  const url = `http://127.0.0.1:${server.addr.port}/`;
  await runAll([url, url], { method: "PUT", headers: { "x-test": "yes" }, body: "hello" });
  assert.deepEqual(seen, ["PUT yes hello", "PUT yes hello"]);
});

Deno.test("runRequests() stops on abort and records requests in flight as aborted", async () => {
  await using server = serveDelay({ maxDelay: 0, faults: { hang: 1 } });
  const records = await runAll(requestsFromTemplate(`${server.url}{}`, 1000), {
    concurrency: 5,
    signal: AbortSignal.timeout(100),
  });
  // The five requests that filled the pool hang until the abort; no sixth starts.
  assert.equal(records.length, 5);
  assert.ok(records.every((record) => record.error === "aborted" && record.status === 0));
});

Deno.test("runRequests() refuses options out of range", async () => {
  const cases = [{ concurrency: 0 }, { concurrency: 1.5 }, { timeout: 0 }, { retries: -1 }];
  for (const options of cases) {
    await assert.rejects(Array.fromAsync(runRequests([], options)), RangeError);
  }
});

Deno.test("classifyError() tells transport failures apart", () => {
  const cases: [unknown, ExchangePhase, string][] = [
    [new DOMException("late", "TimeoutError"), "head", "timeout"],
    [new DOMException("stop", "AbortError"), "head", "aborted"],
    [
      new TypeError("fetch failed", { cause: new Error("Connection refused (os error 111)") }),
      "head",
      "refused",
    ],
    [
      new TypeError("fetch failed", {
        cause: new Error("Connection reset by peer (os error 104)"),
      }),
      "head",
      "reset",
    ],
    [
      new TypeError("fetch failed", { cause: new Error("Too many open files (os error 24)") }),
      "head",
      "too_many_open_files",
    ],
    [
      new TypeError("fetch failed", {
        cause: new Error("connection closed before message completed"),
      }),
      "head",
      "connection",
    ],
    [new TypeError("error reading a body from connection"), "body", "truncated"],
  ];
  for (const [error, phase, kind] of cases) {
    assert.equal(classifyError(error, phase), kind);
  }
});

Deno.test("Summary matches the records it was given", async () => {
  await using server = serveDelay({ maxDelay: 0, faults: { error: 0.25 } });
  const summary = new Summary();
  let failed = 0;
  for await (const record of runRequests(requestsFromTemplate(`${server.url}{}`, 100))) {
    summary.add(record);
    if (record.error) failed++;
  }
  const json = summary.toJSON(1000);
  assert.equal(json.count, 100);
  assert.equal(json.failed, failed);
  assert.equal(json.ok + json.failed, 100);
  assert.equal(Object.values(json.status).reduce((a, b) => a + b, 0), 100);
  assert.deepEqual(json.errors, failed ? { http_status: failed } : {});
  assert.ok(
    json.latencyMs!.p50 <= json.latencyMs!.p90 && json.latencyMs!.p90 <= json.latencyMs!.max,
  );
});

Deno.test("break or throw out of the records cancels the requests in flight at once", async () => {
  const { promise: released, resolve: release } = Promise.withResolvers<void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/fast") return new Response("ok");
    if (path === "/hang") return released.then(() => new Response("late"));
    // An endless body.
    const chunk = new Uint8Array(16 * 1024);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(chunk);
      },
    });
    return new Response(body);
  });
  try {
    const base = `http://127.0.0.1:${server.addr.port}`;
    const urls = [
      `${base}/fast`,
      ...Array(3).fill(`${base}/hang`),
      ...Array(3).fill(`${base}/endless`),
    ];
    const options = { concurrency: 7, timeout: 20_000 };
    const began = performance.now();
    for await (const record of runRequests(urls, options)) {
      assert.equal(record.url, `${base}/fast`);
      break;
    }
    const leftAfter = performance.now() - began;
    const thrown = performance.now();
    await assert.rejects(async () => {
      for await (const _ of runRequests(urls, options)) throw new Error("enough");
    }, /enough/);
    const thrownAfter = performance.now() - thrown;
    assert.ok(leftAfter < 2000 && thrownAfter < 2000, `${leftAfter} ms, ${thrownAfter} ms`);
  } finally {
    release();
    await server.shutdown();
  }
});

Deno.test("a record's start is on the clock of its due time, to a fraction of a millisecond", async () => {
  await using server = serveDelay({ maxDelay: 0 });
  const records = await runAll(requestsFromTemplate(`${server.url}{}`, 20), { rate: 400 });
  for (const record of records) {
    // The pace lets a request within 1 ms of its due time go at once: timers are not finer.
    assert.ok(record.start >= record.due! - 1, `start ${record.start}, due ${record.due}`);
    assert.ok(record.start - record.due! < 1000, `start ${record.start}, due ${record.due}`);
  }
  assert.ok(records.some((record) => !Number.isInteger(record.start)), "sub-ms starts");
  assert.ok(records.every((record) => Number.isInteger(Math.round(record.ms * 1000))));
});

Deno.test("runRequests() stops through the pool's signal, also while its source waits", async () => {
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    return new Response("ok");
  });
  const url = `http://127.0.0.1:${server.addr.port}/`;
  const { promise: never } = Promise.withResolvers<void>();
  async function* stalled() {
    yield url;
    yield url;
    await never; // like a pipe with nothing more yet
  }
  const stop = new AbortController();
  const records = [];
  for await (const record of runRequests(stalled(), { stop: stop.signal })) {
    records.push(record);
    if (records.length === 2) stop.abort();
  }
  const outcomes = records.map((record) => [record.index, record.error]).sort();
  assert.deepEqual(outcomes, [[0, undefined], [1, undefined]]);
});
