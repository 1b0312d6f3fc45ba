/**
 * `main.ts report FILE...`: the summary of NDJSON records written earlier.
 *
 * @module
 */

import { readRecords } from "../ndjson.ts";
import { Summary } from "../summary.ts";
import { formatSummary } from "../summary_text.ts";
import { parse, UsageError } from "./args.ts";
import { openForReading, requirePermission } from "./files.ts";
import { USAGE } from "./usage.ts";

/** Runs `report` with its arguments; returns the exit code. */
export async function report(args: string[]): Promise<number> {
  const { values: flags, positionals: files } = parse({
    args,
    options: { json: { type: "boolean" }, help: { type: "boolean" } },
    allowPositionals: true,
  });
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  if (files.length === 0) throw new UsageError("Cannot report: name one or more NDJSON files");
  for (const file of files) if (file !== "-") requirePermission("read", file);
  const summary = new Summary();
  for (const file of files) {
    const stream = file === "-" ? Deno.stdin.readable : (await openForReading(file)).readable;
    try {
      for await (const record of readRecords(stream, file)) summary.add(record);
    } catch (error) {
      // Not a record, or the file could not be read to its end.
      throw new UsageError((error as Error).message);
    }
  }
  const json = summary.toJSON();
  console.log(flags.json ? JSON.stringify(json) : formatSummary(json).trimEnd());
  return json.failed > 0 ? 1 : 0;
}
