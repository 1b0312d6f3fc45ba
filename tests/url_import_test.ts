import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

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

Deno.test("mod.ts can be imported by URL with no import map", async () => {
  await using files = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const name = new URL(request.url).pathname.slice(1);
      if (!/^[a-z_]+\.ts$/.test(name)) return new Response("not found", { status: 404 });
      try {
        const body = await Deno.readFile(new URL(name, ROOT));
        return new Response(body, { headers: { "content-type": "application/typescript" } });
      } catch {
        return new Response("not found", { status: 404 });
      }
    },
  );
  const host = `127.0.0.1:${files.addr.port}`;
  const emptyDir = await Deno.makeTempDir();
  try {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        "--no-config",
        `--allow-import=${host}`,
        "--allow-net=127.0.0.1",
        "--reload",
        PROGRAM,
        `http://${host}/mod.ts`,
      ],
      cwd: emptyDir,
      env: { DENO_DIR: emptyDir },
    }).output();
    const errors = new TextDecoder().decode(stderr);
    assert.equal(code, 0, errors);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), {
      squares: [1, 4, 9],
      available: 1,
      ok: 50,
    });
  } finally {
    await Deno.remove(emptyDir, { recursive: true });
  }
});
