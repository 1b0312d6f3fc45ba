import assert from "node:assert/strict";
import { cli, command, inProcess } from "../_cli.ts";
import { serveCounting } from "../_pace_server.ts";

Deno.test("main.ts refuses bad pace flags with one line, exit 2, nothing sent", async () => {
  await using server = serveCounting();
  const url = `${server.url}{}`;
  const cases: [string[], RegExp][] = [
    [["--rate", "0"], /--rate '0'/],
    [["--rate=-5"], /--rate '-5'/],
    [["--rate", "abc"], /--rate 'abc'/],
    [["--rate", "5/h"], /--rate '5\/h'/],
    [["--duration", "0"], /--duration '0'/],
    [["--duration", "5x"], /--duration '5x'/],
    [["--ramp", "10s", "--duration", "5s"], /--ramp 10s: it is longer than --duration 5s/],
    [["--per-host", "0"], /--per-host '0'/],
    [["--grace", "1s"], /Cannot use --grace without --duration/],
    [["--duration", "1s", "--grace", "soon"], /--grace 'soon': it must be a positive time/],
    [["-z", "1s1m"], /--duration '1s1m'/],
  ];
  const outputs = await Promise.all(cases.map(([args]) => inProcess(["--url", url, ...args])));
  for (const [i, [args, message]] of cases.entries()) {
    const output = outputs[i]!;
    assert.equal(output.code, 2, `${args.join(" ")}: ${output.stderr}`);
    assert.match(output.stderr, /^error: [^\n]+\n$/);
    assert.match(output.stderr, message);
    assert.equal(output.stdout, "");
  }
  assert.equal(server.arrivals.length, 0);
});

Deno.test("main.ts --duration with --rate runs the schedule's requests, indices counting on", async () => {
  await using server = serveCounting();
  const output = await cli([
    "--url",
    `${server.url}{}`,
    "--rate",
    "6000/m",
    "--duration",
    "1s",
    "--per-host",
    "5",
    "--workers",
    "2",
    "--json",
    "--quiet",
  ]);
  const json = JSON.parse(output.stdout);
  // 100/s for 1 s: requests 0..99 are due before the end; a busy machine may drop a few,
  // and says so in the exit code.
  assert.equal(output.code, json.dropped > 0 ? 1 : 0, output.stderr);
  assert.ok(json.count >= 90 && json.count <= 100, `${json.count} requests`);
  assert.equal(json.count + json.dropped, 100);
  assert.equal(json.ok, json.count);
  assert.equal(typeof json.late, "number");
  assert.ok(json.serviceLatencyMs.p50 >= 0 && json.latencyMs.p50 >= json.serviceLatencyMs.p50);
  assert.ok(server.maxInFlight <= 5, `the host saw ${server.maxInFlight} at once`);
});

Deno.test("main.ts --rate times latency from the due time: a 1 s stall crosses p99, not service.p99", async () => {
  // (Limits of 500 ms leave room for a busy machine's service times.)
  // 200/s for 2 s through 2 slots; the server holds everything for 1 s after 0.5 s: the two
  // requests in flight wait 1 s, and the ~200 due meanwhile start late, after the stall.
  await using server = serveCounting({ stall: { afterMs: 500, forMs: 1000 } });
  const args = ["--url", `${server.url}{}`, "--rate", "200", "--duration", "2s"];
  const output = await cli([
    ...args,
    "--concurrency",
    "2",
    "--fail-if",
    "p99>500ms",
    "--fail-if",
    "service.p99>500ms",
    "--json",
    "--quiet",
  ]);
  const json = JSON.parse(output.stdout);
  assert.equal(output.code, 4, output.stderr);
  const [p99, service] = json.thresholds;
  assert.deepEqual([p99.threshold, p99.crossed], ["p99>500ms", true]);
  assert.deepEqual([service.threshold, service.crossed], ["service.p99>500ms", false]);
  // A user waited up to the whole stall; the service time hides it in the top 1%.
  assert.ok(json.latencyMs.p99 > 500, `p99 from the due time ${json.latencyMs.p99}`);
  assert.ok(json.latencyMs.max >= 900, `max from the due time ${json.latencyMs.max}`);
  assert.ok(json.serviceLatencyMs.p99 < 500, `service p99 ${json.serviceLatencyMs.p99}`);
  assert.ok(json.serviceLatencyMs.max >= 900, `service max ${json.serviceLatencyMs.max}`);
  for (const key of ["min", "mean", "p50", "p90", "p95", "p99", "p99.9", "p99.99", "max"]) {
    assert.equal(typeof json.latencyMs[key], "number", key);
    assert.equal(typeof json.serviceLatencyMs[key], "number", key);
  }
  assert.ok(json.late > 100, `${json.late} late`);
});

