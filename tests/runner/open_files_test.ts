import assert from "node:assert/strict";
import {
  fitConcurrency,
  fitIdlePerOrigin,
  readOpenFileLimit,
  RESERVED_DESCRIPTORS,
} from "../../runner/open_files.ts";

Deno.test("readOpenFileLimit() reads the soft limit set by ulimit -n", async () => {
  if (Deno.build.os !== "linux") return;
  const script =
    "const { readOpenFileLimit } = await import(Deno.args[0]); console.log(readOpenFileLimit());";
  const module = new URL("../../runner/open_files.ts", import.meta.url).href;
  const { stdout, success } = await new Deno.Command("bash", {
    args: ["-c", `ulimit -n 321 && exec "$0" eval "$1" "$2"`, Deno.execPath(), script, module],
  }).output();
  assert.ok(success);
  assert.equal(new TextDecoder().decode(stdout).trim(), "321");
  assert.ok((readOpenFileLimit() ?? 1) > 0);
});

Deno.test("fitConcurrency() leaves room for reserved descriptors and both socket ends", () => {
  assert.equal(fitConcurrency(1000, undefined, 2), 1000);
  assert.equal(fitConcurrency(1000, 1024, 1), 1000 - (RESERVED_DESCRIPTORS - 24));
  assert.equal(fitConcurrency(1000, 1024, 2), (1024 - RESERVED_DESCRIPTORS) / 2);
  assert.equal(fitConcurrency(1000, 256, 2), 96);
  assert.equal(fitConcurrency(10, 1024, 2), 10);
  assert.equal(fitConcurrency(1000, 10, 2), 1);
});

Deno.test("fitIdlePerOrigin() shares what the requests leave among the other origins' pools", () => {
  assert.equal(fitIdlePerOrigin(300, undefined, 2, 10), 300);
  assert.equal(fitIdlePerOrigin(300, 1024, 2, 1), 300);
  assert.equal(fitIdlePerOrigin(300, 1024, 2, 10), Math.floor((1024 - 64 - 600) / 9));
  assert.equal(fitIdlePerOrigin(10, 1024, 2, 2), 10);
  assert.equal(fitIdlePerOrigin(480, 1024, 2, 10), 0);
});

Deno.test("main.ts makes 4,000 requests over 10 hosts, sorted by host, under ulimit -n 1024", async () => {
  const servers = Array.from(
    { length: 10 },
    () => Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("ok")),
  );
  const dir = await Deno.makeTempDir({ prefix: "open_files_test_" });
  try {
    const urls = servers.flatMap((server) =>
      Array.from({ length: 400 }, (_, i) => `http://127.0.0.1:${server.addr.port}/${i}`)
    );
    await Deno.writeTextFile(`${dir}/urls.txt`, urls.join("\n") + "\n");
    const args = ["--urls", `${dir}/urls.txt`, "--concurrency", "300", "--json"];
    const { code, stdout, stderr } = await new Deno.Command("bash", {
      args: [
        "-c",
        'ulimit -n 1024 && exec "$@"',
        "bash",
        Deno.execPath(),
        "run",
        "-A",
        "main.ts",
        ...args,
      ],
      cwd: new URL("../..", import.meta.url),
    }).output();
    const summary = JSON.parse(new TextDecoder().decode(stdout));
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.deepEqual([summary.ok, summary.concurrency], [4000, 300]);
    assert.match(new TextDecoder().decode(stderr), /idle connections per origin: 10 origins/);
  } finally {
    await Promise.all(servers.map((server) => server.shutdown()));
    await Deno.remove(dir, { recursive: true });
  }
});
