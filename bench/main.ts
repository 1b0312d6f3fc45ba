/**
 * `deno task bench`: the performance scenarios, each repeated, printed as tables (median and
 * min–max spread of the repeats) with notes below them. One scenario per file:
 *
 * - `seed`: 10,000 requests, delays 0–3 s, limit 1000, against the greedy list-scheduling bound
 *   (`seed.ts`);
 * - `engine`: 100,000 zero-delay GETs to nginx at C=100 and C=1000 by the CLI on h1 (its default
 *   engine, at both worker counts), on `--engine fetch`, undici and hey, side by side (`engine.ts`);
 * - `peers`: 100,000 zero-delay requests to nginx at C=100 and C=1000 by the CLI, undici, hey,
 *   the write-up's aiohttp client, a bare Deno fetch loop and wrk, side by side: requests/s, CPU
 *   per request, peak RSS (`peers.ts`);
 * - `memory`: peak RSS over 200,000 requests at C=1000, the CLI against undici (`peers.ts`);
 * - `million`: 1M zero-delay requests to nginx at the CLI's defaults, its wall time, none lost,
 *   and the soak: RSS and open descriptors flat after warm-up (`million.ts`);
 * - `server`: the bundled server alone under wrk, against the client's rate (`bundled_server.ts`);
 * - `bodies`: 400 bodies of 5 MB at limit 200 counted and saved, against 200 MB of peak RSS; a
 *   `read` that parses JSON against a bare fetch loop that parses (`bodies.ts`);
 * - `rate`: `--rate 5000` for 10 s to nginx, the p99 from the due time against hey's at the same
 *   rate, side by side (`rate.ts`);
 * - `young` (only with `--only young`): V8's young generation, its memory against its CPU, for the
 *   bare fetch loop and the CLI at C=1000 (`young.ts`).
 *
 * @example
 * ```sh
 * deno task bench                      # everything but young, 3 repeats (about 30 minutes)
 * deno task bench --quick              # smaller counts, one repeat, a few minutes
 * deno task bench --only peers --repeat 5
 * deno task bench --only young
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { bodies } from "./bodies.ts";
import { bundledServer } from "./bundled_server.ts";
import { engine } from "./engine.ts";
import { log, oneLine, type Scenario, type Settings } from "./common.ts";
import { million } from "./million.ts";
import { pace } from "./pace.ts";
import { rate } from "./rate.ts";
import { memory, peers } from "./peers.ts";
import { killChildrenOnSignal } from "./process.ts";
import { seed } from "./seed.ts";
import { young } from "./young.ts";
import { formatTable, median, type Row } from "./table.ts";

/** The scenarios, in the order they run (`server` uses the client's rate from `million`). */
const SCENARIOS: Record<string, Scenario> = {
  seed,
  engine,
  peers,
  memory,
  million,
  server: bundledServer,
  bodies,
  pace,
  rate,
  young,
};
/** Scenarios that run only when `--only` names them. */
const OPT_IN = new Set(["young"]);

const USAGE = `Usage: deno task bench [--quick] [--repeat R] [--only NAME[,NAME...]]

Runs the performance scenarios and prints the peers' table and the goals' table: scenario,
ours, reference, ratio, goal, result. Figures are the median of R repeats (default 3, or 1
with --quick) with the spread (min-max).

  --quick       smaller counts, for a smoke run of a few minutes
  --repeat R    repeats of every measurement
  --only NAME   run only these scenarios: ${Object.keys(SCENARIOS).join(", ")}
                (${[...OPT_IN].join(", ")} only when named)
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
    console.error(`error: ${oneLine(error)}`);
    return 2;
  }
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const quick = flags.quick ?? false;
  const repeat = Number(flags.repeat ?? (quick ? "1" : "3"));
  const names = Object.keys(SCENARIOS);
  const only = (flags.only ?? names.filter((name) => !OPT_IN.has(name)))
    .flatMap((name) => name.split(","));
  const unknown = only.find((name) => !names.includes(name));
  if (!Number.isInteger(repeat) || repeat < 1 || unknown !== undefined) {
    console.error(
      unknown === undefined
        ? `error: Cannot use --repeat '${flags.repeat}': it must be a positive integer`
        : `error: Cannot run scenario '${unknown}': the scenarios are ${names.join(", ")}`,
    );
    return 2;
  }
  const settings: Settings = { repeat, quick, notes: [], tables: [] };
  killChildrenOnSignal();

  const rows: Row[] = [];
  const started = performance.now();
  const loadBefore = await loadAverage();
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    if (!only.includes(name)) continue;
    const from = performance.now();
    log(`${name}: starting`);
    try {
      rows.push(...await scenario(settings));
    } catch (error) {
      console.error(error);
      rows.push({ scenario: name, goal: "–", skipped: oneLine(error) });
    }
    log(`${name}: done in ${((performance.now() - from) / 1000).toFixed(0)} s`);
  }

  const minutes = ((performance.now() - started) / 60_000).toFixed(1);
  for (const table of settings.tables) console.log(`${table}\n`);
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
    "MB are MiB (peak RSS in KiB / 1024, from /usr/bin/time -f %M)",
  );
  for (const note of settings.notes) console.log(`- ${note}`);
  return rows.some((row) =>
      row.meets && row.ratios?.length && !row.skipped && !row.meets(median(row.ratios))
    )
    ? 1
    : 0;
}

/** The 1-minute load average, or `?` where /proc/loadavg cannot be read. */
async function loadAverage(): Promise<string> {
  const text = await Deno.readTextFile("/proc/loadavg").catch(() => "?");
  return text.split(" ")[0]!;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
