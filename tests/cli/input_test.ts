import assert from "node:assert/strict";
import { assertOneError, cli, command, inProcess, withTempDir } from "../_cli.ts";

/** A server that keeps each request's method, path, headers and body. */
function recordingServer() {
  const seen: { method: string; path: string; headers: Headers; body: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const { pathname } = new URL(request.url);
    seen.push({
      method: request.method,
      path: pathname,
      headers: request.headers,
      body: await request.text(),
    });
    return new Response("ok");
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    host: `127.0.0.1:${server.addr.port}`,
    seen,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

Deno.test("--header applies to every target; a target's own header replaces only that name", async () => {
  await using server = recordingServer();
  await withTempDir(async (dir) => {
    const targets = `${dir}/targets.ndjson`;
    await Deno.writeTextFile(
      targets,
      [
        { url: `${server.url}plain` },
        { url: `${server.url}own`, header: { "X-Trace": ["t1"], "X-Tag": ["mine"] } },
      ].map((target) => JSON.stringify(target)).join("\n") + "\n",
    );
    const run = await inProcess([
      "--targets",
      targets,
      "--header",
      "Authorization: Bearer secret",
      "--header",
      "X-Tag: run",
      "--quiet",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const byPath = new Map(server.seen.map((request) => [request.path, request.headers]));
    assert.equal(byPath.get("/plain")!.get("authorization"), "Bearer secret");
    assert.equal(byPath.get("/plain")!.get("x-tag"), "run");
    assert.equal(byPath.get("/own")!.get("authorization"), "Bearer secret");
    assert.equal(byPath.get("/own")!.get("x-tag"), "mine");
    assert.equal(byPath.get("/own")!.get("x-trace"), "t1");
  });
});

Deno.test("a GET target with a body, or one naming its 'URL', stops before anything is sent", async () => {
  await using server = recordingServer();
  await withTempDir(async (dir) => {
    const targets = `${dir}/targets.ndjson`;
    const line = (target: unknown) => JSON.stringify(target) + "\n";
    await Deno.writeTextFile(
      targets,
      line({ url: `${server.url}a`, method: "POST", body: btoa("fine") }) +
        line({ url: `${server.url}b`, body: btoa("a GET cannot carry this") }),
    );
    assertOneError(
      await inProcess(["--targets", targets]),
      2,
      /targets\.ndjson: Line 2: Cannot send target as a GET request cannot have a body/,
    );
    // With --method POST, a target that names no method is a POST.
    const posted = await inProcess(["--targets", targets, "--method", "POST", "--quiet"]);
    assert.equal(posted.code, 0, posted.stderr);
    assert.deepEqual(server.seen.map((request) => request.body), [
      "fine",
      "a GET cannot carry this",
    ]);

    await Deno.writeTextFile(targets, line({ URL: `${server.url}c` }));
    assertOneError(
      await inProcess(["--targets", targets]),
      2,
      /Line 1: Cannot read target as it names its URL 'URL': the key is 'url'/,
    );
    assert.equal(server.seen.length, 2);
  });
});

Deno.test("file permissions are checked before anything is sent, every missing flag named at once", async () => {
  await using server = recordingServer();
  await withTempDir(async (dir) => {
    const args = [
      "--url",
      `${server.url}{}`,
      "--count",
      "20",
      "--output",
      `${dir}/run.ndjson`,
      "--save",
      `${dir}/bodies`,
      "--html",
      `${dir}/run.html`,
    ];
    const missing = await cli(args, { permissions: [`--allow-net=${server.host}`] });
    assertOneError(
      missing,
      2,
      new RegExp(
        `read and write permission is missing: run with --allow-read=${dir}/run\\.ndjson,` +
          `${dir}/run\\.ndjson\\.run\\.json,${dir}/bodies --allow-write=${dir}/run\\.ndjson,` +
          `${dir}/run\\.ndjson\\.run\\.json,${dir}/bodies,${dir}/run\\.html or -A$`,
      ),
    );
    // Network permission too: the template's host is named in the same message.
    const none = await cli(args, { permissions: [] });
    assertOneError(
      none,
      2,
      new RegExp(
        `Cannot use '${dir}/run\\.ndjson'.* or send requests to '${server.host}' as read, ` +
          `write and network permission is missing: run with --allow-read=.* --allow-write=.* ` +
          `--allow-net=${server.host} or -A$`,
      ),
    );
    // What the README names for --save: write and read for the directory, and nothing else.
    const saveOnly = [`--allow-net=${server.host}`, `--allow-write=${dir}/bodies`];
    const noRead = await cli([
      "--url",
      `${server.url}{}`,
      "--count",
      "20",
      "--save",
      `${dir}/bodies`,
    ], {
      permissions: saveOnly,
    });
    assertOneError(noRead, 2, new RegExp(`--allow-read=${dir}/bodies or -A$`));
    assert.equal(server.seen.length, 0, "nothing was sent");
    await assert.rejects(Deno.stat(`${dir}/bodies`), Deno.errors.NotFound);

    const saved = await cli(
      ["--url", `${server.url}{}`, "--count", "20", "--save", `${dir}/bodies`, "--quiet"],
      { permissions: [...saveOnly, `--allow-read=${dir}/bodies`] },
    );
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal([...Deno.readDirSync(`${dir}/bodies/0`)].length, 20);
  });
});

Deno.test("a URL without {} and without --count says it requests the same URL each time", async () => {
  await using server = recordingServer();
  // The note comes before the first request: stop the run once it is there.
  const child = command(["--url", `${server.url}same`, "--json"]).spawn();
  let stderr = "";
  for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
    stderr += chunk;
    if (stderr.includes("\n")) break;
  }
  child.kill("SIGINT");
  await child.output().catch(() => {});
  assert.match(stderr, /^note: the URL has no \{\}: the same URL is requested 10000 times/);
  const counted = await inProcess(["--url", `${server.url}same`, "--count", "3", "--json"]);
  assert.ok(!counted.stderr.includes("the same URL"), counted.stderr);
});

Deno.test("a flag that takes a file or a directory says so when given none", async () => {
  assertOneError(await inProcess(["--save"]), 2, /^error: --save needs a directory; see --help$/);
  assertOneError(
    await inProcess(["--output"]),
    2,
    /^error: --output needs a file, or - for standard/,
  );
});
