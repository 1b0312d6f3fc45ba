import assert from "node:assert/strict";
import { command, inProcess, withTempDir } from "../_cli.ts";

const BODY = 3000;

/**
 * A server that answers each path with a body of its own, after `delayMs`, counting hits by
 * path and noting when each answer was sent; paths in `failing` get a 404.
 */
function bodyServer(delayMs = 0) {
  const hits = new Map<string, number>();
  const answered: { path: string; at: number }[] = [];
  const failing = new Set<string>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = new URL(request.url).pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    await request.body?.cancel();
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    answered.push({ path, at: Date.now() });
    if (failing.has(path)) return new Response("gone", { status: 404 });
    return new Response(`${path} `.repeat(BODY / (path.length + 1) + 1).slice(0, BODY));
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    hits,
    answered,
    failing,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

interface Stored {
  index: number;
  error: string | null;
  file: string | null;
  status: number;
}

async function readRecords(path: string): Promise<Stored[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  const whole = text.slice(0, text.lastIndexOf("\n") + 1);
  return whole === "" ? [] : whole.trimEnd().split("\n").map((line) => JSON.parse(line));
}

/** The files under a --save directory, by path. */
async function savedFiles(dir: string): Promise<Set<string>> {
  const files = new Set<string>();
  if (!(await Deno.stat(dir).catch(() => undefined))) return files;
  for await (const group of Deno.readDir(dir)) {
    for await (const entry of Deno.readDir(`${dir}/${group.name}`)) {
      files.add(`${dir}/${group.name}/${entry.name}`);
    }
  }
  return files;
}

/** Each saved body has a record that names it, finished ok, and each such record its body, whole. */
async function assertAgree(records: Stored[], dir: string): Promise<void> {
  const last = new Map(records.map((record) => [record.index, record]));
  const files = await savedFiles(dir);
  for (const file of files) {
    assert.ok(!file.endsWith(".part"), `no .part is left: ${file}`);
    const index = Number(file.split("/").at(-1));
    const record = last.get(index);
    assert.ok(record, `${file} has a record`);
    assert.equal(record.file, file);
    assert.equal(record.error, null, `${file}'s record says ok`);
    assert.equal((await Deno.stat(file)).size, BODY);
  }
  for (const record of last.values()) {
    if (record.file !== null) assert.ok(files.has(record.file), `${record.file} exists`);
  }
}

async function mountTmpfs(dir: string, size: string): Promise<boolean> {
  if (Deno.build.os !== "linux") return false;
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => ({ success: false }));
  return mount.success;
}

Deno.test("a full disk under --save and --output leaves a record for every saved body; --resume makes only the rest", async (t) => {
  await using server = bodyServer();
  await withTempDir(async (dir) => {
    if (!(await mountTmpfs(dir, "400k"))) {
      console.warn("skipped: this machine does not allow mounting a tmpfs (needs root)");
      return;
    }
    try {
      const output = `${dir}/run.ndjson`;
      const bodies = `${dir}/bodies`;
      const args = ["--url", `${server.url}{}`, "--count", "300", "--concurrency", "20"];
      const run = [...args, "--save", bodies, "--output", output, "--json"];
      await t.step("the run stops with exit 3, naming what could not be written", async () => {
        const full = await inProcess(run);
        assert.equal(full.code, 3, full.stderr);
        const errors = full.stderr.split("\n").filter((line) => line.startsWith("error: "));
        assert.equal(errors.length, 1, full.stderr);
        assert.match(
          errors[0]!,
          /Cannot (save a body to|write) '.*': No space left on device.*; .*--resume/,
        );
        const records = await readRecords(output);
        const files = await savedFiles(bodies);
        console.log(`full disk: ${records.length} records, ${files.size} body files`);
        assert.ok(files.size > 0 && records.length < 300, `${files.size} bodies`);
        await assertAgree(records, bodies);
      });
      await t.step("--resume with room sends only what has no saved body", async () => {
        const remount = await new Deno.Command("mount", {
          args: ["-o", "remount,size=4m", dir],
        }).output();
        assert.ok(remount.success);
        const saved = await savedFiles(bodies);
        const resumed = await inProcess([...run, "--resume"]);
        assert.equal(resumed.code, 0, resumed.stderr);
        for (const file of saved) {
          assert.equal(server.hits.get(`/${file.split("/").at(-1)}`), 1, `${file} sent once`);
        }
        await assertAgree(await readRecords(output), bodies);
        assert.equal((await savedFiles(bodies)).size, 300);
      });
    } finally {
      await new Deno.Command("umount", { args: [dir] }).output();
    }
  });
});

