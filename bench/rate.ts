/**
 * The rate scenario: the CLI at `--rate 5000` for 10 s against nginx (one worker, loopback),
 * its p99 latency from the due time, side by side in each repeat with hey's at the same rate
 * (`-c 50 -q 100`: 50 workers of 100 requests per second). The goal is a p99 within 3x hey's:
 * no start-up artefact (connections opened on demand while the schedule runs).
 *
 * @module
 */

import { log, runCli, type Settings } from "./common.ts";
import { startNginx } from "./nginx.ts";
import { ensureCommand, run } from "./process.ts";
import type { Row } from "./table.ts";

/** Requests per second, and hey's workers that make it (hey's `-q` is per worker). */
const RATE = 5000;
const HEY_WORKERS = 50;

/**
 * Runs the rate scenario `repeat` times.
 *
 * @param settings The run's settings.
 * @returns The row of the goals' table: our p99 against hey's.
 */
export async function rate(settings: Settings): Promise<Row[]> {
  const scenario = `rate: --rate ${RATE} to nginx, p99 from the due time vs hey's p99`;
  for (const [command, pkg] of [["nginx", "nginx-light"], ["hey", "hey"]] as const) {
    const missing = await ensureCommand(command, pkg);
    if (missing !== undefined) {
      settings.notes.push(`rate skipped: ${missing}`);
      return [{ scenario, goal: "≤ 3", skipped: `${command} is missing` }];
    }
  }
  const seconds = settings.quick ? 3 : 10;
  const ours: number[] = [], hey: number[] = [];
  await using nginx = await startNginx();
  for (let i = 0; i < settings.repeat; i++) {
    const args = [nginx.url, "--rate", String(RATE), "--duration", `${seconds}s`, "--json"];
    const { json } = await runCli([...args, "--quiet"], settings);
    const { latencyMs, dropped } = json as unknown as {
      latencyMs: { p99: number };
      dropped: number;
    };
    ours.push(latencyMs.p99);
    const q = String(RATE / HEY_WORKERS);
    const result = await run([
      "hey",
      "-z",
      `${seconds}s`,
      "-c",
      String(HEY_WORKERS),
      "-q",
      q,
      nginx.url,
    ]);
    const p99 = /99% in ([\d.]+) secs/.exec(result.stdout)?.[1];
    if (result.code !== 0 || p99 === undefined) {
      throw new Error(`Cannot run hey: exit ${result.code}: ${result.stderr}${result.stdout}`);
    }
    hey.push(Number(p99) * 1000);
    log(`rate ${i + 1}: p99 ${ours.at(-1)} ms (${dropped} dropped), hey's ${hey.at(-1)} ms`);
  }
  return [{
    scenario,
    ours: { values: ours, unit: "ms" },
    reference: { values: hey, unit: "ms" },
    ratios: ours.map((value, i) => value / hey[i]!),
    goal: "≤ 3",
    meets: (ratio) => ratio <= 3,
  }];
}
