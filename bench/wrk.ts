/**
 * `wrk`, the reference load generator: one thread, C connections, a fixed duration.
 *
 * @module
 */

import { run } from "./process.ts";

/** Options for {@linkcode runWrk}. */
export interface WrkOptions {
  /** Open connections (`-c`). */
  connections: number;
  /** The duration in whole seconds (`-d`). */
  seconds: number;
  /** Pins wrk to this CPU with `taskset -c`. */
  cpu?: number;
}

/** What one wrk run measured. */
export interface WrkResult {
  /** `Requests/sec` as wrk reports it. */
  requestsPerSecond: number;
  /** wrk's socket error and non-2xx lines, when there were any. */
  errors?: string;
}

/**
 * Runs `wrk -t1 -cC -dS URL`.
 *
 * @param url The URL to load.
 * @param options The connections, the duration and the CPU.
 * @returns The request rate, and any errors wrk reported.
 * @throws {Error} When wrk fails or prints no request rate.
 */
export async function runWrk(url: string, options: WrkOptions): Promise<WrkResult> {
  const { connections, seconds, cpu } = options;
  const command = ["wrk", "-t1", `-c${connections}`, `-d${seconds}s`, url];
  const result = await run(command, cpu === undefined ? {} : { cpu });
  const match = /^Requests\/sec:\s*([\d.]+)/m.exec(result.stdout);
  if (result.code !== 0 || !match) {
    throw new Error(`Cannot run ${command.join(" ")}: ${result.stderr.trim() || result.stdout}`);
  }
  const errors = result.stdout.split("\n")
    .filter((line) => /Socket errors|Non-2xx/.test(line))
    .map((line) => line.trim())
    .join("; ");
  return errors ? { requestsPerSecond: Number(match[1]), errors } : {
    requestsPerSecond: Number(match[1]),
  };
}
