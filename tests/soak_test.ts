/**
 * Soak, test-sized: the CLI runs 200,000 zero-delay requests as a subprocess
 * while the test samples its RSS and open descriptors from /proc every 100 ms;
 * after warm-up, neither may grow. The full-size check (1M requests) is the
 * bench's `soak` scenario.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { SummaryJson } from "../summary.ts";
import { growthAfterWarmUp, type ProcessSample, readProcess } from "../bench/soak.ts";

const ROOT = new URL("..", import.meta.url);
/**
 * Requests in the run: 5.5-6.5 s at the 31k-36k requests/s of an idle 2-CPU machine, 10.5 s
 * at 19k/s with two busy loops beside it. Fewer end inside V8's warm-up: at 100,000 and
 * 150,000, runs without a leak grew up to 1.11x and 1.10x, as much as some with one.
 */
const COUNT = 200_000;
const SAMPLE_MS = 100;
/** The run is killed, and the test fails, after this long. */
const RUN_TIMEOUT_MS = 60_000;
/**
 * The most the last third's peak RSS may exceed the middle third's. Measured at 200,000
 * requests: 0.999-1.016 in 11 runs without a leak (3 of them beside busy loops); a leak of a
 * 1 KB array per request, 1.12-1.35 in 6 runs; 512 bytes, 1.09; 256 bytes, 1.04.
 */
const RSS_GROWTH = 1.06;
/** Descriptors the last third may hold above the middle third's peak (measured: 0 more). */
const FD_SLACK = 16;

Deno.test({
  name: "main.ts holds RSS and open descriptors flat over 200,000 requests after warm-up",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "main.ts",
        "--count",
        String(COUNT),
        "--max-delay",
        "0",
        "--concurrency",
        "200",
        "--json",
        "--quiet",
      ],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const started = performance.now();
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, RUN_TIMEOUT_MS);
    let exited = false;
    const output = child.output().finally(() => exited = true);
    const samples: ProcessSample[] = [];
    try {
      while (!exited) {
        const reading = readProcess(child.pid);
        if (reading) samples.push({ ms: performance.now() - started, ...reading });
        await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
      }
    } finally {
      clearTimeout(timer);
    }
    const { code, stdout, stderr } = await output;
    const text = new TextDecoder().decode(stdout);
    assert.ok(!killed, `main.ts did not finish ${COUNT} requests in ${RUN_TIMEOUT_MS / 1000} s`);
    assert.equal(code, 0, `main.ts exited ${code}: ${new TextDecoder().decode(stderr)}`);
    const json: SummaryJson = JSON.parse(text);
    assert.equal(json.ok, COUNT);
    assert.ok(samples.length >= 20, `only ${samples.length} samples in ${json.seconds} s`);

    const rss = growthAfterWarmUp(samples.map((s) => s.rssKb))!;
    const fds = growthAfterWarmUp(samples.map((s) => s.fds))!;
    const trace = samples.map((s) => `${(s.ms / 1000).toFixed(1)}s ${s.rssKb >> 10}MB ${s.fds}`);
    const detail = `${json.seconds} s, ${samples.length} samples: ${trace.join(", ")}`;
    assert.ok(
      fds.last <= fds.middle + FD_SLACK,
      `open descriptors grew from ${fds.middle} to ${fds.last} after warm-up; ${detail}`,
    );
    assert.ok(
      rss.last <= rss.middle * RSS_GROWTH,
      `RSS grew from ${rss.middle >> 10} MB to ${rss.last >> 10} MB after warm-up ` +
        `(${(rss.last / rss.middle).toFixed(3)}x, at most ${RSS_GROWTH}x); ${detail}`,
    );
  },
});
