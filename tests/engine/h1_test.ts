import assert from "node:assert/strict";
import { H1Engine } from "../../engine/h1.ts";
import { ProtocolError, TruncatedError } from "../../engine/engine.ts";
import { rawServer } from "./_canned.ts";

const OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/** Sends and reads the whole body; returns it as text. */
async function get(engine: H1Engine, url: string, init = {}): Promise<string> {
  const reply = await engine.send(url, init);
  let text = "";
  await reply.read((chunk) => text += new TextDecoder().decode(chunk));
  return text;
}

Deno.test("h1 writes the request as given: any Host, repeated names as lines, default User-Agent", async () => {
  const heads: string[] = [];
  await using server = rawServer((head) => (heads.push(head), OK));
  const engine = new H1Engine();
  await get(engine, `${server.url}a%20b/c?q=1#fragment`, {
    headers: [["Host", "example.test"], ["X-Twice", "1"], ["x-twice", "2"], [
      "Content-Length",
      "99",
    ]],
  });
  await get(engine, `${server.url}x`, { method: "POST", body: "hi" });
  engine.close();
  const [first, second] = heads;
  assert.match(first!, /^GET \/a%20b\/c\?q=1 HTTP\/1\.1\r\n/);
  assert.match(first!, /\r\nHost: example\.test\r\n/);
  assert.doesNotMatch(first!, /\r\nhost: 127/);
  assert.match(first!, /\r\nX-Twice: 1\r\nx-twice: 2\r\n/);
  assert.doesNotMatch(first!, /Content-Length: 99/i, "the caller's framing headers are dropped");
  assert.match(first!, /\r\nuser-agent: manyreq\/\d+\.\d+\.\d+\r\n/);
  assert.match(first!, /\r\naccept-encoding: gzip, br\r\n/);
  assert.match(second!, /^POST \/x HTTP\/1\.1\r\nhost: 127\.0\.0\.1:\d+\r\n/);
  assert.match(second!, /\r\ncontent-length: 2\r\n/);
});

Deno.test("h1 refuses what fetch refuses: no header or request can be smuggled", async () => {
  const engine = new H1Engine();
  const url = "http://127.0.0.1:9/";
  const bad: [string, object][] = [
    ["CRLF in a value", { headers: [["X-A", "a\r\nX-Injected: 1"]] }],
    ["LF in a value", { headers: { "X-A": "a\nb" } }],
    ["NUL in a value", { headers: [["X-A", "a\0b"]] }],
    ["a space in a name", { headers: [["X A", "1"]] }],
    ["a colon in a name", { headers: [["X:A", "1"]] }],
    ["a value past Latin-1", { headers: [["X-A", "\u2603"]] }],
    ["a method with a space", { method: "GET / HTTP/1.1\r\nX:" }],
    ["CONNECT", { method: "CONNECT" }],
    ["a GET with a body", { body: "x" }],
  ];
  for (const [what, init] of bad) {
    await assert.rejects(engine.send(url, init), TypeError, what);
    assert.throws(
      () => new Request(url, init as RequestInit),
      TypeError,
      `fetch refuses ${what} too`,
    );
  }
  await assert.rejects(engine.send("http://user:pass@127.0.0.1:9/", {}), TypeError);
  await assert.rejects(engine.send("ftp://127.0.0.1/", {}), /Invalid URL/);
  assert.equal(engine.connections, 0, "nothing was sent");
  engine.close();
});

Deno.test("h1 sends a stream body chunked", async () => {
  const heads: string[] = [];
  let body = "";
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    const socket = await listener.accept();
    const buffer = new Uint8Array(4096);
    let text = "";
    while (!text.endsWith("0\r\n\r\n")) {
      const n = await socket.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
    const split = text.indexOf("\r\n\r\n");
    heads.push(text.slice(0, split));
    body = text.slice(split + 4);
    await socket.write(new TextEncoder().encode(OK));
    socket.close();
  })();
  const engine = new H1Engine();
  const stream = ReadableStream.from([
    new Uint8Array([97, 98]),
    new Uint8Array(0),
    new Uint8Array([99]),
  ]);
  const port = (listener.addr as Deno.NetAddr).port;
  assert.equal(
    await get(engine, `http://127.0.0.1:${port}/`, { method: "PUT", body: stream }),
    "ok",
  );
  await serving;
  listener.close();
  engine.close();
  assert.match(heads[0]!, /\r\ntransfer-encoding: chunked/);
  assert.equal(body, "2\r\nab\r\n1\r\nc\r\n0\r\n\r\n");
});

Deno.test("h1 reuses a connection once its body was read whole, and not before", async () => {
  await using server = rawServer(() => OK);
  const engine = new H1Engine();
  for (let i = 0; i < 5; i++) assert.equal(await get(engine, server.url), "ok");
  assert.equal(server.accepted, 1);
  const unread = await engine.send(server.url, {});
  await unread.cancel();
  assert.equal(engine.connections, 0, "a body left unread closes its connection");
  await get(engine, server.url);
  assert.equal(server.accepted, 2);
  engine.close();
});

