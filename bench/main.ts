/**
 * `deno task bench`: the performance scenarios of issue 3, each repeated, printed as one
 * Markdown table (median and min–max spread of the repeats) with notes below it.
 *
 * - seed: 10,000 requests, delays 0–3 s, limit 1000, against the greedy list-scheduling bound;
 * - throughput: requests/s against nginx (one worker, CPU 1) at limits 100 and 1000, ours and a
 *   plain fetch loop against `wrk -t1`, every client pinned to CPU 0;
 * - memory: peak RSS at 10k, 100k and 1M zero-delay requests against the bundled server, and at
 *   100k with `--workers 1` against the default;
 * - million: wall time of the 1M run;
 * - soak: during the 1M run, RSS and open descriptors (from /proc) do not grow after warm-up;
 * - server: the bundled server alone under `wrk -t1 -c1000`, against the client's rate.
 *
 * @example
 * ```sh
 * deno task bench                      # everything, 3 repeats (about 10 minutes)
 * deno task bench --quick              # smaller counts, under 2 minutes
 * deno task bench --only throughput --repeat 5
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { greedyMakespan } from "../greedy_bound.ts";
import { createDelaySequence } from "../server.ts";
import { startNginx } from "./nginx.ts";
import {
  ensureCommand,
  killChildrenOnSignal,
  run,
  type RunCommandOptions,
  start,
} from "./process.ts";
import { type Growth, growthAfterWarmUp, WARM_UP } from "./soak.ts";
import { formatTable, median, type Row } from "./table.ts";
import { runWrk } from "./wrk.ts";

/** The scenarios, in the order they run. */
export const SCENARIOS = ["seed", "throughput", "memory", "million", "soak", "server"] as const;
/** A scenario's name. */
export type Scenario = typeof SCENARIOS[number];

/** The CPU the clients (ours, the fetch loop, wrk) are pinned to. */
const CLIENT_CPU = 0;
/** The CPU the servers (nginx, the delay server) are pinned to. */
const SERVER_CPU = 1;
const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const SERVER = fileURLToPath(new URL("../server.ts", import.meta.url));
const FETCH_LOOP = fileURLToPath(new URL("./fetch_loop.ts", import.meta.url));
const MB = 1024; // kilobytes
/** The CLI's default `--workers`: one per CPU, up to 4 (as in main.ts). */
const DEFAULT_WORKERS = Math.max(1, Math.min(4, navigator.hardwareConcurrency));
/** Soak: descriptors the last third may hold above the middle third's peak. */
const FD_SLACK = 16;

/** The sizes of a bench run. */
interface Settings {
  repeat: number;
  quick: boolean;
  seedCount: number;
  /** Seconds each throughput measurement runs. */
  throughputSeconds: number;
  memoryCounts: number[];
  /** Soak: how often the largest zero-delay run's /proc entries are read, in milliseconds. */
  soakSampleMs: number;
  notes: string[];
}

/** What the client CLI prints with `--json` (the fields the bench reads). */
interface ClientJson {
  count: number;
  failed: number;
  seconds: number;
  requestsPerSecond: number;
  concurrency: number;
  errors: Record<string, number>;
}

const USAGE = `Usage: deno task bench [--quick] [--repeat R] [--only NAME[,NAME...]]

Runs the performance scenarios and prints one table: scenario, ours, reference, ratio, goal,
result. Figures are the median of R repeats (default 3) with the spread (min-max).

  --quick       smaller counts, for a smoke run of under 2 minutes
  --repeat R    repeats of every measurement (default 3)
  --only NAME   run only these scenarios: ${SCENARIOS.join(", ")}
`;

/**
 * Runs the bench.
 *
 * @param args The arguments, without the program name.
 * @returns The exit code: 0 when every goal is met, 1 when one is not, 2 on bad usage.
 */
