import assert from "node:assert/strict";
import type { RequestRecord } from "../../runner/run.ts";
import { makeTestTls } from "../_tls.ts";
import { inProcess } from "../_cli.ts";

const ROOT = new URL("../..", import.meta.url);
const decoder = new TextDecoder();

/** Runs `args` under Deno in the repository root; kills it after 30 s. */
async function deno(args: string[], stdin?: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(30_000),
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

function cli(args: string[], stdin?: string) {
  return deno(["run", "-A", "main.ts", ...args], stdin);
}

function serve(handler: Deno.ServeHandler) {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
}

/** Runs the CLI with `--output` to a temporary file; returns the exit code, stderr and the records. */
async function cliRecords(args: string[], stdin?: string, permissions = ["-A"]) {
  const output = await Deno.makeTempFile({ prefix: "manyreq-out-" });
  try {
    // In-process unless standard input or the permissions are the subject.
    const run = stdin === undefined && permissions.join() === "-A"
      ? await inProcess([...args, "--output", output])
      : await deno(["run", ...permissions, "main.ts", ...args, "--output", output], stdin);
    return { ...run, records: records(await Deno.readTextFile(output)) };
  } finally {
    await Deno.remove(output);
  }
}

function records(text: string): RequestRecord[] {
  if (text.trim() === "") return [];
  return text.trim().split("\n")
    .map((line) => JSON.parse(line, (_, value) => value === null ? undefined : value))
    .sort((a, b) => a.index - b.index);
}

/** Bytes that differ per path, so a file holding another response's body is caught. */
function bodyOf(path: string, size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    bytes[i] = (i * 31 + path.length * 7 + path.charCodeAt(path.length - 1)) & 255;
  }
  return bytes;
}

