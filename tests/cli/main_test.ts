import assert from "node:assert/strict";
import type { RequestRecord } from "../../runner/run.ts";
import { type FaultOptions, serveDelay } from "../../server.ts";
import type { SummaryJson } from "../../report/summary.ts";
import { cli, command, inProcess, type Output, RUN_TIMEOUT_MS, withTempDir } from "../_cli.ts";
import { until } from "../_wait.ts";

const decoder = new TextDecoder();

/** Parses stdout as exactly one JSON summary and checks that its figures agree. */
function summaryOf(output: Output): SummaryJson {
  assert.match(output.stdout, /^\{[^\n]*\}\n$/, "stdout holds one line of JSON");
  const json: SummaryJson = JSON.parse(output.stdout);
  for (
    const key of [
      "count",
      "ok",
      "failed",
      "seconds",
      "requestsPerSecond",
      "concurrency",
      "latencyMs",
      "status",
      "errors",
    ]
  ) {
    assert.ok(key in json, `the summary has ${key}`);
  }
  assert.ok(Number.isInteger(json.count) && json.count >= 0);
  assert.equal(json.ok + json.failed, json.count);
  assert.equal(sum(json.status), json.count);
  assert.equal(sum(json.errors), json.failed);
  assert.ok(json.seconds >= 0 && json.requestsPerSecond >= 0);
  const { p50, p90, p99, max } = json.latencyMs!;
  assert.ok(0 <= p50 && p50 <= p90 && p90 <= p99 && p99 <= max, JSON.stringify(json.latencyMs));
  return json;
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((total, count) => total + count, 0);
}

/** Reads an NDJSON output file of records only, ending with a newline; null fields left out. */
async function readOutput(path: string): Promise<RequestRecord[]> {
  const text = await Deno.readTextFile(path);
  if (text === "") return [];
  assert.ok(text.endsWith("\n"), "the output file ends with a complete line");
  return text.slice(0, -1).split("\n").map((line) =>
    JSON.parse(line, (_, value) => value === null ? undefined : value)
  );
}