export async function main(args: string[]): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args,
      options: {
        quick: { type: "boolean" },
        repeat: { type: "string" },
        only: { type: "string", multiple: true },
        help: { type: "boolean" },
      },
    }).values;
  } catch (error) {
    console.error(`error: ${(error as Error).message.split("\n")[0]}`);
    return 2;
  }
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const repeat = Number(flags.repeat ?? "3");
  const only = (flags.only ?? SCENARIOS).flatMap((name) => name.split(","));
  const unknown = only.find((name) => !(SCENARIOS as readonly string[]).includes(name));
  if (!Number.isInteger(repeat) || repeat < 1 || unknown !== undefined) {
    console.error(
      unknown === undefined
        ? `error: Cannot use --repeat '${flags.repeat}': it must be a positive integer`
        : `error: Cannot run scenario '${unknown}': the scenarios are ${SCENARIOS.join(", ")}`,
    );
    return 2;
  }
  const quick = flags.quick ?? false;
  const settings: Settings = {
    repeat,
    quick,
    seedCount: quick ? 2_000 : 10_000,
    throughputSeconds: quick ? 2 : 5,
    memoryCounts: quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000],
    soakSampleMs: quick ? 100 : 1000,
    notes: [],
  };
  const selected = new Set(only as Scenario[]);
  killChildrenOnSignal();

  const rows: Row[] = [];
  const started = performance.now();
  const loadBefore = await loadAverage();
  /** The client's request rate in the largest zero-delay run, for the server scenario. */
  let clientRates: number[] | undefined;
  async function section(name: string, body: () => Promise<Row[]>): Promise<void> {
    const from = performance.now();
    log(`${name}: starting`);
    try {
      rows.push(...await body());
    } catch (error) {
      console.error(error);
      rows.push({ scenario: name, goal: "–", skipped: oneLine(error) });
    }
    log(`${name}: done in ${((performance.now() - from) / 1000).toFixed(0)} s`);
  }

  if (selected.has("seed")) await section("seed", () => seed(settings));
  if (selected.has("throughput")) await section("throughput", () => throughput(settings));
  if (["memory", "million", "soak"].some((name) => selected.has(name as Scenario))) {
    await section("memory, million and soak", async () => {
      const result = await memory(settings, selected);
      clientRates = result.rates;
      return result.rows;
    });
  }
  if (selected.has("server")) {
    await section("server", () => server(settings, clientRates));
  }

  const minutes = ((performance.now() - started) / 60_000).toFixed(1);
  console.log(formatTable(rows));
  console.log();
  console.log(
    `${repeat} repeat(s)${quick ? ", --quick" : ""}, ${minutes} min, ` +
      `deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs. ` +
      `Figures are median (min–max); ratio is ours / reference, per repeat.`,
  );
  settings.notes.push(
    `load average (1 min) ${loadBefore} before, ${await loadAverage()} after: ` +
      "more than the bench's own load means other work shared the CPUs",
  );
  for (const note of settings.notes) console.log(`- ${note}`);
  return rows.some((row) =>
      row.meets && row.ratios?.length && !row.skipped && !row.meets(median(row.ratios))
    )
    ? 1
    : 0;
}

/** The seed's run: the client's wall time (first request to last response) against the bound. */
async function seed(settings: Settings): Promise<Row[]> {
  const count = settings.seedCount;
  const seconds: number[] = [], processSeconds: number[] = [], bounds: number[] = [];
  for (let i = 0; i < settings.repeat; i++) {
    const { json, result } = await client(
      ["--count", String(count), "--concurrency", "1000", "--json"],
      settings,
    );
    const bound = greedyBound(count, json.concurrency);
    seconds.push(json.seconds);
    processSeconds.push(result.seconds);
    bounds.push(bound);
    log(`seed ${i + 1}/${settings.repeat}: ${json.seconds} s, bound ${bound} s`);
  }
  const name = `seed: ${count.toLocaleString("en-US")} requests, delays 0–3 s, limit 1000`;
  return [
    {
      scenario: `${name}, vs greedy bound`,
      ours: { values: seconds, unit: "s" },
      reference: { values: bounds, unit: "s" },
      ratios: seconds.map((value, i) => value / bounds[i]!),
      goal: "≤ 1.02",
      meets: (ratio) => ratio <= 1.02,
    },
    {
      scenario: `${name}, whole process (startup included)`,
      ours: { values: processSeconds, unit: "s" },
      reference: { values: bounds, unit: "s" },
      ratios: processSeconds.map((value, i) => value / bounds[i]!),
      goal: "–",
    },
  ];
}