Deno.test("main.ts --save writes 2xx bodies byte for byte under DIR by index, from workers and from a URL list", async () => {
  await using server = serve((request) => {
    const path = new URL(request.url).pathname;
    if (path.endsWith("/missing")) return new Response("not here", { status: 404 });
    return new Response(bodyOf(path, 200_000 + path.length));
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const dir = await Deno.makeTempDir({ prefix: "manyreq-save-" });
  try {
    const output = `${dir}/out.ndjson`;
    const saved = `${dir}/bodies`;
    const run = await cli([
      "--url",
      `${base}/item/{}`,
      "--count",
      "30",
      "--concurrency",
      "8",
      "--workers",
      "2",
      "--save",
      saved,
      "--output",
      output,
      "--quiet",
    ]);
    assert.equal(run.code, 0, run.stderr);
    for (const record of records(await Deno.readTextFile(output))) {
      assert.equal(record.file, `${saved}/0/${record.index}`);
      assert.deepEqual(
        await Deno.readFile(record.file!),
        bodyOf(`/item/${record.index}`, record.bytes),
      );
    }
    const urls = [`${base}/../../../etc/passwd`, `${base}/%2e%2e/%2e%2e/x`, `${base}/a/missing`]
      .join("\n");
    const listed = await cli(
      [
        "--urls",
        "-",
        "--save",
        saved,
        "--save-failed",
        "--output",
        output,
        "--overwrite",
        "--quiet",
      ],
      urls,
    );
    assert.equal(listed.code, 1, listed.stderr);
    const [first, second, failed] = records(await Deno.readTextFile(output));
    assert.equal(first!.file, `${saved}/0/0`);
    assert.deepEqual(await Deno.readFile(first!.file!), bodyOf("/etc/passwd", first!.bytes));
    assert.equal(second!.file, `${saved}/0/1`);
    assert.equal(failed!.file, `${saved}/0/2.failed`);
    assert.equal(await Deno.readTextFile(failed!.file!), "not here");
    // Nothing escaped DIR, and no partial file was left behind.
    const names = [];
    for await (const entry of Deno.readDir(`${saved}/0`)) names.push(entry.name);
    assert.ok(names.every((name) => /^\d+(\.failed)?$/.test(name)), names.join(" "));
    const top = [];
    for await (const entry of Deno.readDir(dir)) top.push(entry.name);
    assert.deepEqual(top.sort(), ["bodies", "out.ndjson", "out.ndjson.run.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main.ts --targets sends each target's method, headers and body, sharded, and names a bad line", async () => {
  await using server = serve(async (request) => {
    const tags = request.headers.get("x-tag");
    return new Response(
      `${request.method} ${new URL(request.url).pathname} ${tags} ${await request.text()}`,
    );
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const b64 = (text: string) => btoa(text);
  const targets = [
    { method: "POST", url: `${base}/0`, header: { "X-Tag": ["a", "b"] }, body: b64("zero") },
    { method: "PUT", url: `${base}/1`, body: b64("one") },
    { url: `${base}/2` },
    { method: "DELETE", url: `${base}/3`, header: { "X-Tag": ["d"] } },
  ].map((target) => JSON.stringify(target)).join("\n") + "\n";
  const dir = await Deno.makeTempDir({ prefix: "manyreq-targets-" });
  try {
    await Deno.writeTextFile(`${dir}/targets.ndjson`, targets);
    const run = await inProcess([
      "--targets",
      `${dir}/targets.ndjson`,
      "--save",
      `${dir}/b`,
      "--output",
      `${dir}/out.ndjson`,
      "--quiet",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const texts = await Promise.all(
      records(await Deno.readTextFile(`${dir}/out.ndjson`)).map((r) => Deno.readTextFile(r.file!)),
    );
    assert.deepEqual(texts, [
      "POST /0 a, b zero",
      "PUT /1 null one",
      "GET /2 null ",
      "DELETE /3 d ",
    ]);
    const shard = await cliRecords(
      ["--targets", "-", "--shard", "1/2", "--quiet"],
      targets,
    );
    assert.equal(shard.code, 0, shard.stderr);
    assert.deepEqual(shard.records.map((r) => r.index), [1, 3]);
    for (
      const [line, bad, why] of [[2, '{"url": "http://127.0.0.1:1/", "body": "***"}', /base64/], [
        3,
        "{nope",
        /not JSON/,
      ]] as const
    ) {
      const lines = targets.split("\n").slice(0, line - 1).concat(bad).join("\n");
      await Deno.writeTextFile(`${dir}/bad.ndjson`, lines);
      const failed = await inProcess(["--targets", `${dir}/bad.ndjson`]);
      assert.equal(failed.code, 2);
      assert.match(failed.stderr, new RegExp(`^error: .*bad\\.ndjson: Line ${line}: `));
      assert.match(failed.stderr, why);
      assert.equal(failed.stderr.trim().split("\n").length, 1);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main.ts sends every value of a repeated --header and refuses one the engine writes itself", async () => {
  const seen: string[] = [];
  await using server = serve((request) => {
    seen.push(request.headers.get("x-a") ?? "");
    return new Response("ok");
  });
  const url = `http://127.0.0.1:${server.addr.port}/`;
  const run = await inProcess([
    "--url",
    url,
    "--count",
    "1",
    "--header",
    "X-A: 1",
    "--header",
    "X-A: 2",
    "--quiet",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(seen, ["1, 2"]);
  // h1 (the default) writes only the body's framing itself; fetch also Host, Connection and more.
  for (
    const [header, engine] of [
      ["Host: example.com", "fetch"],
      ["content-length: 5", "h1"],
      ["Connection: close", "fetch"],
      ["Transfer-Encoding: chunked", "h1"],
    ]
  ) {
    const refused = await inProcess([
      "--url",
      url,
      "--count",
      "1",
      "--header",
      header!,
      "--engine",
      engine!,
    ]);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      new RegExp(`^error: Cannot send header '${header!.split(":")[0]}'`),
    );
  }
  assert.equal(seen.length, 1);
});

Deno.test("main.ts names a self-signed server as tls with advice, trusts it with --ca-cert, and counts redirects", async () => {
  await using tls = await makeTestTls();
  await using secure = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert: tls.cert, key: tls.key, onListen() {} },
    (request) =>
      new URL(request.url).pathname === "/r"
        ? new Response(null, { status: 302, headers: { location: "/" } })
        : new Response("ok"),
  );
  const url = `https://127.0.0.1:${secure.addr.port}/`;
  const untrusted = await cliRecords([
    "--url",
    url,
    "--count",
    "2",
    "--retries",
    "2",
    "--quiet",
  ]);
  assert.equal(untrusted.code, 1);
  assert.equal(untrusted.records.length, 2);
  for (const record of untrusted.records) {
    assert.equal(record.error, "tls");
    assert.equal(record.attempts, 1);
    assert.match(
      record.detail!,
      /^invalid peer certificate: UnknownIssuer; trust its CA with --ca-cert FILE$/,
    );
  }
  const trusted = await cliRecords([
    "--url",
    `${url}r`,
    "--count",
    "2",
    "--ca-cert",
    tls.caFile,
    "--http1",
    "--quiet",
  ]);
  assert.equal(trusted.code, 0, trusted.stderr);
  assert.deepEqual(trusted.records.map((record) => record.status), [200, 200]);
  const answer = await cli([
    "--url",
    `${url}r`,
    "--count",
    "1",
    "--ca-cert",
    tls.caFile,
    "--max-redirects",
    "0",
    "--verbose",
    "--json",
  ]);
  assert.equal(answer.code, 1);
  assert.equal(JSON.parse(answer.stdout).status["302"], 1);
  assert.match(
    answer.stderr,
    /:https:\/\/127\.0\.0\.1:\d+\/r 302 \(\d+ ms\) http_status: HTTP 302/,
  );
});

Deno.test("main.ts stops before sending without network permission for a host it knows", async () => {
  let hits = 0;
  await using server = serve(() => {
    hits++;
    return new Response("ok");
  });
  const host = `127.0.0.1:${server.addr.port}`;
  const run = await deno([
    "run",
    "--allow-read",
    "--allow-net=127.0.0.1:1",
    "main.ts",
    "--url",
    `http://${host}/{}`,
    "--count",
    "5",
  ]);
  assert.equal(run.code, 2);
  assert.equal(
    run.stderr,
    `error: Cannot send requests to '${host}' as network permission is missing: run with --allow-net=${host} or -A\n`,
  );
  // Hosts met only during the run fail as `permission`, without a prompt.
  const listed = await cliRecords(["--urls", "-", "--quiet"], `http://${host}/a\n`, [
    "--allow-read",
    "--allow-write",
    "--allow-net=127.0.0.1:1",
  ]);
  assert.equal(listed.code, 1);
  assert.equal(listed.records[0]!.error, "permission");
  assert.equal(hits, 0);
});

Deno.test("main.ts counts and saves big bodies in bounded memory", async () => {
  const size = 2 * 1024 * 1024;
  const body = new Uint8Array(size).fill(7);
  await using server = serve(() => new Response(body));
  const dir = await Deno.makeTempDir({ prefix: "manyreq-big-" });
  try {
    for (const extra of [[], ["--save", `${dir}/b`]]) {
      const run = await deno([
        "run",
        "-A",
        "tests/_peak_rss.ts",
        "--url",
        `http://127.0.0.1:${server.addr.port}/{}`,
        "--count",
        "60",
        "--concurrency",
        "20",
        "--workers",
        "1",
        "--json",
        "--quiet",
        ...extra,
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(JSON.parse(run.stdout).ok, 60);
      const peak = Number(/peak-rss-kb (\d+)/.exec(run.stderr)?.[1]) / 1024;
      // 60 bodies of 2 MB are 120 MB: reading them whole at 20 at a time would pass 40 MB above
      // the runtime's own ~60 MB; streamed, each request holds one buffer.
      assert.ok(peak < 100, `peak RSS ${peak.toFixed(0)} MB`);
    }
    assert.equal((await Deno.stat(`${dir}/b/0/59`)).size, size);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