/** The records' indices, sorted, after checking that none is recorded twice. */
function indicesOf(records: RequestRecord[]): number[] {
  const seen = new Set<number>();
  for (const { index } of records) {
    assert.ok(!seen.has(index), `index ${index} is recorded once`);
    seen.add(index);
  }
  return [...seen].sort((a, b) => a - b);
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

/** Checks the shape of a bad-usage exit: code 2, one `error:` line, no stack trace. */
function assertUsageError(output: Output, message: RegExp): void {
  assert.equal(output.code, 2, output.stderr);
  assert.match(output.stderr, /^error: [^\n]+\n$/);
  assert.match(output.stderr, message);
  assert.ok(!output.stderr.includes("    at "), output.stderr);
  assert.equal(output.stdout, "");
}

/** A server that counts the requests it gets. */
function countingServer() {
  let hits = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    hits++;
    return new Response("ok");
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    get hits() {
      return hits;
    },
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

Deno.test("main.ts exits 0 when every request succeeds", async () => {
  const output = await cli(["--count", "200", "--max-delay", "0"]);
  assert.equal(output.code, 0, output.stderr);
  assert.match(output.stdout, /^requests +200 \(200 ok, 0 failed\)$/m);
});

Deno.test("main.ts exits 1 when some requests fail", async () => {
  await using server = serveDelay({ maxDelay: 0, faults: { error: 0.3 } });
  const output = await inProcess(["--url", `${server.url}{}`, "--count", "200", "--json"]);
  assert.equal(output.code, 1, output.stderr);
  const json = summaryOf(output);
  assert.equal(json.count, 200);
  assert.ok(json.failed > 0 && json.ok > 0, output.stdout);
});

Deno.test("main.ts exits 2 with a one-line error and sends nothing on bad usage", async () => {
  await using server = countingServer();
  const url = `${server.url}{}`;
  await withTempDir(async (dir) => {
    const list = `${dir}/urls.txt`;
    await Deno.writeTextFile(list, `${server.url}a\n# comment\nnot a url\n${server.url}b\n`);
    const cases: [string[], RegExp][] = [
      [["--url", url, "--count", "-1"], /--count/],
      [["--url", url, "--count", "0"], /--count '0'/],
      [["--url", url, "--output", `${dir}/missing/run.ndjson`], /Cannot write/],
      [["--url", url, "--output", dir], /Cannot write/],
      [["--url", url, "--timeout", "25h"], /--timeout '25h': the most is 86400 s/],
      [["--url", url, "--timeout", "1e10"], /--timeout '1e10': it must be a positive time/],
      [["--url", url, "--timeout", "30s1m"], /--timeout '30s1m'/],
      [["--url", url, url], /give one URL, on its own or with --url/],
      [["--url", url, "--retries", "1000"], /--retries 1000: the most is 100/],
      [["--url", url, "--body", "x"], /GET\/HEAD method cannot have body/],
      [["--url", url, "--header", "X-Bad: a\u0001b"], /header/i],
      [["--urls", dir], /is a directory/],
      [["report", dir], /is a directory/],
      [["--url", url, "--count", "0.5"], /--count '0\.5'/],
      [["--url", url, "--retries", "1.5"], /--retries '1\.5'/],
      [["--url", url, "--workers", "0"], /--workers '0'/],
      [["--url", url, "--count", "abc"], /--count 'abc'/],
      [["--url", url, "--bogus"], /^error: Unknown option '--bogus'; see --help\n$/],
      [["--url", url, "--concurrency", "0"], /--concurrency '0'/],
      [["--url", url, "--concurrency", "10000000"], /--concurrency 10000000/],
      [["--url", "ftp://x/"], /'ftp:\/\/x\/'.*http or https/],
      [["--url", "not a url"], /'not a url'.*absolute URL/],
      [["--urls", "/nonexistent"], /'\/nonexistent'.*does not exist/],
      [["--url", url, "--count"], /^error: --count needs a value; see --help$/m],
      [["--url", url, "--shard", "4/4"], /shard '4\/4'/],
      [["--max-delay", "-1"], /--max-delay/],
      [["--max-delay=-1"], /--max-delay '-1'/],
      [["--url", url, "--timeout", "0"], /--timeout '0'/],
      [["--url", url, "--header", "nocolon"], /header "nocolon"/],
      [["--urls", list], /urls\.txt: Line 3: .*'not a url'/],
    ];
    for (const [args, message] of cases) {
      assertUsageError(await inProcess(args), message);
      assert.equal(server.hits, 0, `main.ts ${args.join(" ")} sent no request`);
    }
    // The same through a process: its exit code, and one line on its standard error.
    const processes = await Promise.all(cases.slice(0, 2).map(([args]) => cli(args)));
    for (const [i, output] of processes.entries()) assertUsageError(output, cases[i]![1]);
    assert.equal(server.hits, 0);
  });
});

Deno.test("main.ts --json prints one summary object whose figures agree", async () => {
  const output = await cli(["--count", "200", "--max-delay", "0", "--json"]);
  assert.equal(output.code, 0, output.stderr);
  const json = summaryOf(output);
  assert.equal(json.count, 200);
  assert.equal(json.ok, 200);
  assert.equal(json.failed, 0);
  assert.deepEqual(json.status, { 200: 200 });
  assert.deepEqual(json.errors, {});
  assert.ok(Number.isInteger(json.concurrency) && json.concurrency! >= 1);
  assert.ok(json.concurrency! <= 200);
});

Deno.test("main.ts --output writes one NDJSON record per request", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/run.ndjson`;
    const output = await cli(["--count", "300", "--max-delay", "0.01", "--output", path]);
    assert.equal(output.code, 0, output.stderr);
    const records = await readOutput(path);
    assert.equal(records.length, 300);
    assert.deepEqual(indicesOf(records), range(300));
    for (const record of records) {
      assert.deepEqual(Object.keys(record).sort(), [
        "attempts",
        "bytes",
        "delay",
        "index",
        "ms",
        "run",
        "start",
        "status",
        "url",
      ]);
      assert.match(record.url, new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${record.index}$`));
      assert.equal(record.status, 200);
      assert.ok(record.delay! >= 0 && record.delay! <= 0.01, `delay ${record.delay}`);
      const body = `<html><body>${record.index} with delay ${record.delay}</body></html>`;
      assert.equal(record.bytes, body.length);
      assert.ok(record.ms >= record.delay! * 1000 - 1, `ms ${record.ms}, delay ${record.delay}`);
      assert.ok(Math.abs(record.start - Date.now()) < 60_000);
      assert.equal(record.attempts, 1);
    }
  });
});