/** The greedy list-scheduling bound of the bundled server's default delays. */
function greedyBound(count: number, concurrency: number): number {
  const next = createDelaySequence({ maxDelay: 3, seed: 1 });
  return greedyMakespan(Array.from({ length: count }, next), concurrency);
}

/** Zero-delay throughput against nginx: ours and a plain fetch loop, each against wrk. */
async function throughput(settings: Settings): Promise<Row[]> {
  const nginxMissing = await ensureCommand("nginx", "nginx-light");
  if (nginxMissing !== undefined) {
    settings.notes.push(`throughput skipped: ${nginxMissing}`);
    return [{ scenario: "throughput vs nginx", goal: "–", skipped: "nginx is missing" }];
  }
  const wrkMissing = await ensureCommand("wrk", "wrk");
  if (wrkMissing !== undefined) settings.notes.push(`wrk column skipped: ${wrkMissing}`);
  const seconds = settings.throughputSeconds;
  await using nginx = await startNginx({ cpu: SERVER_CPU });
  const template = `${nginx.url}{}`;
  const pinned = { cpu: CLIENT_CPU };
  const clients = {
    ours: (count: number, limit: number) =>
      client(
        ["--url", template, "--count", String(count), "--concurrency", String(limit), "--json"],
        settings,
        pinned,
      ).then(({ json }) => json.requestsPerSecond),
    loop: (count: number, limit: number) =>
      runJson([FETCH_LOOP, template, String(count), String(limit)], pinned)
        .then((json) => json.requestsPerSecond as number),
  };
  const rows: Row[] = [];
  for (const [limit, goal] of [[100, 0.45], [1000, 0.35]] as const) {
    // Size each client's count to run about `seconds` from a probe run (which also warms up).
    const probe = settings.quick ? 5_000 : 20_000;
    const counts = {
      ours: Math.max(probe, Math.round(await clients.ours(probe, limit) * seconds)),
      loop: Math.max(probe, Math.round(await clients.loop(probe, limit) * seconds)),
    };
    const rates = { wrk: [] as number[], ours: [] as number[], loop: [] as number[] };
    for (let i = 0; i < settings.repeat; i++) {
      if (wrkMissing === undefined) {
        const wrk = await runWrk(`${nginx.url}x`, { connections: limit, seconds, cpu: CLIENT_CPU });
        if (wrk.errors) settings.notes.push(`wrk -c${limit} against nginx: ${wrk.errors}`);
        rates.wrk.push(wrk.requestsPerSecond);
      }
      rates.ours.push(await clients.ours(counts.ours, limit));
      rates.loop.push(await clients.loop(counts.loop, limit));
      log(
        `throughput c${limit} ${i + 1}/${settings.repeat}: wrk ${rates.wrk.at(-1) ?? "–"}, ` +
          `ours ${rates.ours.at(-1)}, fetch loop ${rates.loop.at(-1)} req/s`,
      );
    }
    settings.notes.push(
      `throughput c${limit}: ${counts.ours.toLocaleString("en-US")} requests per run of ours, ` +
        `${counts.loop.toLocaleString("en-US")} of the fetch loop, wrk for ${seconds} s; ` +
        `clients on CPU ${CLIENT_CPU}, nginx on CPU ${SERVER_CPU}`,
    );
    const reference = rates.wrk.length ? { values: rates.wrk, unit: "req/s" } : undefined;
    for (const [who, name] of [["ours", "ours"], ["loop", "plain fetch loop"]] as const) {
      const row: Row = {
        scenario: `throughput c${limit} vs wrk -t1 -c${limit}: ${name}`,
        ours: { values: rates[who], unit: "req/s" },
        goal: who === "ours" ? `≥ ${goal.toFixed(2)}` : "–",
      };
      if (reference) {
        row.reference = reference;
        row.ratios = rates[who].map((value, i) => value / rates.wrk[i]!);
        if (who === "ours") row.meets = (ratio) => ratio >= goal;
      } else {
        row.skipped = "wrk is missing";
      }
      rows.push(row);
    }
  }
  return rows;
}

