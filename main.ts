/**
 * The command line: make N requests (or one per line of a URL list) with
 * bounded concurrency, against the bundled delay server unless told
 * otherwise, and print a summary. `main.ts report FILE...` summarizes NDJSON
 * outputs written earlier, from one run or many shards.
 *
 * @example
 * ```sh
 * deno run -A main.ts --count 10000
 * deno run -A main.ts --url 'http://127.0.0.1:8080/{}' --count 1000 --json
 * deno run -A main.ts report shard-*.ndjson
 * ```
 *
 * @module
 */

import { UsageError } from "./cli/args.ts";
import { report } from "./cli/report.ts";
import { run } from "./cli/run.ts";

/** Options for {@linkcode main}. */
export interface MainOptions {
  /**
   * Where the summary, the notes and the errors are printed: a caller that runs the CLI
   * in-process can pass its own to capture them. The records of `--output -`, the lines of
   * `--verbose` and the progress line go to the process's standard streams.
   *
   * @default {globalThis.console}
   */
  console?: Pick<Console, "log" | "error">;
}

/**
 * Runs the command line. Only the `import.meta.main` block touches
 * `Deno.args` and `Deno.exit`, so the CLI also runs in-process.
 *
 * @param args The arguments, without the program name.
 * @param options Where to print.
 * @returns The exit code: 0 all ok, 1 some failed, 2 bad usage, 3 the output could not be
 * written, 130 or 143 interrupted.
 *
 * @example A run against the bundled server
 * ```ts
 * import { main } from "./main.ts";
 * import assert from "node:assert/strict";
 *
 * const printed: string[] = [];
 * const console = { log: (text: string) => printed.push(text), error: (text: string) => printed.push(text) };
 * assert.equal(await main(["--count", "20", "--max-delay", "0", "--quiet", "--json"], { console }), 0);
 * assert.equal(JSON.parse(printed.at(-1)!).ok, 20);
 * assert.equal(await main(["--count", "-1"], { console }), 2);
 * assert.match(printed.at(-1)!, /^error: .*--count/);
 * ```
 */
export async function main(args: string[], options: MainOptions = {}): Promise<number> {
  const { console = globalThis.console } = options;
  try {
    return args[0] === "report" ? await report(args.slice(1), console) : await run(args, console);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}`);
    return 2;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
