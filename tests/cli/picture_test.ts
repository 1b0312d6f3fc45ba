/**
 * The picture of a run from the command line: the summary's new fields over
 * real runs and 30,000 synthetic records, `--fail-if` thresholds with their
 * exit codes, and the HTML report.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { SummaryJson } from "../../report/summary.ts";
import type { ThresholdResult } from "../../report/thresholds.ts";
import { cli, inProcess } from "../_cli.ts";

type Json = SummaryJson & { thresholds?: ThresholdResult[] };

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/**
 * Writes `count` synthetic records over about 100 seconds: 10,000 distinct
 * hosts behind one busy host, one in 20 failing (timeouts and 503s).
 */
async function writeSynthetic(path: string, count: number): Promise<void> {
  const lines: string[] = [];
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < count; i++) {
    const host = i % 2 === 0 ? "busy.example" : `h${i % 10_000}.example`;
    const start = t0 + (i * 100_000) / count;
    const ms = 5 + ((i * 7919) % 1000) / 10;
    const base = `"index":${i},"url":"http://${host}/${i}","start":${start},"ms":${ms}`;
    lines.push(
      i % 40 === 1
        ? `{${base},"status":0,"bytes":0,"attempts":1,"error":"timeout","detail":"no answer in 30 s"}`
        : i % 40 === 3
        ? `{${base},"status":503,"bytes":9,"attempts":1,"error":"http_status","detail":"503 Service Unavailable"}`
        : `{${base},"status":200,"bytes":100,"attempts":1}`,
    );
  }
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
}

Deno.test("main.ts --fail-if passes (exit 0) and crosses (exit 4, named) on a real run", async () => {
  const held = await cli([
    "--count",
    "100",
    "--max-delay",
    "0",
    "--quiet",
    "--json",
    "--fail-if",
    "p99>30s",
    "--fail-if",
    "errors>0",
    "--fail-if",
    "count<100",
  ]);
  assert.equal(held.code, 0, held.stderr);
  const json: Json = JSON.parse(held.stdout);
  assert.deepEqual(json.thresholds?.map((result) => result.crossed), [false, false, false]);
  assert.equal(json.thresholds?.[2]?.value, 100);

  const crossed = await cli([
    "--count",
    "100",
    "--max-delay",
    "0",
    "--quiet",
    "--fail-if",
    "p50>=0ms",
    "--fail-if",
    "errors>1%",
  ]);
  assert.equal(crossed.code, 4, crossed.stderr);
  assert.match(crossed.stdout, /^threshold +crossed p50>=0ms \(measured [\d.]+ ms\)$/m);
  assert.match(crossed.stdout, /^threshold +passed errors>1% \(measured 0%\)$/m);
  assert.doesNotMatch(crossed.stdout, /held|CROSSED/);
});

Deno.test("main.ts report --fail-if checks the records' thresholds", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/run.ndjson`;
    await writeSynthetic(file, 1000);
    const crossed = await inProcess(["report", file, "--fail-if", "errors > 2%"]);
    assert.equal(crossed.code, 4, crossed.stderr);
    assert.match(crossed.stdout, /crossed errors>2% \(measured 5%\)/);
    const held = await inProcess(["report", file, "--fail-if", "errors>6%", "--fail-if", "p90<1s"]);
    assert.equal(held.code, 4, "p90<1s is crossed");
    // Thresholds decide the exit: all passed is 0, though 5% of the requests failed.
    const only = await inProcess(["report", file, "--fail-if", "errors>6%"]);
    assert.equal(only.code, 0, only.stderr);
    assert.match(only.stdout, /^threshold +passed errors>6% \(measured 5%\)$/m);
    const none = await inProcess(["report", file]);
    assert.equal(none.code, 1, "no thresholds: 1 as some requests failed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main.ts exits 2 with one line and sends nothing on a bad --fail-if", async () => {
  let hits = 0;
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    hits++;
    return new Response("ok");
  });
  // Every kind of bad expression is in thresholds_test.ts; here, that the CLI stops at one.
  for (const expression of ["p99>500", "errors>1ms"]) {
    const url = `http://127.0.0.1:${server.addr.port}/{}`;
    for (const args of [["--url", url, "--count", "5"], ["report", "-"]]) {
      const output = await inProcess([...args, "--fail-if", expression]);
      assert.equal(output.code, 2, `${expression}: ${output.stderr}`);
      assert.match(output.stderr, /^error: Cannot use threshold '[^\n]+\n$/);
      assert.equal(output.stdout, "");
    }
  }
  assert.equal(hits, 0);
});