/**
 * Peak RSS at each zero-delay count and at 100k with `--workers 1`; the wall time of the
 * largest run; and, sampled from /proc during the largest run, whether its RSS and open
 * descriptors grow after warm-up (the soak).
 */
async function memory(
  settings: Settings,
  selected: Set<Scenario>,
): Promise<{ rows: Row[]; rates: number[] }> {
  const counts = selected.has("memory") ? settings.memoryCounts : settings.memoryCounts.slice(-1);
  const largest = counts.at(-1)!;
  const soak = selected.has("soak");
  // The trade-off of the default workers: one extra run per repeat, informational.
  const single = selected.has("memory") && counts.includes(100_000) ? 100_000 : undefined;
  const rss = new Map<number, number[]>(counts.map((count) => [count, []]));
  const countRates = new Map<number, number[]>(counts.map((count) => [count, []]));
  const singleRss: number[] = [], singleRates: number[] = [];
  const wall: number[] = [];
  const rssGrowth: Growth[] = [], fdGrowth: Growth[] = [];
  for (let i = 0; i < settings.repeat; i++) {
    const runs = counts.map((count) => ({ count, workers: undefined as number | undefined }));
    if (single !== undefined) runs.push({ count: single, workers: 1 });
    for (const { count, workers } of runs) {
      const sampled = soak && count === largest && workers === undefined;
      const { json, result } = await client(
        [
          "--count",
          String(count),
          "--max-delay",
          "0",
          "--concurrency",
          "1000",
          "--json",
          ...(workers === undefined ? [] : ["--workers", String(workers)]),
        ],
        settings,
        { rss: true, ...(sampled ? { sampleMs: settings.soakSampleMs } : {}) },
      );
      if (result.rssKb === undefined) throw new Error("Cannot read the peak RSS: /usr/bin/time?");
      const mb = result.rssKb / MB;
      if (workers === undefined) {
        rss.get(count)!.push(mb);
        countRates.get(count)!.push(json.requestsPerSecond);
        if (count === largest) wall.push(result.seconds);
      } else {
        singleRss.push(mb);
        singleRates.push(json.requestsPerSecond);
      }
      let soakText = "";
      if (sampled) {
        const samples = result.samples ?? [];
        const memory = growthAfterWarmUp(samples.map((sample) => sample.rssKb / MB));
        const fds = growthAfterWarmUp(samples.map((sample) => sample.fds));
        if (memory && fds) {
          rssGrowth.push(memory);
          fdGrowth.push(fds);
          soakText = `, soak: RSS ${memory.middle.toFixed(1)} -> ${memory.last.toFixed(1)} MB, ` +
            `descriptors ${fds.middle} -> ${fds.last} (${samples.length} samples)`;
        } else {
          soakText = `, soak: only ${samples.length} samples`;
        }
      }
      log(
        `memory ${count}${workers === undefined ? "" : ` --workers ${workers}`} ` +
          `${i + 1}/${settings.repeat}: ${mb.toFixed(1)} MB, ${result.seconds.toFixed(2)} s, ` +
          `${json.requestsPerSecond} req/s${soakText}`,
      );
    }
  }
  const label = (count: number) => count >= 1e6 ? `${count / 1e6}M` : `${count / 1e3}k`;
  const full = !settings.quick; // the goals are about 1M requests, which --quick does not make
  const rows: Row[] = [];
  if (selected.has("memory")) {
    const base = rss.get(counts[0]!)!;
    for (const count of counts) {
      const values = rss.get(count)!;
      const row: Row = {
        scenario: `memory: peak RSS, ${label(count)} requests, limit 1000`,
        ours: { values, unit: "MB" },
        goal: "–",
      };
      if (count !== counts[0]) {
        row.reference = { values: base, unit: "MB" };
        row.ratios = values.map((value, i) => value / base[i]!);
        row.scenario += ` vs ${label(counts[0]!)}`;
      }
      if (count === largest) {
        row.goal = "≤ 1.15";
        if (full) row.meets = (ratio) => ratio <= 1.15;
      }
      rows.push(row);
    }
    const cap = rss.get(largest)!;
    rows.push({
      scenario: `memory: peak RSS, ${label(largest)} requests vs 200 MB`,
      ours: { values: cap, unit: "MB" },
      reference: { values: cap.map(() => 200), unit: "MB" },
      ratios: cap.map((value) => value / 200),
      goal: "≤ 1.00",
      ...(full ? { meets: (ratio: number) => ratio <= 1 } : {}),
    });
    if (single !== undefined) {
      const versus = `--workers 1 vs default --workers ${DEFAULT_WORKERS}`;
      const [defaultRss, defaultRates] = [rss.get(single)!, countRates.get(single)!];
      rows.push({
        scenario: `memory: peak RSS, ${label(single)} requests, ${versus}`,
        ours: { values: singleRss, unit: "MB" },
        reference: { values: defaultRss, unit: "MB" },
        ratios: singleRss.map((value, i) => value / defaultRss[i]!),
        goal: "–",
      }, {
        scenario: `memory: client rate, ${label(single)} requests, ${versus}`,
        ours: { values: singleRates, unit: "req/s" },
        reference: { values: defaultRates, unit: "req/s" },
        ratios: singleRates.map((value, i) => value / defaultRates[i]!),
        goal: "–",
      });
    }
  }
  const rates = countRates.get(largest)!;
  if (selected.has("million")) {
    rows.push({
      scenario: `million: wall time, ${label(largest)} zero-delay requests vs 60 s`,
      ours: { values: wall, unit: "s" },
      reference: { values: wall.map(() => 60), unit: "s" },
      ratios: wall.map((value) => value / 60),
      goal: "< 1.00",
      ...(full ? { meets: (ratio: number) => ratio < 1 } : {}),
    });
    rows.push({
      scenario: `million: client rate, ${label(largest)} zero-delay requests (in-run)`,
      ours: { values: rates, unit: "req/s" },
      goal: "–",
    });
  }
  if (soak) rows.push(...soakRows(settings, label(largest), rssGrowth, fdGrowth));
  if (!full) {
    settings.notes.push(
      "--quick: the memory, million and soak RSS goals, for 1M, are not judged",
    );
  }
  settings.notes.push("memory: MB are MiB (peak RSS in KiB / 1024), from /usr/bin/time -f %M");
  return { rows, rates };
}

