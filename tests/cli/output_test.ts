import assert from "node:assert/strict";
import type { RequestRecord } from "../../runner/run.ts";
import type { SummaryJson } from "../../report/summary.ts";
import { assertOneError, cli, command, inProcess, ROOT, withTempDir } from "../_cli.ts";

const decoder = new TextDecoder();

/** A server that counts requests by path and answers after `delayMs`. */
function countingServer(delayMs = 0) {
  const hits = new Map<string, number>();
  let total = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = new URL(request.url).pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    total++;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    return new Response("ok");
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    hits,
    get total() {
      return total;
    },
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** The output's records, every line whole; null fields left out. */
async function readOutput(path: string): Promise<{ records: (RequestRecord & { run: string })[] }> {
  const text = await Deno.readTextFile(path);
  if (text === "") return { records: [] };
  assert.ok(text.endsWith("\n"), "the output ends with a whole line");
  return { records: text.slice(0, -1).split("\n").map(parseLine) };
}

function parseLine(line: string) {
  return JSON.parse(line, (_, value) => value === null ? undefined : value);
}

async function canMountTmpfs(dir: string): Promise<boolean> {
  if (Deno.build.os !== "linux") return false;
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => ({ success: false }));
  return mount.success;
}

Deno.test("a full disk stops the run with a summary, whole records and exit 3", async (t) => {
  await withTempDir(async (dir) => {
    if (!(await canMountTmpfs(dir))) {
      console.warn("skipped the tmpfs case: this machine does not allow mounting one (needs root)");
    } else {
      await t.step("a 64k tmpfs", async () => {
        try {
          const path = `${dir}/run.ndjson`;
          const output = await cli([
            "--count",
            "1500",
            "--concurrency",
            "100",
            "--max-delay",
            "0",
            "--output",
            path,
            "--json",
          ]);
          assertOneError(output, 3, /Cannot write '.*run\.ndjson': No space left on device/);
          const summary: SummaryJson = JSON.parse(output.stdout);
          const { records } = await readOutput(path);
          assert.ok(records.length > 0 && records.length <= summary.count, `${records.length}`);
          assert.ok(summary.count < 1500, "dispatching stopped");
        } finally {
          await new Deno.Command("umount", { args: [dir] }).output();
        }
      });
      await t.step("--save into a 64k tmpfs", async () => {
        assert.ok(await canMountTmpfs(dir));
        try {
          const output = await cli([
            "--count",
            "300",
            "--max-delay",
            "0",
            "--save",
            `${dir}/bodies`,
            "--json",
          ]);
          assertOneError(
            output,
            3,
            /Cannot save a body to '.*bodies\/0\/\d+\.part': No space left/,
          );
          assert.ok(JSON.parse(output.stdout).ok > 0, "bodies were saved until the disk was full");
        } finally {
          await new Deno.Command("umount", { args: [dir] }).output();
        }
      });
    }
  });
  await t.step("/dev/full", async () => {
    const output = await cli([
      "--count",
      "50",
      "--max-delay",
      "0",
      "--output",
      "/dev/full",
      "--json",
    ]);
    assertOneError(output, 3, /Cannot write '\/dev\/full'/);
    assert.equal(JSON.parse(output.stdout).ok, 50);
    await assert.rejects(Deno.stat("/dev/full.run.json"), Deno.errors.NotFound, "no description");
  });
});

