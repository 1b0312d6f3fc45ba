/**
 * What the bench's scenarios share: the settings of a run, running the CLI and the JSON-printing
 * scripts, logging.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { run, type RunCommandOptions, type RunResult } from "./process.ts";
import type { Row } from "./table.ts";

/** The CLI, `main.ts`. */
export const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
/** Kilobytes in a megabyte (MiB), for peak RSS from `/usr/bin/time`. */
export const MB = 1024;

/** The sizes of a bench run, and what the scenarios report besides their rows. */
export interface Settings {
  /** Repeats of every measurement. */
  repeat: number;
  /** Smaller counts, for a smoke run. */
  quick: boolean;
  /** Notes printed under the goals' table. */
  notes: string[];
  /** Tables printed before the goals' table, such as the peers'. */
  tables: string[];
  /** The client's request rate in the largest zero-delay run, per repeat, once measured. */
  clientRates?: number[];
}

/** A scenario: measures, and returns its rows for the goals' table. */
export type Scenario = (settings: Settings) => Promise<Row[]>;

/** What the client CLI prints with `--json` (the fields the bench reads). */
export interface ClientJson {
  count: number;
  ok: number;
  failed: number;
  seconds: number;
  requestsPerSecond: number;
  concurrency: number;
  errors: Record<string, number>;
}

/**
 * Runs the client CLI with `args` and parses its JSON summary; notes failed requests.
 *
 * @param args The CLI's arguments (`--json` among them).
 * @param settings Where to note failed requests.
 * @param options How to run it: pinned, timed, sampled.
 * @returns The summary and the process's figures.
 * @throws {Error} When the CLI exits with neither 0 nor 1.
 */
export async function runCli(
  args: string[],
  settings: Settings,
  options: RunCommandOptions = {},
): Promise<{ json: ClientJson; result: RunResult }> {
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

/**
 * Logs a line of progress to standard error.
 *
 * @param text The line.
 */
export function log(text: string): void {
  console.error(`bench: ${text}`);
}

/**
 * The first line of an error's message.
 *
 * @param error What was thrown.
 * @returns One line.
 */
export function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
}

/**
 * A count as `10k` or `1M`.
 *
 * @param count The count.
 * @returns Its short label.
 */
export function label(count: number): string {
  return count >= 1e6 ? `${count / 1e6}M` : `${count / 1e3}k`;
}