/** The soak's rows: RSS and open descriptors, last third's peak against the middle third's. */
function soakRows(settings: Settings, count: string, memory: Growth[], fds: Growth[]): Row[] {
  const every = settings.soakSampleMs >= 1000
    ? `every ${settings.soakSampleMs / 1000} s`
    : `every ${settings.soakSampleMs} ms`;
  settings.notes.push(
    `soak: the client's VmRSS and /proc/PID/fd entries, read ${every} during the ${count} run; ` +
      `the first ${WARM_UP * 100}% of the samples are warm-up, then the peak of the last ` +
      "third is compared with the peak of the middle third",
  );
  const name = `${count} zero-delay requests, limit 1000 (last third's peak vs middle third's)`;
  if (memory.length === 0) {
    const skipped = "too few samples (is /proc readable?)";
    return [
      { scenario: `soak: RSS growth after warm-up, ${name}`, goal: "≤ 1.10", skipped },
      { scenario: `soak: open descriptors growth after warm-up, ${name}`, goal: "–", skipped },
    ];
  }
  const middleFds = median(fds.map((growth) => growth.middle));
  return [
    {
      scenario: `soak: RSS growth after warm-up, ${name}`,
      ours: { values: memory.map((growth) => growth.last), unit: "MB" },
      reference: { values: memory.map((growth) => growth.middle), unit: "MB" },
      ratios: memory.map((growth) => growth.last / growth.middle),
      goal: "≤ 1.10",
      ...(settings.quick ? {} : { meets: (ratio: number) => ratio <= 1.10 }),
    },
    {
      scenario: `soak: open descriptors growth after warm-up, ${name}`,
      ours: { values: fds.map((growth) => growth.last), unit: "fds" },
      reference: { values: fds.map((growth) => growth.middle), unit: "fds" },
      ratios: fds.map((growth) => growth.last / growth.middle),
      goal: `≤ +${FD_SLACK} fds`,
      meets: (ratio) => ratio * middleFds <= middleFds + FD_SLACK,
    },
  ];
}

