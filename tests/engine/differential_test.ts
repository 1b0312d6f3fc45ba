import assert from "node:assert/strict";
import { bothEngines, outcome } from "./_outcome.ts";
import { CANNED, rawServer } from "./_canned.ts";
import { startTestNginx } from "./_nginx.ts";
import { makeTestTls } from "../_tls.ts";

const long = new Uint8Array(300_000).map((_, i) => 97 + (i % 26));
const text = "compress me ".repeat(2000);

async function compressed(format: string): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Response(text).body!.pipeThrough(
    new CompressionStream(format as CompressionFormat),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Deno.serve's shapes, by path. */
async function denoServeHandler(): Promise<(request: Request) => Promise<Response>> {
  const gzip = await compressed("gzip");
  const deflate = await compressed("deflate");
  const brotli = await compressed("brotli");
  return async (request) => {
    const path = new URL(request.url).pathname;
    switch (path) {
      case "/text":
        return new Response("hello", { headers: { "x-a": "1", "content-type": "text/plain" } });
      case "/empty":
        return new Response(null);
      case "/gone":
        return new Response("not here", { status: 404, statusText: "Not Found" });
      case "/no-content":
        return new Response(null, { status: 204 });
      case "/not-modified":
        return new Response(null, { status: 304 });
      case "/long":
        return new Response(long, { headers: { "content-type": "application/octet-stream" } });
      case "/stream":
        return new Response(
          ReadableStream.from(["one ", "two ", "three"]).pipeThrough(new TextEncoderStream()),
        );
      case "/gzip":
        return new Response(gzip, { headers: { "content-encoding": "gzip" } });
      case "/deflate":
        return new Response(deflate, { headers: { "content-encoding": "deflate" } });
      case "/br":
        return new Response(brotli, { headers: { "content-encoding": "br" } });
      case "/auto":
        return new Response(text, { headers: { "content-type": "text/plain" } });
      case "/redirect":
        return new Response(null, { status: 302, headers: { location: "/text" } });
      case "/cookies": {
        const headers = new Headers();
        headers.append("set-cookie", "a=1");
        headers.append("set-cookie", "b=2");
        return new Response("c", { headers });
      }
      case "/echo": {
        const body = await request.text();
        return Response.json({
          method: request.method,
          body,
          x: request.headers.get("x-repeat"),
          type: request.headers.get("content-type"),
        });
      }
      default:
        return new Response("?", { status: 400 });
    }
  };
}

const PATHS = [
  "/text",
  "/empty",
  "/gone",
  "/no-content",
  "/not-modified",
  "/long",
  "/stream",
  "/gzip",
  "/deflate",
  "/br",
  "/auto",
  "/redirect",
  "/cookies",
];

Deno.test("h1 and fetch give the same outcomes, bytes and content for Deno.serve's responses", async () => {
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    await denoServeHandler(),
  );
  using engines = bothEngines();
  const base = `http://127.0.0.1:${server.addr.port}`;
  for (const path of PATHS) {
    const ours = await outcome(engines.h1, base + path);
    assert.deepEqual(ours, await outcome(engines.fetch, base + path), path);
    assert.equal(ours.error, undefined, path);
  }
  assert.deepEqual(
    (await outcome(engines.h1, base + "/gzip")).bytes,
    text.length,
    "the decoded body is counted",
  );
  const head = { method: "HEAD" };
  assert.deepEqual(
    await outcome(engines.h1, base + "/long", head),
    await outcome(engines.fetch, base + "/long", head),
  );
});

Deno.test("h1 and fetch send the same method, body and repeated headers", async () => {
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    await denoServeHandler(),
  );
  using engines = bothEngines();
  const url = `http://127.0.0.1:${server.addr.port}/echo`;
  const inits = [
    { method: "POST", body: "form=1", headers: [["content-type", "text/plain"]] },
    { method: "put", body: new Uint8Array([104, 105]) },
    { method: "DELETE" },
    { method: "PATCH", body: "" },
    { headers: [["x-repeat", "a"], ["X-Repeat", "b"]] as [string, string][] },
  ];
  for (const init of inits) {
    const ours = await outcome(engines.h1, url, init as never);
    assert.deepEqual(ours, await outcome(engines.fetch, url, init as never), JSON.stringify(init));
    assert.equal(ours.status, 200);
  }
  // A stream body: chunked on both.
  const replies = await Promise.all(
    [engines.h1, engines.fetch].map((engine) =>
      engine.send(url, {
        method: "POST",
        body: ReadableStream.from([new Uint8Array([1, 2]), new Uint8Array([3])]),
      })
    ),
  );
  const echoed = await Promise.all(replies.map((reply) => reply.response().json()));
  assert.deepEqual(echoed[0], echoed[1]);
  assert.equal(echoed[0].body, "\x01\x02\x03");
});

Deno.test("h1 and fetch give the same outcomes for a raw server's shapes", async () => {
  for (const canned of CANNED) {
    if (canned.head) continue;
    await using server = rawServer(() => canned.raw, { close: !canned.reusable });
    using engines = bothEngines();
    const ours = await outcome(engines.h1, server.url);
    assert.deepEqual(ours, await outcome(engines.fetch, server.url), canned.name);
    assert.equal(ours.text, canned.body, canned.name);
  }
});

Deno.test("h1 and fetch give the same outcomes from nginx (skipped when it is not installed)", async (t) => {
  await using nginx = await startTestNginx();
  if (nginx === undefined) {
    console.log("nginx is not installed (apt-get install nginx-light): the nginx part is skipped");
    return;
  }
  using engines = bothEngines();
  for (const path of ["/text", "/redirect", "/missing", "/file.txt"]) {
    await t.step(path, async () => {
      const ours = await outcome(engines.h1, nginx.url + path);
      const theirs = await outcome(engines.fetch, nginx.url + path);
      // nginx's 302 and 404 pages carry its version; both engines get the same page.
      assert.deepEqual(ours, theirs);
      assert.equal(ours.error, undefined);
    });
  }
  const gzipped = await outcome(engines.h1, nginx.url + "/file.txt");
  assert.equal(gzipped.headers?.["content-encoding"], "gzip");
  assert.equal(gzipped.bytes, "nginx serves this line.\n".length * 5000);
});

Deno.test("h1 and fetch give the same outcomes over TLS (caCerts, SNI, ALPN http/1.1)", async () => {
  await using tls = await makeTestTls();
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert: tls.cert, key: tls.key, onListen() {} },
    () => new Response("secret"),
  );
  const url = `https://localhost:${server.addr.port}/`;
  {
    using engines = bothEngines({ caCerts: [tls.ca] });
    const ours = await outcome(engines.h1, url);
    assert.deepEqual(ours, await outcome(engines.fetch, url));
    assert.equal(ours.text, "secret");
  }
  using untrusting = bothEngines();
  // Without the CA, both refuse the certificate (the runner names both `tls`: see the runner's tests).
  assert.notEqual((await outcome(untrusting.h1, url)).error, undefined);
  assert.notEqual((await outcome(untrusting.fetch, url)).error, undefined);
});
