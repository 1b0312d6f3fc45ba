import assert from "node:assert/strict";
import { type RequestRecord, RetryableError, runRequests } from "../../mod.ts";
import { makeTestTls } from "../_tls.ts";

function serve(handler: Deno.ServeHandler) {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
}

async function runAll<T>(...args: Parameters<typeof runRequests<T>>): Promise<RequestRecord<T>[]> {
  const records = await Array.fromAsync(runRequests(...args));
  return records.sort((a, b) => a.index - b.index);
}

Deno.test("runRequests() delivers every read value, those retried after a 503 included", async () => {
  const seen = new Map<string, number>();
  await using server = serve((request) => {
    const id = new URL(request.url).pathname.slice(1);
    const times = (seen.get(id) ?? 0) + 1;
    seen.set(id, times);
    if (Number(id) % 7 === 0 && times === 1) {
      return new Response("busy", { status: 503, headers: { "retry-after": "0" } });
    }
    return Response.json({ id: Number(id), items: [1, 2, 3] });
  });
  const urls = Array.from({ length: 50 }, (_, i) => `http://127.0.0.1:${server.addr.port}/${i}`);
  let reads = 0;
  const records = await runAll(urls, {
    concurrency: 8,
    retries: 2,
    retryDelay: 1,
    read: async (response, request) => {
      reads++;
      const json = await response.json();
      assert.equal(request.url, urls[json.id]);
      return json.id as number;
    },
  });
  assert.deepEqual(records.map((record) => record.value), [...Array(50).keys()]);
  assert.ok(records.every((record) => record.error === undefined));
  assert.deepEqual(records.filter((r) => r.attempts === 2).map((r) => r.index), [
    0,
    7,
    14,
    21,
    28,
    35,
    42,
    49,
  ]);
  // read sees only final responses: the 503s that were retried were not read.
  assert.equal(reads, 50);
});

