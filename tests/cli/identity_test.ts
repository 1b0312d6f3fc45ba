import assert from "node:assert/strict";
import { assertOneError, cli, inProcess, withTempDir } from "../_cli.ts";

/** A server that counts the requests it answers. */
function countingServer() {
  let total = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    total++;
    const path = new URL(request.url).pathname;
    return new Response(`body of ${path}`, { status: path.endsWith("/7") ? 503 : 200 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    get total() {
      return total;
    },
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

const FIELDS = [
  "index",
  "url",
  "status",
  "start",
  "ms",
  "bytes",
  "attempts",
  "error",
  "detail",
  "file",
  "delay",
  "due",
  "late",
  "run",
];

Deno.test("--output holds records only, every field on every line, the run's id on each", async () => {
  await using server = countingServer();
  await withTempDir(async (dir) => {
    const path = `${dir}/run.ndjson`;
    const run = await inProcess(["--url", `${server.url}{}`, "--count", "12", "--output", path]);
    assert.equal(run.code, 1, run.stderr);
    const lines = (await Deno.readTextFile(path)).trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, 12);
    for (const line of lines) {
      assert.deepEqual(Object.keys(line), FIELDS);
      assert.match(line.run, /^[0-9a-f]{16}\/12$/);
      assert.equal(line.run, lines[0].run);
      assert.ok((String(line.ms).split(".")[1] ?? "").length <= 3, `ms ${line.ms} to the µs`);
      assert.equal(line.error, line.index === 7 ? "http_status" : null);
    }
    const description = JSON.parse(await Deno.readTextFile(`${path}.run.json`));
    assert.equal(description.run, lines[0].run);
    assert.deepEqual(description.identity, {
      requests: `--url ${server.url}{}`,
      count: 12,
      method: "GET",
      headers: null,
      body: null,
      shard: null,
    });
  });
});

Deno.test("--resume against another run exits 2 saying what differs, and touches nothing", async () => {
  await using server = countingServer();
  await withTempDir(async (dir) => {
    const list = `${dir}/urls.txt`;
    const urls = Array.from({ length: 30 }, (_, i) => `${server.url}${i}`);
    await Deno.writeTextFile(list, urls.join("\n") + "\n");
    const path = `${dir}/run.ndjson`;
    const args = ["--urls", list, "--output", path, "--json"];
    assert.equal((await inProcess(args)).code, 1);
    // Keep the first ten records, as a run killed early leaves them.
    const text = (await Deno.readTextFile(path)).split("\n").slice(0, 10).join("\n") + "\n";
    await Deno.writeTextFile(path, text + '{"index":2');
    const describedBefore = await Deno.readTextFile(`${path}.run.json`);
    const sent = server.total;
    const unchanged = async () => {
      assert.equal(await Deno.readTextFile(path), text + '{"index":2', "the output is untouched");
      assert.equal(await Deno.readTextFile(`${path}.run.json`), describedBefore);
      assert.equal(server.total, sent, "nothing was sent");
    };

    // The same URLs in another order: another run, however alike its file name.
    await Deno.writeTextFile(list, urls.toReversed().join("\n") + "\n");
    assertOneError(
      await inProcess([...args, "--resume"]),
      2,
      /Cannot resume '.*run\.ndjson' as another run wrote it: the --urls content differs \(--urls sha256:[0-9a-f]{12} then, --urls sha256:[0-9a-f]{12} now\); start again with --overwrite/,
    );
    await unchanged();
    await Deno.writeTextFile(list, urls.join("\n") + "\n");
    assertOneError(
      await inProcess([...args, "--resume", "--method", "HEAD", "--header", "X-A: 1"]),
      2,
      /--method GET then, HEAD now; the --header values differ/,
    );
    assertOneError(
      await inProcess([...args, "--resume", "--shard", "1/2"]),
      2,
      /--shard unset then, 1\/2 now/,
    );
    await unchanged();
    // Without the description beside it, the records' run id still tells.
    await Deno.remove(`${path}.run.json`);
    await Deno.writeTextFile(list, urls.toReversed().join("\n") + "\n");
    assertOneError(
      await inProcess([...args, "--resume"]),
      2,
      /another run wrote it: run [0-9a-f]{16}\/30 then, [0-9a-f]{16}\/30 now \(its description.*missing/,
    );
    await Deno.writeTextFile(list, urls.join("\n") + "\n");
    const resumed = await inProcess([...args, "--resume"]);
    assert.equal(resumed.code, 1, resumed.stderr);
    assert.equal(JSON.parse(resumed.stdout).count, 21, "20 never made and 7 failed");
  });

  await using again = countingServer();
  await withTempDir(async (dir) => {
    const path = `${dir}/run.ndjson`;
    const args = ["--url", `${again.url}{}`, "--output", path, "--json"];
    assert.equal((await inProcess([...args, "--count", "5"])).code, 0);
    const before = await Deno.readTextFile(path);
    assertOneError(
      await inProcess([...args, "--count", "6", "--resume"]),
      2,
      /another run wrote it: --count 5 then, 6 now/,
    );
    assert.equal(await Deno.readTextFile(path), before);
    assert.equal(again.total, 5);
  });
});

Deno.test("report refuses outputs of different runs, naming the files", async () => {
  await using server = countingServer();
  await withTempDir(async (dir) => {
    for (const name of ["a", "b"]) {
      await Deno.writeTextFile(
        `${dir}/${name}.txt`,
        Array.from({ length: 10 }, (_, i) => `${server.url}${name}/${i}\n`).join(""),
      );
      await inProcess(["--urls", `${dir}/${name}.txt`, "--output", `${dir}/${name}.ndjson`]);
    }
    assertOneError(
      await inProcess(["report", `${dir}/a.ndjson`, `${dir}/b.ndjson`]),
      2,
      /Cannot report on records of different runs: '.*a\.ndjson' line 1 is of run [0-9a-f]{16}\/10, '.*b\.ndjson' line 1 is of run [0-9a-f]{16}\/10; report each run on its own/,
    );
    await Deno.writeTextFile(`${dir}/final.ndjson`, "kept\n");
    const refused = await cli([
      "report",
      "--final",
      `${dir}/final.ndjson`,
      `${dir}/a.ndjson`,
      `${dir}/b.ndjson`,
    ]);
    assert.equal(refused.code, 2);
    assert.equal(await Deno.readTextFile(`${dir}/final.ndjson`), "kept\n", "left as it was");
  });
});

Deno.test("report of an unfinished run says what is missing and exits 1; shards cat into report -", async () => {
  await using server = countingServer();
  await withTempDir(async (dir) => {
    const shards = [0, 1, 2].map((shard) => `${dir}/shard-${shard}.ndjson`);
    for (const [shard, path] of shards.entries()) {
      const run = await inProcess([
        "--url",
        `${server.url}x{}`,
        "--count",
        "30",
        "--shard",
        `${shard}/3`,
        "--output",
        path,
      ]);
      assert.equal(run.code, 0, run.stderr);
    }
    const two = await inProcess(["report", shards[0]!, shards[2]!]);
    assert.equal(two.code, 1, two.stderr);
    assert.match(two.stdout, /^missing +10 of 30 never recorded/m);
    const twoJson = await inProcess(["report", "--json", shards[0]!, shards[2]!]);
    assert.equal(twoJson.code, 1);
    assert.deepEqual(
      [JSON.parse(twoJson.stdout).count, JSON.parse(twoJson.stdout).missing],
      [20, 10],
    );

    const text = (await Promise.all(shards.map((path) => Deno.readTextFile(path)))).join("");
    const all = await cli(["report", "--json", "-"], { stdin: text });
    assert.equal(all.code, 0, all.stderr);
    const json = JSON.parse(all.stdout);
    assert.deepEqual([json.count, json.ok, json.missing], [30, 30, 0]);
    assert.equal(all.stderr, "");
  });
});

Deno.test("report --final writes each index's last record, in index order", async () => {
  await using server = countingServer();
  await withTempDir(async (dir) => {
    const path = `${dir}/run.ndjson`;
    const args = ["--url", `${server.url}{}`, "--count", "10", "--output", path];
    assert.equal((await inProcess([...args, "--concurrency", "3"])).code, 1);
    // Index 7 failed; the resume makes it again (and it fails again), so it has two records.
    assert.equal((await inProcess([...args, "--resume"])).code, 1);
    const lines = (await Deno.readTextFile(path)).trimEnd().split("\n");
    assert.equal(lines.length, 11);
    const final = `${dir}/final.ndjson`;
    const report = await inProcess(["report", "--final", final, path]);
    assert.equal(report.code, 1, report.stderr);
    const exported = (await Deno.readTextFile(final)).trimEnd().split("\n");
    assert.deepEqual(exported.map((line) => JSON.parse(line).index), [...Array(10).keys()]);
    assert.equal(exported[7], lines[10], "the last record of index 7, line for line");
    for (const line of exported) assert.ok(lines.includes(line));

    const toStdout = await cli(["report", "--json", "--final", "-", path]);
    assert.equal(toStdout.stdout, exported.join("\n") + "\n");
    assert.equal(JSON.parse(toStdout.stderr).count, 10);
    assertOneError(
      await inProcess(["report", "--final", path, path]),
      2,
      /same file as a report's input/,
    );
    assert.equal((await Deno.readTextFile(path)).trimEnd().split("\n").length, 11);
  });
});

Deno.test("a duration run's records name no count; a resume's notice quotes the file once", async () => {
  await using server = countingServer();
  await withTempDir(async (dir) => {
    const path = `${dir}/run.ndjson`;
    const args = ["--url", `${server.url}{}`, "--rate", "40", "--duration", "0.3"];
    const run = await inProcess([...args, "--output", path, "--json"]);
    assert.ok(run.code === 0 || run.code === 1, run.stderr);
    const lines = (await Deno.readTextFile(path)).trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.ok(lines.length > 0);
    for (const line of lines) {
      assert.match(line.run, /^[0-9a-f]{16}$/);
      assert.equal(typeof line.due, "number");
    }
    const description = JSON.parse(await Deno.readTextFile(`${path}.run.json`));
    assert.equal(description.identity.count, null);

    const counted = `${dir}/counted.ndjson`;
    const countedArgs = ["--url", `${server.url}{}`, "--count", "9", "--output", counted];
    await inProcess(countedArgs);
    const resumed = await inProcess([...countedArgs, "--resume"]);
    assert.match(resumed.stderr, /^note: resuming '[^']*counted\.ndjson': 8 requests finished ok/m);
  });
});