const FAULT_CASES: {
  fault: keyof FaultOptions;
  kind: string;
  statuses: number[];
  args: string[];
}[] = [
  { fault: "error", kind: "http_status", statuses: [500, 503], args: [] },
  // More than 100 header lines: h1, the default engine, refuses them as `protocol`.
  { fault: "drop", kind: "protocol", statuses: [0], args: [] },
  { fault: "truncate", kind: "truncated", statuses: [200], args: [] },
  { fault: "hang", kind: "timeout", statuses: [0], args: ["--timeout", "0.5"] },
];

for (const { fault, kind, statuses, args } of FAULT_CASES) {
  Deno.test(`main.ts records a server's ${fault} faults as ${kind} failures`, async () => {
    await using server = serveDelay({ maxDelay: 0, seed: 3, faults: { [fault]: 0.3 } });
    await withTempDir(async (dir) => {
      const path = `${dir}/run.ndjson`;
      const output = await inProcess([
        "--url",
        `${server.url}{}`,
        "--count",
        "200",
        "--json",
        "--output",
        path,
        ...args,
      ]);
      assert.equal(output.code, 1, output.stderr);
      const json = summaryOf(output);
      const records = await readOutput(path);
      assert.deepEqual(indicesOf(records), range(200));
      const failed = records.filter((record) => record.error !== undefined);
      assert.ok(failed.length > 0 && failed.length < 200, `${failed.length} failed`);
      assert.deepEqual(json.errors, { [kind]: failed.length });
      assert.equal(json.ok, 200 - failed.length);
      for (const record of failed) {
        assert.equal(record.error, kind);
        assert.ok(statuses.includes(record.status), `status ${record.status} after ${fault}`);
        assert.equal(record.attempts, 1);
      }
      for (const record of records.filter((record) => record.error === undefined)) {
        assert.equal(record.status, 200);
      }
    });
  });
}

Deno.test("main.ts --retries turns transient failures into successes, one record each", async () => {
  const options = { maxDelay: 0, seed: 5, faults: { error: 0.5 }, retryAfter: 0 };
  await using once = serveDelay(options);
  await using again = serveDelay(options);
  await withTempDir(async (dir) => {
    const path = `${dir}/run.ndjson`;
    const args = ["--count", "200", "--json"];
    const [first, retried] = await Promise.all([
      inProcess(["--url", `${once.url}{}`, ...args]),
      inProcess(["--url", `${again.url}{}`, ...args, "--retries", "3", "--output", path]),
    ]);
    const without = summaryOf(first);
    const with3 = summaryOf(retried);
    assert.ok(with3.ok > without.ok, `${with3.ok} ok with retries, ${without.ok} without`);
    const records = await readOutput(path);
    assert.deepEqual(indicesOf(records), range(200));
    const multiple = records.filter((record) => record.attempts > 1);
    assert.ok(multiple.length > 0);
    assert.equal(with3.retried, multiple.length);
    assert.ok(multiple.some((record) => record.error === undefined && record.status === 200));
    for (const record of records) {
      assert.ok(record.attempts >= 1 && record.attempts <= 4, `${record.attempts} attempts`);
      // 503 is transient and retried until the attempts run out; 500 is not.
      if (record.status === 503) assert.equal(record.attempts, 4);
      if (record.attempts === 1 && record.error) assert.equal(record.status, 500);
    }
  });
});

