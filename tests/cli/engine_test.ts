import assert from "node:assert/strict";
import { inProcess } from "../_cli.ts";

Deno.test("main.ts --engine refuses a bad name, and h1 with what only fetch does, as bad usage", async () => {
  const cases: [string[], RegExp][] = [
    [["--engine", "curl"], /Cannot use --engine 'curl': it must be auto, h1, fetch/],
    [["--engine", "h1", "--proxy", "http://127.0.0.1:3128"], /Cannot use --engine h1 with --proxy/],
    [["--engine", "h1", "--http2"], /Cannot use --engine h1 with --http2/],
  ];
  for (const [args, message] of cases) {
    const output = await inProcess([...args, "--url", "http://127.0.0.1:9/{}", "--count", "1"]);
    assert.equal(output.code, 2, args.join(" "));
    assert.match(output.stderr, message);
    assert.equal(output.stderr.trim().split("\n").length, 1, "one line");
  }
});

Deno.test("main.ts sends any Host with h1 (the default), and refuses it with --engine fetch", async () => {
  const hosts: string[] = [];
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    hosts.push(request.headers.get("host")!);
    return new Response("ok");
  });
  const url = `http://127.0.0.1:${server.addr.port}/{}`;
  const args = ["--url", url, "--count", "2", "--header", "Host: example.test", "--json"];
  const sent = await inProcess(args);
  assert.equal(sent.code, 0, sent.stderr);
  assert.deepEqual(hosts, ["example.test", "example.test"]);
  const refused = await inProcess([...args, "--engine", "fetch"]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /Cannot send header 'Host' as fetch sets or rewrites it itself/);
  const framing = await inProcess(["--url", url, "--count", "1", "--header", "Content-Length: 3"]);
  assert.equal(framing.code, 2);
  assert.match(framing.stderr, /Content-Length/);
});

Deno.test("main.ts sends a --targets line's own Host with h1, and refuses it with --engine fetch", async () => {
  const hosts: string[] = [];
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    hosts.push(request.headers.get("host")!);
    return new Response("ok");
  });
  const targets = await Deno.makeTempFile({ suffix: ".ndjson" });
  try {
    const line = (i: number) =>
      JSON.stringify({
        url: `http://127.0.0.1:${server.addr.port}/${i}`,
        header: { Host: [`t${i}.example`] },
      });
    await Deno.writeTextFile(targets, `${line(0)}\n${line(1)}\n`);
    const sent = await inProcess(["--targets", targets, "--json"]);
    assert.equal(sent.code, 0, sent.stderr);
    assert.deepEqual(hosts.sort(), ["t0.example", "t1.example"]);
    const refused = await inProcess(["--targets", targets, "--engine", "fetch"]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /Line 1: Cannot send header 'Host' as fetch sets or rewrites/);
    assert.equal(hosts.length, 2, "nothing more was sent");
  } finally {
    await Deno.remove(targets);
  }
});

Deno.test("main.ts reaches a port fetch blocks with h1, and refuses it up front with --engine fetch", async (t) => {
  // The first of fetch's blocked ports that is free here.
  let server: Deno.HttpServer<Deno.NetAddr> | undefined;
  for (const port of [6000, 6665, 6666, 6667, 6668, 6669, 10080]) {
    try {
      server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, () => new Response("ok"));
      break;
    } catch {
      // Taken: try the next.
    }
  }
  if (server === undefined) {
    await t.step("every blocked port is taken here: skipped", () => {});
    return;
  }
  await using _ = server;
  const port = server.addr.port;
  const url = `http://127.0.0.1:${port}/{}`;
  const h1 = await inProcess(["--url", url, "--count", "3", "--json"]);
  assert.equal(h1.code, 0, h1.stderr);
  assert.equal(JSON.parse(h1.stdout).ok, 3);
  const fetch = await inProcess(["--url", url, "--count", "3", "--engine", "fetch"]);
  assert.equal(fetch.code, 2);
  assert.match(
    fetch.stderr,
    new RegExp(`Cannot send requests to port ${port} with the fetch engine`),
  );
});