Deno.test("a closed standard output ends the run quietly and keeps the output file whole", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/run.ndjson`;
    const main = new URL("main.ts", ROOT).pathname;
    const script =
      `"$1" run -A "${main}" --count 20000 --max-delay 0 --verbose --output "$2" | head -n 2; ` +
      'exit "${PIPESTATUS[0]}"';
    const run = await new Deno.Command("bash", {
      args: ["-c", script, "bash", Deno.execPath(), path],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = decoder.decode(run.stderr);
    assert.equal(run.code, 0, stderr);
    assert.equal(decoder.decode(run.stdout).trimEnd().split("\n").length, 2);
    assert.ok(!/Uncaught|BrokenPipe|error:/.test(stderr), stderr);
    const { records } = await readOutput(path);
    assert.ok(records.length > 0 && records.length < 20000, `${records.length} records`);
  });
});

Deno.test("an output that is an input, however named, is refused before it is opened", async () => {
  await using server = countingServer();
  await withTempDir(async (dir) => {
    const list = `${dir}/urls.txt`;
    const text = `${server.url}a\n${server.url}b\n`;
    await Deno.writeTextFile(list, text);
    await Deno.symlink(list, `${dir}/link.ndjson`);
    for (
      const output of [list, `${dir}/link.ndjson`, `${dir}/../${dir.split("/").at(-1)}/urls.txt`]
    ) {
      const run = await inProcess(["--urls", list, "--output", output, "--overwrite"]);
      assertOneError(run, 2, /same file as --urls/);
    }
    const body = await inProcess([
      "--url",
      `${server.url}{}`,
      "--count",
      "1",
      "--method",
      "POST",
      "--body-file",
      list,
      "--output",
      list,
    ]);
    assertOneError(body, 2, /same file as --body-file/);
    assert.equal(await Deno.readTextFile(list), text);
    assert.equal(server.total, 0);
  });
});

Deno.test("a rerun without --resume or --overwrite is refused; --overwrite starts again", async () => {
  await using server = countingServer();
  await withTempDir(async (dir) => {
    const path = `${dir}/run.ndjson`;
    const args = ["--url", `${server.url}{}`, "--count", "40", "--output", path, "--json"];
    assert.equal((await inProcess(args)).code, 0);
    const before = await Deno.readTextFile(path);
    assertOneError(await inProcess(args), 2, /already holds records.*--resume.*--overwrite/);
    assert.equal(await Deno.readTextFile(path), before);
    assert.equal(server.total, 40);
    const again = await inProcess([...args, "--overwrite"]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await readOutput(path)).records.length, 40);
    assert.equal(server.total, 80);
  });
});

Deno.test("a second run on the same output exits 2 at once", async () => {
  await using server = countingServer(20);
  await withTempDir(async (dir) => {
    const path = `${dir}/run.ndjson`;
    const args = [
      "--url",
      `${server.url}{}`,
      "--count",
      "400",
      "--concurrency",
      "4",
      "--output",
      path,
    ];
    const first = command([...args, "--json"]).spawn();
    // Requests are sent once the output is open and locked (the file exists a moment before).
    while (server.total === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await inProcess([...args, "--resume", "--json"]);
    assertOneError(second, 2, /another run is writing it/);
    first.kill("SIGINT");
    const { code } = await first.output();
    assert.equal(code, 130);
    const { records } = await readOutput(path);
    assert.equal(new Set(records.map((r) => r.index)).size, records.length);
  });
});

Deno.test("--resume after SIGKILL sends only what is missing; every index ends ok once", async () => {
  await using server = countingServer(10);
  await withTempDir(async (dir) => {
    const path = `${dir}/run.ndjson`;
    const count = 1500;
    const args = ["--url", `${server.url}{}`, "--count", `${count}`, "--concurrency", "8"];
    const child = command([...args, "--output", path, "--quiet"]).spawn();
    let lines = 0;
    for (let waited = 0; lines < 100 && waited < 20_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      lines = (await Deno.readTextFile(path).catch(() => "")).split("\n").length - 1;
    }
    child.kill("SIGKILL");
    await child.output();
    const sent = server.total;
    assert.ok(lines >= 100 && sent < count, `killed mid-run: ${lines} lines, ${sent} sent`);
    const text = await Deno.readTextFile(path);
    const done = new Set(
      text.split("\n").slice(0, text.endsWith("\n") ? -1 : -2).map((line) =>
        JSON.parse(line).index
      ),
    );

    const resumed = await inProcess([...args, "--output", path, "--resume", "--json"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(JSON.parse(resumed.stdout).count, count - done.size);
    assert.equal(server.total - sent, count - done.size, "only the missing requests are sent");
    for (const index of done) assert.equal(server.hits.get(`/${index}`), 1);
    const { records } = await readOutput(path);
    assert.equal(records.length, count);
    assert.deepEqual(records.map((r) => r.index).sort((a, b) => a - b), [...Array(count).keys()]);
    assert.ok(records.every((r) => r.error === undefined));

    const report = await inProcess(["report", "--json", path]);
    assert.equal(report.code, 0, report.stderr);
    const merged: SummaryJson = JSON.parse(report.stdout);
    assert.deepEqual([merged.count, merged.ok, merged.failed], [count, count, 0]);
  });
});

Deno.test("--resume cuts a torn last line, redoes failures and refuses another run's file", async () => {
  await using server = countingServer();
  await withTempDir(async (dir) => {
    const list = `${dir}/urls.txt`;
    await Deno.writeTextFile(
      list,
      Array.from({ length: 10 }, (_, i) => `${server.url}${i}\n`).join(""),
    );
    const path = `${dir}/run.ndjson`;
    const args = ["--urls", list, "--output", path, "--json"];
    assert.equal((await inProcess(args)).code, 0);
    const { records } = await readOutput(path);
    // Keep 0..5 with 4 failed, then a line cut short by a crash.
    const kept = records.filter((r) => r.index < 6).map((r) =>
      r.index === 4 ? { ...r, status: 503, error: "http_status" } : r
    );
    const torn = JSON.stringify(records.find((r) => r.index === 6)).slice(0, 30);
    await Deno.writeTextFile(
      path,
      kept.map((r) => JSON.stringify(r)).join("\n") + `\n${torn}`,
    );
    const before = server.total;

    const resumed = await inProcess([...args, "--resume"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(server.total - before, 5, "4, 6, 7, 8 and 9 are sent again");
    assert.equal((await readOutput(path)).records.length, 11);
    const report = JSON.parse((await inProcess(["report", "--json", path])).stdout);
    assert.deepEqual([report.count, report.ok], [10, 10]);

    const other = await inProcess([
      "--url",
      `${server.url}{}`,
      "--count",
      "10",
      "--output",
      path,
      "--resume",
    ]);
    assertOneError(
      other,
      2,
      /another run wrote it: the requests differ \(--urls sha256:[0-9a-f]{12} then, --url http.* now\)/,
    );
  });
});

Deno.test("--output - writes the records to stdout and the summary to stderr", async () => {
  await using server = countingServer();
  const output = await cli(["--url", `${server.url}{}`, "--count", "5", "--output", "-", "--json"]);
  assert.equal(output.code, 0, output.stderr);
  const lines = output.stdout.trimEnd().split("\n").map(parseLine);
  assert.deepEqual(lines.map((r) => r.index).sort(), [0, 1, 2, 3, 4]);
  assert.match(lines[0]!.run, /^[0-9a-f]{16}\/5$/);
  assert.equal(JSON.parse(output.stderr.trimEnd().split("\n").at(-1)!).count, 5);
});

Deno.test("report merges resumed and sharded files: last outcome per index, busy time", async () => {
  await withTempDir(async (dir) => {
    const hour = 3_600_000;
    const at = Date.UTC(2026, 0, 1);
    const record = (index: number, start: number, error?: string) =>
      JSON.stringify({
        index,
        url: `http://a/${index}`,
        status: error ? 503 : 200,
        start,
        ms: 500,
        bytes: 2,
        attempts: 1,
        ...(error ? { error } : {}),
        run: "0123456789abcdef/4",
      });
    // Shard 0 failed index 2, crashed, and was resumed an hour later; shard 1 ran alongside.
    await Deno.writeTextFile(
      `${dir}/0.ndjson`,
      [record(0, at), record(2, at + 200, "http_status"), record(2, at + hour), ""].join(
        "\n",
      ),
    );
    await Deno.writeTextFile(
      `${dir}/1.ndjson`,
      [record(1, at + 100), record(3, at + 300), '{"ind'].join("\n"),
    );
    const report = await inProcess(["report", "--json", `${dir}/0.ndjson`, `${dir}/1.ndjson`]);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stderr, /^warning: .*1\.ndjson' line 3 is cut short/m);
    const json: SummaryJson = JSON.parse(report.stdout);
    assert.deepEqual([json.count, json.ok, json.failed], [4, 4, 0]);
    assert.ok(json.seconds >= 0.8 && json.seconds <= 3, `busy ${json.seconds} s, not an hour`);

    await Deno.writeTextFile(
      `${dir}/bad.ndjson`,
      [record(0, at), "{oops", record(1, at), ""].join("\n"),
    );
    assertOneError(
      await inProcess(["report", `${dir}/bad.ndjson`]),
      2,
      /bad\.ndjson' line 2 .*--skip-bad/,
    );
    const skipped = await inProcess(["report", "--json", "--skip-bad", `${dir}/bad.ndjson`]);
    assert.equal(skipped.code, 1, skipped.stderr);
    assert.deepEqual(
      [JSON.parse(skipped.stdout).count, JSON.parse(skipped.stdout).missing],
      [2, 2],
      "indices 2 and 3 of the run's 4 were never recorded",
    );
    assert.match(skipped.stderr, /left out 1 line/);
  });
});