Deno.test("h1 honours Connection: close, the idle cap, the idle timeout and the Keep-Alive hint", async () => {
  {
    await using server = rawServer(
      () => "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
    );
    const engine = new H1Engine();
    for (let i = 0; i < 3; i++) await get(engine, server.url);
    assert.equal(server.accepted, 3);
    assert.equal(engine.connections, 0);
    engine.close();
  }
  {
    await using server = rawServer(() => OK);
    const engine = new H1Engine({ maxIdle: 1 });
    await Promise.all([get(engine, server.url), get(engine, server.url), get(engine, server.url)]);
    assert.equal(server.accepted, 3);
    assert.equal(engine.connections, 1, "one kept idle");
    engine.close();
  }
  {
    await using server = rawServer(() => OK);
    const engine = new H1Engine({ idleTimeout: 30 });
    await get(engine, server.url);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await get(engine, server.url);
    assert.equal(server.accepted, 2, "the idle connection expired");
    engine.close();
  }
  {
    await using server = rawServer(
      () => "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok",
    );
    const engine = new H1Engine();
    await get(engine, server.url);
    await get(engine, server.url);
    assert.equal(server.accepted, 2, "a 1 s hint, less a second of margin, keeps nothing");
    engine.close();
  }
});

Deno.test("h1 sends an idempotent request once more when a reused connection turns out closed", async () => {
  // The server answers once per connection and then closes it, without saying so.
  await using server = rawServer(() => OK, { close: true });
  const engine = new H1Engine();
  await get(engine, server.url);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(await get(engine, server.url), "ok", "the GET went again on a new connection");
  assert.equal(server.accepted, 2);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await assert.rejects(
    get(engine, server.url, { method: "POST", body: "x" }),
    /closed|reset|pipe/i,
  );
  engine.close();
});

Deno.test("h1 warms connections ahead, and sends again when a warm one turns out closed", async () => {
  // The first connection is closed by the server, unanswered, as an idle one may be.
  await using server = rawServer((_head, connection) => connection === 0 ? null : OK);
  const engine = new H1Engine({ maxIdle: 3 });
  assert.equal(await engine.warm(server.url, 1), 1);
  assert.equal(engine.connections, 1);
  assert.equal(await get(engine, server.url), "ok", "the GET went again on a new connection");
  assert.equal(server.accepted, 2);
  // No more than the idle cap; a refused connect ends the warm-up quietly.
  assert.equal(await engine.warm(server.url, 10), 2);
  const refused = rawServer(() => OK);
  await refused[Symbol.asyncDispose]();
  assert.equal(await engine.warm(refused.url, 5), 0);
  engine.close();
});

Deno.test("h1 fails a malformed or broken response over a socket, classified, without a hang", async () => {
  const cases: [string, string | string[] | null, new (...args: never[]) => Error][] = [
    ["garbage status line", "SMTP ready\r\n\r\n", ProtocolError],
    [
      "two Content-Lengths",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
      ProtocolError,
    ],
    [
      "truncated chunk",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nabc",
      TruncatedError,
    ],
    [
      "a head over 64 KiB",
      ["HTTP/1.1 200 OK\r\n", `X-Big: ${"b".repeat(70_000)}\r\n\r\n`],
      ProtocolError,
    ],
  ];
  for (const [what, answer, kind] of cases) {
    await using server = rawServer(() => answer, { close: true });
    const engine = new H1Engine();
    await assert.rejects(get(engine, server.url), kind, what);
    assert.equal(engine.connections, 0, what);
    engine.close();
  }
});

Deno.test("h1 fails a body reset mid-way as reset or truncated", async () => {
  // Closing with the request unread makes the kernel send a RST.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    const socket = await listener.accept();
    await socket.read(new Uint8Array(8));
    await socket.write(
      new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\npartial"),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.close();
  })();
  const engine = new H1Engine();
  const error = await get(engine, `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/`)
    .then(() => undefined, (error) => error);
  await serving;
  listener.close();
  engine.close();
  assert.ok(
    error instanceof TruncatedError || error instanceof Deno.errors.ConnectionReset,
    String(error),
  );
});

Deno.test("h1 ends a silent server's exchange at the deadline, and a connect at the connect timeout", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const socket of listener) accepted.push(socket);
  })();
  const engine = new H1Engine();
  const url = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/`;
  await assert.rejects(engine.send(url, { signal: AbortSignal.timeout(50) }), {
    name: "TimeoutError",
  });
  // Headers, then a body that never comes: the deadline ends the read.
  const controller = new AbortController();
  const slow = rawServer(() => "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", { hold: true });
  const reply = await engine.send(slow.url, { signal: controller.signal });
  setTimeout(() => controller.abort(new DOMException("late", "TimeoutError")), 30);
  await assert.rejects(reply.read(() => {}), { name: "TimeoutError" });
  assert.equal(engine.connections, 0);
  engine.close();
  await slow[Symbol.asyncDispose]();
  listener.close();
  await accepting;
  for (const socket of accepted) socket.close();
  // A server that accepts and never answers the TLS handshake: the connect timeout ends it.
  const mute = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const holding = (async () => {
    for await (const socket of mute) held.push(socket);
  })();
  const tls = new H1Engine({ connectTimeout: 50 });
  await assert.rejects(
    tls.send(`https://127.0.0.1:${(mute.addr as Deno.NetAddr).port}/`, {}),
    /connect timed out after 50 ms/,
  );
  tls.close();
  mute.close();
  await holding;
  for (const socket of held) socket.close();
});