Deno.test("main.ts counts requests a rate called for and never sent as dropped, warns and exits 1", async () => {
  // One slot and 20 ms an answer: at most 50/s of the 400/s asked for.
  await using server = serveCounting({ delayMs: 20 });
  const args = ["--url", `${server.url}{}`, "--rate", "400", "--duration", "1s"];
  const page = await Deno.makeTempFile({ suffix: ".html" });
  const records = await Deno.makeTempFile({ suffix: ".ndjson" });
  const [text, json, threshold] = await Promise.all([
    cli([...args, "--concurrency", "1"]),
    cli([
      ...args,
      "--concurrency",
      "1",
      "--json",
      "--html",
      page,
      "--output",
      records,
      "--overwrite",
    ]),
    cli([...args, "--concurrency", "1", "--fail-if", "dropped>0", "--quiet"]),
  ]);
  assert.equal(text.code, 1, text.stderr);
  assert.match(
    text.stdout,
    /^dropped +\d{3} \(scheduled before the end of the run, never sent\)$/m,
  );
  assert.match(
    text.stderr,
    /warning: the target rate of 400\/s was not met: \d+ of the 400 requests scheduled before the end were never sent \(dropped\): --concurrency 1 is too low: its slots were full; at a mean of [\d.]+ ms a request \(ok or failed\), 400\/s needs about \d+ in flight/,
  );
  const summary = JSON.parse(json.stdout);
  assert.equal(json.code, 1, json.stderr);
  assert.ok(summary.dropped >= 300, `${summary.dropped} dropped`);
  assert.equal(summary.count + summary.dropped, 400);
  // The picture draws them by the second they were due.
  const html = await Deno.readTextFile(page);
  await Deno.remove(page);
  assert.ok(html.includes(">dropped</text>"), "a dropped line in the requests chart");
  const timeline = JSON.parse(
    /<script type="application\/json" id="timeline">(.*?)<\/script>/s
      .exec(html)![1]!,
  );
  assert.equal(timeline.dropped.reduce((a: number, b: number) => a + b), summary.dropped);
  // A report over the records cannot know what the schedule dropped: unknown, never 0.
  const [reported, reportedText] = await Promise.all([
    inProcess(["report", records, "--json", "--fail-if", "dropped>0"]),
    inProcess(["report", records]),
  ]);
  await Deno.remove(records);
  await Deno.remove(`${records}.run.json`);
  assert.equal(reported.code, 4, reported.stderr);
  const merged = JSON.parse(reported.stdout);
  assert.equal(merged.dropped, null);
  assert.deepEqual(merged.thresholds, [{ threshold: "dropped>0", value: null, crossed: true }]);
  assert.match(reportedText.stdout, /^dropped +unknown: the records hold the requests sent/m);
  assert.equal(threshold.code, 4, threshold.stderr);
  assert.match(
    threshold.stderr,
    /^warning: the target rate of 400\/s was not met/m,
    "--quiet keeps it",
  );
  assert.match(threshold.stdout, /^threshold +crossed dropped>0 \(measured \d+\)$/m);
});

Deno.test("main.ts --duration lets requests in flight finish within the grace, the timeout and 1 s by default", async () => {
  // Two requests (due at 0 and 250 ms) that take 2.3 s each, dispatching ends at 0.5 s.
  await using server = serveCounting({ delayMs: 2300 });
  const args = ["--url", `${server.url}{}`, "--rate", "4", "--duration", "500ms", "--json"];
  // With a 2 s timeout (its timer fires up to 100 ms late) the second request, due 5 ms before
  // the end, times out after the end plus 2 s: the default grace lets it end by its own timeout.
  const late = ["--url", `${server.url}{}`, "--rate", "4", "--duration", "255ms", "--json"];
  const [whole, cut, timedOut] = await Promise.all([
    cli([...args, "--timeout", "10s"]),
    cli([...args, "--grace", "200ms", "--output", "-"]),
    cli([...late, "--timeout", "2s"]),
  ]);
  assert.deepEqual(JSON.parse(timedOut.stdout).errors, { timeout: 2 }, timedOut.stderr);
  const json = JSON.parse(whole.stdout);
  assert.equal(whole.code, 0, whole.stderr);
  assert.deepEqual([json.count, json.ok, json.errors], [2, 2, {}]);
  // A grace of 200 ms cuts both, recorded as aborted by the tool, and the run says so.
  assert.equal(cut.code, 1, cut.stderr);
  const records = cut.stdout.trim().split("\n").map((line) => JSON.parse(line));
  assert.equal(records.length, 2);
  for (const record of records) {
    assert.equal(record.error, "aborted");
    assert.match(record.detail, /^stopped by manyreq: the 200 ms grace after --duration ran out/);
  }
});

Deno.test("main.ts --rate with neither --count nor --duration runs until Ctrl-C and says so", async () => {
  await using server = serveCounting();
  const child = command(["--url", `${server.url}{}`, "--rate", "100"]).spawn();
  const output = child.output();
  while (server.arrivals.length < 10) await new Promise((resolve) => setTimeout(resolve, 20));
  child.kill("SIGINT");
  const { code, stdout, stderr } = await output;
  const text = new TextDecoder().decode(stdout);
  const notes = new TextDecoder().decode(stderr);
  assert.equal(code, 130, notes);
  assert.match(notes, /note: --rate without --count or --duration runs until Ctrl-C/);
  const sent = Number(/^requests +(\d+) /m.exec(text)?.[1]);
  assert.ok(sent >= 10 && sent === server.arrivals.length, `${sent} of ${server.arrivals.length}`);
});

Deno.test("main.ts drops nothing when a list ends before the rate's schedule does", async () => {
  await using server = serveCounting();
  const urls = Array.from({ length: 5 }, (_, i) => `${server.url}${i}`).join("\n") + "\n";
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/urls.txt`;
    await Deno.writeTextFile(file, urls);
    const args = ["--rate", "50", "--duration", "1s", "--json", "--quiet"];
    const [fromFile, fromPipe] = await Promise.all([
      cli(["--urls", file, ...args]),
      cli(["--urls", "-", ...args], { stdin: urls }),
    ]);
    for (const output of [fromFile, fromPipe]) {
      assert.equal(output.code, 0, output.stderr);
      assert.deepEqual([JSON.parse(output.stdout).count, JSON.parse(output.stdout).dropped], [
        5,
        0,
      ]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