Deno.test("main.ts report of 30,000 records: counts add up, failures apart, hosts bounded; its HTML is small", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/run.ndjson`;
    const html = `${dir}/report.html`;
    await writeSynthetic(file, 30_000);
    const output = await inProcess([
      "report",
      "--json",
      file,
      "--html",
      html,
      "--fail-if",
      "p99>2s",
      "--fail-if",
      "errors>1%",
    ]);
    assert.equal(output.code, 4, output.stderr);
    const json: Json = JSON.parse(output.stdout);
    assert.equal(json.count, 30_000);
    assert.equal(json.failed, 1_500);
    assert.equal(json.ok, 28_500);
    assert.deepEqual(json.errors, { http_status: 750, timeout: 750 });
    assert.deepEqual(json.errorDetails.timeout, [{ detail: "no answer in 30 s", count: 750 }]);
    assert.equal(sum(json.latencyMs!.histogram.counts), json.ok);
    assert.equal(json.latencyMs!.min, 5);
    assert.ok(json.latencyMs!.max >= 104 && json.latencyMs!.max <= 104.9, `${json.latencyMs!.max}`);
    assert.ok(json.latencyMs!.p50 < json.latencyMs!.p99 && json.latencyMs!.p99 <= 104.9);
    assert.equal(json.bytes, 28_500 * 100 + 750 * 9);
    assert.ok(json.hosts.length <= 11, `${json.hosts.length} host rows`);
    assert.deepEqual(json.hosts[0]?.host, "busy.example");
    assert.equal(json.hosts[0]?.requests, 15_000);
    assert.equal(json.hosts.at(-1)?.host, "other");
    assert.equal(sum(json.hosts.map((row) => row.requests)), json.count);
    assert.equal(sum(json.hosts.map((row) => row.failed)), json.failed);
    assert.deepEqual(json.thresholds, [
      { threshold: "p99>2s", value: json.latencyMs!.p99, crossed: false },
      { threshold: "errors>1%", value: 5, crossed: true },
    ]);
    const text = await Deno.readTextFile(html);
    const size = new TextEncoder().encode(text).length;
    assert.ok(size < 200_000, `the report is ${size} bytes`);
    assert.doesNotMatch(text, /\bsrc=|<link|@import|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    const timeline = JSON.parse(
      /<script type="application\/json" id="timeline">(.*?)<\/script>/s.exec(text)![1]!,
    );
    assert.equal(sum(timeline.started), 30_000);
    assert.equal(sum(timeline.finished), 30_000);
    assert.equal(timeline.bucketMs, 1000);
    assert.ok(timeline.started.length >= 100 && timeline.started.length <= 102);
    assert.equal(sum(timeline.outcomes.timeout), 750);
    assert.match(text, /<td>crossed<\/td>/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main.ts --html on a run draws its timeline and keeps the HTML small", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const html = `${dir}/run.html`;
    const output = await cli(["--count", "300", "--max-delay", "0", "--quiet", "--html", html]);
    assert.equal(output.code, 0, output.stderr);
    const text = await Deno.readTextFile(html);
    const timeline = JSON.parse(
      /<script type="application\/json" id="timeline">(.*?)<\/script>/s.exec(text)![1]!,
    );
    assert.equal(sum(timeline.started), 300);
    assert.equal(sum(timeline.outcomes["200"]), 300);
    for (const heading of ["Requests per second", "in flight", "Latency histogram", "Hosts"]) {
      assert.ok(text.includes(heading), heading);
    }
    assert.ok(text.length < 100_000, `${text.length} characters`);
    const bad = await cli([
      "--count",
      "5",
      "--max-delay",
      "0",
      "--quiet",
      "--html",
      `${dir}/missing/dir/x.html`,
    ]);
    assert.equal(bad.code, 3, bad.stderr);
    assert.match(bad.stderr, /^error: Cannot write the HTML report '[^\n]+\n$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main.ts with no successful request: latency null in JSON, a latency threshold crossed as no data", async () => {
  // A port with nothing listening: every request is refused.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${listener.addr.port}/{}`;
  listener.close();
  const args = ["--url", url, "--count", "3", "--quiet", "--fail-if", "p99>1s"];
  const [json, text] = await Promise.all([cli([...args, "--json"]), cli(args)]);
  assert.equal(json.code, 4, json.stderr);
  const summary = JSON.parse(json.stdout);
  assert.equal(summary.latencyMs, null);
  assert.deepEqual(summary.thresholds, [{ threshold: "p99>1s", value: null, crossed: true }]);
  assert.equal(text.code, 4, text.stderr);
  assert.match(text.stdout, /^threshold +crossed p99>1s \(no data: no request succeeded\)$/m);
  assert.match(text.stdout, /^latency +of the 0 ok: none succeeded$/m);
});