Deno.test("main.ts --verbose prints '{date}:{url} {status} with delay {delay} ({ms} ms)' per response", async () => {
  const output = await cli(["--count", "50", "--max-delay", "0", "--verbose"]);
  assert.equal(output.code, 0, output.stderr);
  const lines = output.stdout.split("\n");
  const pattern =
    /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z):(http:\/\/127\.0\.0\.1:\d+\/(\d+)) 200 with delay 0 \(\d+ ms\)$/;
  const indices = lines.slice(0, 50).map((line) => {
    const match = pattern.exec(line);
    assert.ok(match, line);
    assert.ok(!Number.isNaN(Date.parse(match[1]!)));
    return Number(match[3]);
  });
  assert.deepEqual(indices.sort((a, b) => a - b), range(50));
  assert.match(lines[50]!, /^requests +50 \(50 ok, 0 failed\)$/);
});

Deno.test("main.ts --verbose --json keeps stdout for the summary and prints lines to stderr", async () => {
  const output = await cli(["--count", "20", "--max-delay", "0", "--verbose", "--json"]);
  assert.equal(output.code, 0, output.stderr);
  assert.equal(summaryOf(output).count, 20);
  const lines = output.stderr.split("\n").filter((line) => line.includes(" with delay "));
  assert.equal(lines.length, 20);
});

Deno.test("main.ts --shard runs cover every index once and report adds them up", async () => {
  await using server = serveDelay({ maxDelay: 0, faults: { error: 0.2 } });
  await withTempDir(async (dir) => {
    const files = [0, 1, 2].map((i) => `${dir}/shard-${i}.ndjson`);
    const outputs = await Promise.all(files.map((file, i) =>
      inProcess([
        "--url",
        `${server.url}{}`,
        "--count",
        "100",
        "--shard",
        `${i}/3`,
        "--output",
        file,
        "--json",
      ])
    ));
    const shards = outputs.map(summaryOf);
    const records = [];
    for (const [i, file] of files.entries()) {
      const shard = await readOutput(file);
      assert.ok(shard.every((record) => record.index % 3 === i));
      assert.equal(shard.length, shards[i]!.count);
      records.push(...shard);
    }
    assert.deepEqual(indicesOf(records), range(100));

    const report = await inProcess(["report", ...files, "--json"]);
    const total = summaryOf(report);
    assert.equal(report.code, total.failed > 0 ? 1 : 0);
    assert.equal(total.count, 100);
    assert.equal(total.ok, shards.reduce((ok, shard) => ok + shard.ok, 0));
    assert.equal(total.failed, shards.reduce((failed, shard) => failed + shard.failed, 0));
    const status: Record<string, number> = {};
    for (const shard of shards) {
      for (const [code, count] of Object.entries(shard.status)) {
        status[code] = (status[code] ?? 0) + count;
      }
    }
    assert.deepEqual(total.status, status);
    assert.ok(total.failed > 0, "the server's faults show in the report");
  });
});