Deno.test("an output that cannot be written keeps no saved body", async () => {
  await using server = bodyServer();
  await withTempDir(async (dir) => {
    const bodies = `${dir}/bodies`;
    const args = ["--url", `${server.url}{}`, "--count", "50", "--concurrency", "5"];
    const full = await inProcess([...args, "--save", bodies, "--output", "/dev/full", "--json"]);
    assert.equal(full.code, 3, full.stderr);
    assert.match(full.stderr, /^error: Cannot write '\/dev\/full': .*--resume/m);
    assert.deepEqual([...await savedFiles(bodies)], [], "no body without its record");
  });
});

Deno.test("SIGKILL during a POST run with --save: --resume re-sends at most the requests in flight", async () => {
  await using server = bodyServer(5);
  await withTempDir(async (dir) => {
    const count = 2000;
    const concurrency = 40;
    const targets = `${dir}/targets.ndjson`;
    await Deno.writeTextFile(
      targets,
      Array.from(
        { length: count },
        (_, i) =>
          JSON.stringify({ method: "POST", url: `${server.url}${i}`, body: btoa(`item ${i}`) }) +
          "\n",
      ).join(""),
    );
    const output = `${dir}/run.ndjson`;
    const bodies = `${dir}/bodies`;
    const args = ["--targets", targets, "--concurrency", `${concurrency}`, "--save", bodies];
    const child = command([...args, "--output", output, "--quiet"]).spawn();
    let recorded = 0;
    for (let waited = 0; recorded < 400 && waited < 20_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      recorded = (await readRecords(output)).length;
    }
    child.kill("SIGKILL");
    await child.output();
    assert.ok(recorded >= 400 && server.answered.length < count, "killed mid-run");

    const resumed = await inProcess([...args, "--output", output, "--resume", "--json"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const twice = [...server.hits.values()].filter((hits) => hits > 1).length;
    console.log(`SIGKILL: ${twice} of ${count} POSTs sent twice (concurrency ${concurrency})`);
    assert.ok(twice <= concurrency, `${twice} sent twice`);
    assert.equal(server.hits.size, count);
    await assertAgree(await readRecords(output), bodies);
    assert.equal((await savedFiles(bodies)).size, count);
  });
});

Deno.test("a resumed request that was saved before and now fails leaves no body under its name", async () => {
  await using server = bodyServer();
  await withTempDir(async (dir) => {
    const output = `${dir}/run.ndjson`;
    const bodies = `${dir}/bodies`;
    const args = ["--url", `${server.url}{}`, "--count", "6", "--save", bodies, "--output", output];
    assert.equal((await inProcess(args)).code, 0);
    // Index 3's record is lost (as a crash before this version could lose it); its body stays.
    const lines = (await Deno.readTextFile(output)).split("\n");
    await Deno.writeTextFile(
      output,
      lines.filter((line) => line !== "" && JSON.parse(line).index !== 3).join("\n") + "\n",
    );
    await Deno.writeTextFile(`${bodies}/0/5.part`, "cut short");
    server.failing.add("/3");
    const resumed = await inProcess([...args, "--resume", "--json"]);
    assert.equal(resumed.code, 1, resumed.stderr);
    assert.equal(JSON.parse(resumed.stdout).count, 1);
    const records = await readRecords(output);
    assert.equal(records.at(-1)!.status, 404);
    await assertAgree(records, bodies);
    assert.deepEqual(
      [...await savedFiles(bodies)].map((file) => file.split("/").at(-1)).sort(),
      ["0", "1", "2", "4", "5"],
    );
  });
});

Deno.test("without --save, a SIGKILL loses the records of at most the last second", async () => {
  await using server = bodyServer(2);
  await withTempDir(async (dir) => {
    const output = `${dir}/run.ndjson`;
    const args = ["--url", `${server.url}{}`, "--count", "100000", "--concurrency", "4"];
    const child = command([...args, "--output", output, "--quiet"]).spawn();
    let recorded = 0;
    for (let waited = 0; recorded < 300 && waited < 20_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      recorded = (await readRecords(output)).length;
    }
    // Past the first flush: run on for 1.5 s more, then kill.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const killedAt = Date.now();
    child.kill("SIGKILL");
    await child.output();
    const indices = new Set((await readRecords(output)).map((record) => record.index));
    const unrecorded = server.answered.filter(({ path }) => !indices.has(Number(path.slice(1))));
    const oldest = Math.min(...unrecorded.map(({ at }) => at));
    console.log(
      `SIGKILL without --save: ${unrecorded.length} answers unrecorded, the oldest ` +
        `${killedAt - oldest} ms before the kill`,
    );
    // The window is a second; the timer may fire a little late on a busy machine.
    assert.ok(killedAt - oldest <= 1600, `${killedAt - oldest} ms`);
  });
});
