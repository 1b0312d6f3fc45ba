/**
 * The seed's run: 10,000 requests to the bundled server, delays 0–3 s, limit 1000; the client's
 * wall time (first request to last response) against the greedy list-scheduling bound.
 *
 * @module
 */

import { greedyMakespan } from "../report/greedy_bound.ts";
import { createDelaySequence } from "../server.ts";
import { log, runCli, type Settings } from "./common.ts";
import type { Row } from "./table.ts";

/**
 * Runs the seed's job `repeat` times.
 *
 * @param settings The run's settings.
 * @returns The rows: against the bound, and with process start-up included.
 */
export async function seed(settings: Settings): Promise<Row[]> {
  const count = settings.quick ? 2_000 : 10_000;
  const seconds: number[] = [], processSeconds: number[] = [], bounds: number[] = [];
  for (let i = 0; i < settings.repeat; i++) {
    const { json, result } = await runCli(
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