Deno.test("main.ts report exits 2 naming the line that is not a record", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/bad.ndjson`;
    const record = {
      index: 0,
      url: "http://a/",
      status: 200,
      start: 1,
      ms: 2,
      bytes: 3,
      attempts: 1,
    };
    await Deno.writeTextFile(path, `${JSON.stringify(record)}\n{"index": 1,\n`);
    assertUsageError(await inProcess(["report", path]), /bad\.ndjson' line 2\b/);
  });
});

Deno.test("main.ts --shard with --urls FILE and --urls - covers every line once", async () => {
  await using server = countingServer();
  const urls = range(60).map((i) => `${server.url}page/${i}`);
  const text = `# targets\n\n${urls.join("\n")}\n`;
  await withTempDir(async (dir) => {
    const list = `${dir}/urls.txt`;
    await Deno.writeTextFile(list, text);
    for (const from of ["file", "stdin"] as const) {
      const files = [0, 1, 2].map((i) => `${dir}/${from}-${i}.ndjson`);
      const outputs = await Promise.all(files.map((file, i) => {
        const args = ["--urls", from === "file" ? list : "-", "--shard", `${i}/3`];
        return cli([...args, "--output", file, "--json"], from === "file" ? {} : { stdin: text });
      }));
      const records = [];
      for (const [i, file] of files.entries()) {
        assert.equal(outputs[i]!.code, 0, outputs[i]!.stderr);
        const shard = await readOutput(file);
        assert.equal(summaryOf(outputs[i]!).count, shard.length);
        for (const record of shard) {
          assert.equal(record.index % 3, i);
          assert.equal(record.url, urls[record.index]);
        }
        records.push(...shard);
      }
      assert.deepEqual(indicesOf(records), range(60));
    }
    assert.equal(server.hits, 120);
  });
});

for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
  Deno.test(`main.ts on ${signal} exits ${code} with a summary and a complete output file`, async () => {
    await withTempDir(async (dir) => {
      const path = `${dir}/run.ndjson`;
      // 50 at a time, 0-0.2 s each: running, unhurried, when the signal comes.
      const args = ["--count", "100000", "--concurrency", "50", "--max-delay", "0.2"];
      args.push("--output", path, "--json");
      // SIGINT stops two runner threads; SIGTERM, one.
      const child = command(args, { workers: signal === "SIGINT" ? 2 : 1 }).spawn();
      const output = child.output();
      let size = 0;
      await until(async () => {
        size = (await Deno.readTextFile(path).catch(() => "")).split("\n").length - 1;
        return size >= 2;
      }, "the first record is written");
      child.kill(signal);
      const hung = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
      const { code: exit, stdout, stderr } = await output.finally(() => clearTimeout(hung));
      const result = { code: exit, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
      assert.ok(size > 0, "the run made progress before the signal");
      assert.equal(result.code, code, result.stderr);
      assert.match(result.stderr, /interrupted/);
      const json = summaryOf(result);
      const records = await readOutput(path);
      assert.ok(json.count > 0 && json.count < 100_000, `${json.count} finished`);
      assert.equal(records.length, json.count);
      indicesOf(records);
    });
  });
}

Deno.test("main.ts stops at once on Ctrl-C while a URL list on standard input is idle", async () => {
  await using server = countingServer();
  const child = command(["--urls", "-", "--json", "--quiet"], { stdin: "" }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(`${server.url}a\n${server.url}b\n`));
  await until(() => server.hits === 2, "both requests arrived");
  const interrupted = performance.now();
  child.kill("SIGINT");
  const { code, stdout } = await child.output();
  await writer.close().catch(() => {});
  assert.equal(code, 130);
  assert.equal(JSON.parse(decoder.decode(stdout)).ok, 2, "the two finished requests are counted");
  assert.ok(performance.now() - interrupted < 5_000, "did not wait for standard input to close");
});

Deno.test("main.ts reads a URL list from a pipe named as a file", async () => {
  await using server = countingServer();
  const output = await cli(["--urls", "/dev/stdin", "--json"], {
    stdin: `${server.url}a\n${server.url}b\n${server.url}c\n`,
  });
  assert.equal(output.code, 0, output.stderr);
  assert.equal(summaryOf(output).ok, 3);
});

Deno.test("main.ts exits at once on a second Ctrl-C", async () => {
  let hits = 0;
  const answer = Promise.withResolvers<void>();
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    hits++;
    await answer.promise;
    return new Response("late");
  });
  try {
    const url = `http://127.0.0.1:${server.addr.port}/{}`;
    const child = command(["--url", url, "--count", "100", "--concurrency", "10"]).spawn();
    const stdout = new Response(child.stdout).text();
    const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    await until(() => hits === 10, "ten requests hang");
    child.kill("SIGINT");
    let text = "";
    while (!text.includes("interrupted")) {
      const { value, done } = await stderr.read();
      assert.ok(!done, `the first Ctrl-C is announced: ${text}`);
      text += value;
    }
    const second = performance.now();
    child.kill("SIGINT");
    const [{ code }] = await Promise.all([child.status, stdout, stderr.cancel()]);
    // The first interrupt alone would wait out a 2 s grace period for the hung requests.
    assert.equal(code, 130);
    assert.ok(performance.now() - second < 1000, "exited within a second of the second Ctrl-C");
  } finally {
    answer.resolve();
  }
});

