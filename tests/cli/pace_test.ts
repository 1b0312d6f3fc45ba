import assert from "node:assert/strict";
import { cli } from "../_cli.ts";
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
  ];
  const outputs = await Promise.all(cases.map(([args]) => cli(["--url", url, ...args])));
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
  assert.equal(output.code, 0, output.stderr);
  const json = JSON.parse(output.stdout);
  // 100/s for 1 s: requests 0..99 are due before the end (a busy machine may drop a few).
  assert.ok(json.count >= 90 && json.count <= 100, `${json.count} requests`);
  assert.equal(json.ok, json.count);
  assert.equal(typeof json.late, "number");
  assert.ok(json.scheduledLatencyMs.p50 >= 0);
  assert.ok(server.maxInFlight <= 5, `the host saw ${server.maxInFlight} at once`);
});