Deno.test("runRequests() sends each request's own method, headers and body, and retries only idempotent ones", async () => {
  const hits = new Map<string, number>();
  await using server = serve(async (request) => {
    const key = `${request.method} ${new URL(request.url).pathname}`;
    hits.set(key, (hits.get(key) ?? 0) + 1);
    if (new URL(request.url).pathname === "/busy") return new Response("", { status: 503 });
    return new Response(`${request.method} ${request.headers.get("x-id")} ${await request.text()}`);
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const records = await runAll([
    { index: 0, url: `${base}/a`, method: "POST", headers: { "x-id": "zero" }, body: "first" },
    { index: 1, url: `${base}/b`, method: "PUT", body: new TextEncoder().encode("second") },
    { index: 2, url: `${base}/c` },
    { index: 3, url: `${base}/busy`, method: "POST" },
    { index: 4, url: `${base}/busy`, method: "PUT" },
  ], {
    headers: { "x-id": "run" },
    retries: 2,
    retryDelay: 1,
    read: (response) => response.text(),
  });
  assert.deepEqual(records.map((r) => r.value), [
    "POST zero first",
    "PUT run second",
    "GET run ",
    "",
    "",
  ]);
  assert.deepEqual(records.map((r) => r.attempts), [1, 1, 1, 1, 3]);
  assert.equal(hits.get("POST /busy"), 1);
  assert.equal(hits.get("PUT /busy"), 3);
});

Deno.test("runRequests() counts big bodies, stops one past maxBytes as too_large", async () => {
  const size = 3 * 1024 * 1024 + 17;
  await using server = serve(() => new Response(new Uint8Array(size)));
  const url = `http://127.0.0.1:${server.addr.port}/`;
  const [whole] = await runAll([url]);
  assert.equal(whole!.bytes, size);
  assert.equal(whole!.error, undefined);
  const [cut] = await runAll([url], { maxBytes: 1024 * 1024, retries: 2 });
  assert.equal(cut!.error, "too_large");
  assert.equal(cut!.attempts, 1);
  assert.ok(cut!.bytes > 1024 * 1024 && cut!.bytes < size, `${cut!.bytes}`);
  assert.match(cut!.detail!, /larger than 1048576 bytes/);
});

Deno.test("runRequests() names a failing read, retries it only on a RetryableError, and times out a slow one", async () => {
  let calls = 0;
  await using server = serve(() => new Response(JSON.stringify({ n: ++calls })));
  const url = `http://127.0.0.1:${server.addr.port}/`;
  const [bad] = await runAll([url], {
    retries: 3,
    read: async (r) => JSON.parse((await r.text()) + "}"),
  });
  assert.equal(bad!.error, "read");
  assert.equal(bad!.attempts, 1);
  assert.match(bad!.detail!, /JSON/);
  const [again] = await runAll([url], {
    retries: 3,
    retryDelay: 1,
    read: async (r) => {
      const { n } = await r.json();
      if (n % 3 !== 0) throw new RetryableError(`not yet: ${n}`);
      return n;
    },
  });
  assert.equal(again!.error, undefined);
  assert.equal(again!.value! % 3, 0);
  assert.ok(again!.attempts >= 2);
  const [slow] = await runAll([url], {
    timeout: 200,
    read: () => new Promise(() => {}),
  });
  assert.equal(slow!.error, "timeout");
  assert.equal(slow!.status, 200);
});

Deno.test("runRequests() cancels what read leaves unread and keeps going", async () => {
  await using server = serve(() => new Response(new Uint8Array(1024 * 1024)));
  const url = `http://127.0.0.1:${server.addr.port}/`;
  const records = await runAll(Array(20).fill(url), {
    concurrency: 4,
    read: async (response) => {
      const reader = response.body!.getReader();
      return (await reader.read()).value!.byteLength;
    },
  });
  assert.equal(records.length, 20);
  assert.ok(records.every((r) => r.error === undefined && r.value! > 0));
  const ignored = await runAll(Array(20).fill(url), { concurrency: 4, read: () => "skipped" });
  assert.ok(ignored.every((r) => r.value === "skipped"));
});

Deno.test("runRequests() follows redirects by hand: counted, a loop named and not retried", async () => {
  let hits = 0;
  await using server = serve((request) => {
    hits++;
    const path = new URL(request.url).pathname;
    const hop = /^\/hop\/(\d+)$/.exec(path);
    if (hop) {
      const n = Number(hop[1]);
      return new Response(null, {
        status: 302,
        headers: { location: n > 1 ? `/hop/${n - 1}` : "/end" },
      });
    }
    if (path === "/loop") {
      return new Response(null, { status: 301, headers: { location: "/loop2" } });
    }
    if (path === "/loop2") {
      return new Response(null, { status: 301, headers: { location: "/loop" } });
    }
    if (path === "/see-other") {
      return new Response(null, { status: 303, headers: { location: "/end" } });
    }
    return new Response(`${request.method} end`);
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const read = (r: Response) => r.text();
  const [three] = await runAll([`${base}/hop/3`], { maxRedirects: 3, read });
  assert.equal(three!.value, "GET end");
  const [four] = await runAll([`${base}/hop/4`], { maxRedirects: 3, retries: 2 });
  assert.equal(four!.error, "redirects");
  assert.equal(four!.attempts, 1);
  assert.match(four!.detail!, /more than 3 redirects/);
  hits = 0;
  const loops = await runAll([`${base}/loop`, `${base}/loop`, `${base}/loop`], { retries: 2 });
  assert.ok(
    loops.every((r) => r.error === "redirects" && r.attempts === 1 && /loop/.test(r.detail!)),
  );
  assert.equal(hits, 6);
  const [answer] = await runAll([`${base}/hop/1`], { maxRedirects: 0 });
  assert.equal(answer!.status, 302);
  assert.equal(answer!.error, "http_status");
  const [posted] = await runAll(
    [{ index: 0, url: `${base}/see-other`, method: "POST", body: "x" }],
    { read },
  );
  assert.equal(posted!.value, "GET end");
});

Deno.test("runRequests() names a self-signed TLS server, does not retry it, and trusts it with its CA", async () => {
  await using tls = await makeTestTls();
  await using server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: tls.cert,
    key: tls.key,
    onListen() {},
  }, () => new Response("secure"));
  const url = `https://127.0.0.1:${server.addr.port}/`;
  const [untrusted] = await runAll([url], { retries: 3 });
  assert.equal(untrusted!.error, "tls");
  assert.equal(untrusted!.attempts, 1);
  assert.match(
    untrusted!.detail!,
    /^invalid peer certificate: UnknownIssuer; trust its CA with --ca-cert FILE$/,
  );
  const [trusted] = await runAll([url], {
    clientOptions: { caCerts: [tls.ca] },
    read: (r) => r.text(),
  });
  assert.equal(trusted!.value, "secure");
});

Deno.test("runRequests() names an invalid URL and gives every failure a one-line detail", async () => {
  await using server = serve(() => new Response("no", { status: 404, statusText: "Not Found" }));
  const records = await runAll([
    { index: 0, url: "http://exa mple/" },
    { index: 1, url: `http://127.0.0.1:${server.addr.port}/` },
  ], { retries: 2 });
  assert.equal(records[0]!.error, "invalid_url");
  assert.equal(records[0]!.attempts, 1);
  assert.equal(records[1]!.detail, "HTTP 404 Not Found");
  assert.ok(records.every((r) => !r.detail!.includes("\n")));
});

Deno.test("runRequests() names a non-2xx response whose read throws by its status", async () => {
  await using server = serve(() =>
    new Response("<html>busy</html>", { status: 503, statusText: "Service Unavailable" })
  );
  const url = `http://127.0.0.1:${server.addr.port}/`;
  const [record] = await runAll([url], { read: (response) => response.json() });
  assert.equal(record!.error, "http_status");
  assert.equal(record!.status, 503);
  assert.match(record!.detail!, /^HTTP 503 Service Unavailable; read: .*JSON/);
});
