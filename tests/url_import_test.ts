import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const decoder = new TextDecoder();

/** A program that imports the toolkit by URL and uses each part of it. */
const PROGRAM = `
const { pooledMap, runRequests, requestsFromTemplate, Semaphore, serveDelay, Summary } =
  await import(Deno.args[0]);
const semaphore = new Semaphore(2);
using _permit = await semaphore.acquire();
const squares = await Array.fromAsync(pooledMap([1, 2, 3], (n) => Promise.resolve(n * n), 2));
await using server = serveDelay({ maxDelay: 0 });
const summary = new Summary();
for await (const record of runRequests(requestsFromTemplate(server.url + "{}", 50), { concurrency: 10 })) {
  summary.add(record);
}
console.log(JSON.stringify({ squares, available: semaphore.available, ok: summary.ok }));
`;

/** Serves the project's top-level modules over loopback, as a web host would. */
function serveModules(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const name = new URL(request.url).pathname.slice(1);
    // Modules, and deno.json for the version they read from it.
    if (!/^([a-z]+\/)?[a-z0-9_]+\.ts$|^deno\.json$/.test(name)) {
      return new Response("not found", { status: 404 });
    }
    try {
      const body = await Deno.readFile(new URL(name, ROOT));
      const type = name.endsWith(".json") ? "application/json" : "application/typescript";
      return new Response(body, { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

/** Runs Deno in an empty folder with an empty cache, so nothing local is picked up. */
async function denoElsewhere(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const emptyDir = await Deno.makeTempDir();
  try {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args,
      cwd: emptyDir,
      env: { DENO_DIR: emptyDir },
    }).output();
    return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
  } finally {
    await Deno.remove(emptyDir, { recursive: true });
  }
}

Deno.test("mod.ts can be imported by URL with no import map", async () => {
  await using files = serveModules();
  const host = `127.0.0.1:${files.addr.port}`;
  const { code, stdout, stderr } = await denoElsewhere([
    "eval",
    "--no-config",
    `--allow-import=${host}`,
    "--allow-net=127.0.0.1",
    PROGRAM,
    `http://${host}/mod.ts`,
  ]);
  assert.equal(code, 0, stderr);
  assert.deepEqual(JSON.parse(stdout), { squares: [1, 4, 9], available: 1, ok: 50 });
});

Deno.test("main.ts runs by URL, its server and client workers loaded from the same host", async () => {
  await using files = serveModules();
  const host = `127.0.0.1:${files.addr.port}`;
  const { code, stdout, stderr } = await denoElsewhere([
    "run",
    "--no-config",
    `--allow-import=${host}`,
    "--allow-net=127.0.0.1",
    `http://${host}/main.ts`,
    "--count",
    "500",
    "--max-delay",
    "0",
    "--workers",
    "2",
    "--json",
  ]);
  assert.equal(code, 0, stderr);
  assert.equal(JSON.parse(stdout).ok, 500);
  assert.ok(!stderr.includes("main thread"), `both workers started: ${stderr}`);
});
