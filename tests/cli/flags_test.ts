import assert from "node:assert/strict";
import { cli, inProcess } from "../_cli.ts";
import denoJson from "../../deno.json" with { type: "json" };

/** A server that notes each request's method, user agent and one custom header. */
function serveNoting() {
  const seen: { method: string; agent: string | null; custom: string | null }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    seen.push({
      method: request.method,
      agent: request.headers.get("user-agent"),
      custom: request.headers.get("x-probe"),
    });
    return new Response("ok");
  });
  return { seen, url: `http://127.0.0.1:${server.addr.port}/`, server };
}

Deno.test("main.ts takes hey's short flags and a positional URL, and names the protocol", async () => {
  const { seen, url, server } = serveNoting();
  await using _ = server;
  const output = await cli(["-n", "6", "-c", "2", "-m", "HEAD", "-H", "X-Probe: 1", url, "--json"]);
  assert.equal(output.code, 0, output.stderr);
  const json = JSON.parse(output.stdout);
  assert.equal(json.count, 6);
  assert.equal(json.concurrency, 2);
  assert.equal(json.protocol, "http/1.1");
  assert.deepEqual(new Set(seen.map((request) => request.method)), new Set(["HEAD"]));
  assert.ok(seen.every((request) => request.custom === "1"));
  // The default User-Agent names the tool and its version.
  assert.ok(
    seen.every((request) => request.agent === `manyreq/${denoJson.version}`),
    `${seen[0]?.agent}`,
  );

  seen.length = 0;
  const paced = await cli([url, "-q", "40", "-z", "250ms", "-H", "User-Agent: probe/1", "--quiet"]);
  assert.equal(paced.code, 0, paced.stderr);
  assert.match(paced.stdout, /^protocol +http\/1\.1$/m);
  // 40/s for 250 ms: requests due at 0, 25, ..., 225 ms.
  assert.equal(seen.length, 10);
  assert.ok(seen.every((request) => request.agent === "probe/1"), "a User-Agent given is kept");
});

Deno.test("main.ts --http2 against plain http stops up front, one line, nothing sent", async () => {
  const { seen, url, server } = serveNoting();
  await using _ = server;
  for (const args of [["--url", url, "--http2"], ["--http2", "--count", "3"]]) {
    const output = await inProcess(args);
    assert.equal(output.code, 2, output.stderr);
    assert.match(
      output.stderr,
      /^error: Cannot use --http2 with [^\n]+: HTTP\/2 is spoken over TLS only[^\n]*\n$/,
    );
  }
  assert.equal(seen.length, 0);
});