Deno.test("main.ts sends the method, headers and body it is given", async () => {
  const seen = new Set<string>();
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      seen.add(
        `${request.method} ${request.headers.get("x-one")} ${
          request.headers.get("x-two")
        } ${await request.text()}`,
      );
      return new Response("ok");
    },
  );
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/body.json`, '{"hello":1}');
    const url = `http://127.0.0.1:${server.addr.port}/{}`;
    const common = [
      "--url",
      url,
      "--count",
      "20",
      "--header",
      "X-One: 1",
      "--header",
      "x-two:two words",
    ];
    const fromFile = await inProcess([
      ...common,
      "--method",
      "put",
      "--body-file",
      `${dir}/body.json`,
    ]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    const inline = await inProcess([...common, "--method", "POST", "--body", "text"]);
    assert.equal(inline.code, 0, inline.stderr);
  });
  assert.deepEqual([...seen].sort(), ["POST 1 two words text", 'PUT 1 two words {"hello":1}']);
});

Deno.test("main.ts fits its concurrency under ulimit -n 1024 and says so", async () => {
  const output = await cli(["--count", "2000", "--max-delay", "0", "--json"], {
    fileLimit: 1024,
  });
  assert.equal(output.code, 0, output.stderr);
  const json = summaryOf(output);
  assert.equal(json.ok, 2000);
  assert.ok(json.concurrency! < 1000);
  assert.match(output.stderr, /^note: lowering concurrency .*ulimit -n \d+/m);
});

Deno.test("main.ts neither crashes nor hangs under ulimit -n 256 with --concurrency 1000", async () => {
  const args = ["--concurrency", "1000", "--count", "1000", "--max-delay", "0", "--json"];
  const output = await cli(args, { fileLimit: 256 });
  assert.equal(output.code, 0, output.stderr);
  assert.equal(summaryOf(output).ok, 1000);
});

Deno.test("main.ts fits its concurrency under ulimit -n 256 aimed at another server", async () => {
  await using server = serveDelay({ maxDelay: 0 });
  const args = ["--url", `${server.url}{}`, "--concurrency", "1000", "--count", "1000", "--json"];
  const output = await cli(args, { fileLimit: 256 });
  assert.equal(output.code, 0, output.stderr);
  const json = summaryOf(output);
  assert.equal(json.ok, 1000);
  assert.ok(json.concurrency! < 1000);
  assert.match(output.stderr, /^note: lowering concurrency .*ulimit -n \d+/m);
});

Deno.test("main.ts runs with only --allow-net", async () => {
  // Two runner threads and the bundled server's: a worker cannot load its module without read
  // permission, so each runs on the main thread instead, and says so.
  const output = await cli(["--count", "200", "--max-delay", "0"], {
    permissions: ["--allow-net"],
    timeout: 20_000,
    workers: 2,
  });
  assert.equal(output.code, 0, output.stderr);
  assert.match(output.stdout, /^requests +200 \(200 ok, 0 failed\)$/m);
  assert.match(output.stderr, /^note: the client runs on the main thread: .*--allow-read/m);
  assert.match(output.stderr, /^note: the bundled server runs on the main thread: .*--allow-read/m);
});

Deno.test("main.ts --output without write permission exits 2 instead of prompting", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/run.ndjson`;
    const output = await cli(["--count", "200", "--max-delay", "0", "--output", path], {
      permissions: ["--allow-net"],
      timeout: 20_000,
    });
    assertUsageError(output, /write permission/);
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
  });
});
