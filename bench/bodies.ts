/**
 * The bodies scenario (issue 8): big bodies in bounded memory, and what a `read` costs.
 *
 * - 400 responses of 5 MB at concurrency 200, counted by the CLI: peak RSS against 200 MB;
 * - the same 400 with `--save` (2 GB written): the same bound;
 * - 20,000 JSON documents (about 2 kB) at concurrency 100: what parsing each costs in the runner
 *   (a `read` that parses, against the runner counting bodies as it did before `read`) against
 *   what it costs in a bare fetch loop (parsing, against reading each body whole), and the
 *   runner with `read` against the bare loop that parses.
 *
 * The client runs on CPU 0, the server on CPU 1.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { log, MB, runCli, type Settings } from "./common.ts";
import { freePort, run, start, waitForPort } from "./process.ts";
import type { Row } from "./table.ts";

const SERVER = fileURLToPath(new URL("./body_server.ts", import.meta.url));
const READ_LOOP = fileURLToPath(new URL("./read_loop.ts", import.meta.url));
const BODY_SIZE = 5 * 1024 * 1024;
/** The memory goal, in MB. */
const RSS_GOAL = 200;

/**
 * Runs the bodies scenario `repeat` times.
 *
 * @param settings The run's settings.
 * @returns The rows: counted and saved peak RSS against the goal, `read` against the bare loop.
 */
export async function bodies(settings: Settings): Promise<Row[]> {
  const port = freePort();
  await using server = start([
    Deno.execPath(),
    "run",
    "--allow-net",
    SERVER,
    String(port),
    String(BODY_SIZE),
  ], { cpu: 1 });
  await waitForPort(port, server.child);
  const count = settings.quick ? 100 : 400;
  const url = `http://127.0.0.1:${port}`;
  const counted: number[] = [], saved: number[] = [], savedBytes: number[] = [];
  for (let i = 0; i < settings.repeat; i++) {
    const args = [
      "--url",
      `${url}/big/{}`,
      "--count",
      String(count),
      "--concurrency",
      "200",
      "--json",
      "--quiet",
    ];
    const plain = await runCli(args, settings, { rss: true, cpu: 0 });
    counted.push(plain.result.rssKb! / MB);
    const dir = await Deno.makeTempDir({ prefix: "manyreq-bench-save-" });
    try {
      const save = await runCli([...args, "--save", dir], settings, { rss: true, cpu: 0 });
      saved.push(save.result.rssKb! / MB);
      savedBytes.push(await sizeOf(dir));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    log(
      `bodies ${i + 1}/${settings.repeat}: counted ${counted.at(-1)!.toFixed(0)} MB, saved ${
        saved.at(-1)!.toFixed(0)
      } MB`,
    );
  }
  settings.notes.push(
    `bodies: --save wrote ${(Math.min(...savedBytes) / 1024 ** 3).toFixed(2)} GiB per run ` +
      `(${count} x ${BODY_SIZE / MB / 1024} MiB expected)`,
  );

  const docs = settings.quick ? 5_000 : 20_000;
  const seconds: Record<string, number[]> = {
    "runner-read": [],
    "runner-read-fetch": [],
    "bare-json": [],
    "runner-count": [],
    "bare-body": [],
  };
  /** CPU seconds (user + system) of the runner's read, on h1 and on fetch. */
  const cpu: Record<string, number[]> = { "runner-read": [], "runner-read-fetch": [] };
  for (let i = 0; i < settings.repeat; i++) {
    for (const mode of Object.keys(seconds)) {
      const result = await run([
        Deno.execPath(),
        "run",
        "-A",
        READ_LOOP,
        mode,
        `${url}/doc/{}`,
        String(docs),
        "100",
      ], { cpu: 0, rss: mode in cpu });
      if (result.code !== 0) {
        throw new Error(`read_loop.ts ${mode}: exit ${result.code}: ${result.stderr}`);
      }
      seconds[mode]!.push(JSON.parse(result.stdout).seconds);
      if (mode in cpu && result.cpuSeconds !== undefined) cpu[mode]!.push(result.cpuSeconds);
    }
    log(
      `bodies read ${i + 1}/${settings.repeat}: ${
        JSON.stringify(Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, v.at(-1)])))
      }`,
    );
  }
  const name = `bodies: ${count} x 5 MB, limit 200`;
  const goal = (values: number[]) => values.map(() => RSS_GOAL);
  const ratio = (a: number[], b: number[]) => a.map((value, i) => value / b[i]!);
  const rate = (values: number[]) => values.map((s) => docs / s);
  const docsName = `bodies: ${docs.toLocaleString("en-US")} JSON docs, limit 100`;
  const read = seconds["runner-read"]!, counting = seconds["runner-count"]!;
  const json = seconds["bare-json"]!, body = seconds["bare-body"]!;
  return [
    {
      scenario: `${name}, counted: peak RSS vs ${RSS_GOAL} MB`,
      ours: { values: counted, unit: "MB" },
      reference: { values: goal(counted), unit: "MB" },
      ratios: counted.map((v) => v / RSS_GOAL),
      goal: "≤ 1",
      meets: (r) => r <= 1,
    },
    {
      scenario: `${name}, --save: peak RSS vs ${RSS_GOAL} MB`,
      ours: { values: saved, unit: "MB" },
      reference: { values: goal(saved), unit: "MB" },
      ratios: saved.map((v) => v / RSS_GOAL),
      goal: "≤ 1",
      meets: (r) => r <= 1,
    },
    {
      scenario: `${docsName}, runner + read parsing vs runner counting (today's runner)`,
      ours: { values: rate(read), unit: "req/s" },
      reference: { values: rate(counting), unit: "req/s" },
      ratios: ratio(counting, read),
      goal: "–",
    },
    {
      scenario: `${docsName}, bare loop parsing vs bare loop reading bodies`,
      ours: { values: rate(json), unit: "req/s" },
      reference: { values: rate(body), unit: "req/s" },
      ratios: ratio(body, json),
      goal: "–",
    },
    {
      scenario: `${docsName}, the parse's cost: runner (read / count) vs bare loop (json / body)`,
      ours: { values: ratio(read, counting), unit: "x" },
      reference: { values: ratio(json, body), unit: "x" },
      ratios: read.map((value, i) => (value / counting[i]!) / (json[i]! / body[i]!)),
      goal: "≤ 1.1",
      meets: (r) => r <= 1.1,
    },
    {
      scenario: `${docsName}, runner + read, CPU per request: h1 vs engine fetch`,
      ours: { values: cpu["runner-read"]!.map((s) => s * 1e6 / docs), unit: "µs" },
      reference: { values: cpu["runner-read-fetch"]!.map((s) => s * 1e6 / docs), unit: "µs" },
      ratios: ratio(cpu["runner-read"]!, cpu["runner-read-fetch"]!),
      goal: "≤ 0.77",
      meets: (r) => r <= 0.77,
    },
    {
      scenario: `${docsName}, runner + read parsing vs bare loop parsing`,
      ours: { values: rate(read), unit: "req/s" },
      reference: { values: rate(json), unit: "req/s" },
      ratios: ratio(json, read),
      goal: "–",
    },
  ];
}

/** Bytes of the files under a directory, recursively. */
async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    total += entry.isDirectory ? await sizeOf(path) : (await Deno.stat(path)).size;
  }
  return total;
}