/** The bundled server alone under wrk, against the client's rate in the million run. */
async function server(settings: Settings, clientRates: number[] | undefined): Promise<Row[]> {
  const wrkMissing = await ensureCommand("wrk", "wrk");
  if (wrkMissing !== undefined) {
    settings.notes.push(`server skipped: ${wrkMissing}`);
    return [{ scenario: "server: bundled server under wrk", goal: "–", skipped: "wrk is missing" }];
  }
  if (clientRates === undefined) {
    const count = 100_000;
    settings.notes.push(`server: the client's rate is from ${count} zero-delay requests`);
    clientRates = [];
    for (let i = 0; i < settings.repeat; i++) {
      const { json } = await client(
        ["--count", String(count), "--max-delay", "0", "--concurrency", "1000", "--json"],
        settings,
      );
      clientRates.push(json.requestsPerSecond);
    }
  }
  const command = [
    Deno.execPath(),
    "run",
    "--allow-net",
    SERVER,
    "--port",
    "0",
    "--max-delay",
    "0",
  ];
  await using process = start(command, { cpu: SERVER_CPU, stdout: "piped" });
  const url = await readListeningUrl(process.child);
  const rates: number[] = [];
  for (let i = 0; i < settings.repeat; i++) {
    const wrk = await runWrk(`${url}x`, {
      connections: 1000,
      seconds: settings.throughputSeconds,
      cpu: CLIENT_CPU,
    });
    if (wrk.errors) settings.notes.push(`wrk -c1000 against the bundled server: ${wrk.errors}`);
    rates.push(wrk.requestsPerSecond);
    log(`server ${i + 1}/${settings.repeat}: ${wrk.requestsPerSecond} req/s`);
  }
  settings.notes.push(
    `server: server.ts on CPU ${SERVER_CPU}, wrk -t1 -c1000 on CPU ${CLIENT_CPU}; the reference ` +
      "is the client's in-run rate in the largest zero-delay run (not pinned, server in a worker)",
  );
  return [{
    scenario: "server: bundled server under wrk -t1 -c1000 vs client rate",
    ours: { values: rates, unit: "req/s" },
    reference: { values: clientRates, unit: "req/s" },
    ratios: rates.map((value) => value / median(clientRates)),
    goal: "≥ 2.00",
    meets: (ratio) => ratio >= 2,
  }];
}

/** Reads the server CLI's `Listening on URL` line, then stops reading its output. */
async function readListeningUrl(child: Deno.ChildProcess): Promise<string> {
  const lines = child.stdout.pipeThrough(new TextDecoderStream());
  let text = "";
  for await (const chunk of lines) {
    text += chunk;
    const match = /Listening on (\S+)/.exec(text);
    if (match) return match[1]!; // leaving the loop cancels the stream
  }
  throw new Error(`Cannot start the bundled server: it printed '${text.trim()}'`);
}

/** Runs the client CLI with `args` and parses its JSON summary; notes failed requests. */
async function client(args: string[], settings: Settings, options: RunCommandOptions = {}) {
  const result = await run([Deno.execPath(), "run", "-A", MAIN, ...args], options);
  if (result.code !== 0 && result.code !== 1) {
    throw new Error(`Cannot run main.ts ${args.join(" ")}: exit ${result.code}: ${result.stderr}`);
  }
  const json = JSON.parse(result.stdout) as ClientJson;
  if (json.failed > 0) {
    settings.notes.push(
      `main.ts ${args.join(" ")}: ${json.failed} failed ${JSON.stringify(json.errors)}`,
    );
  }
  return { json, result };
}

/** Runs a Deno script that prints one JSON object. */
async function runJson(
  args: string[],
  options: RunCommandOptions,
): Promise<Record<string, unknown>> {
  const result = await run([Deno.execPath(), "run", "-A", ...args], options);
  if (result.code !== 0) {
    throw new Error(`Cannot run ${args.join(" ")}: exit ${result.code}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout);
}

/** The 1-minute load average, or `?` where /proc/loadavg cannot be read. */
async function loadAverage(): Promise<string> {
  const text = await Deno.readTextFile("/proc/loadavg").catch(() => "?");
  return text.split(" ")[0]!;
}

function log(text: string): void {
  console.error(`bench: ${text}`);
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
