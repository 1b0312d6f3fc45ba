/**
 * `main.ts report FILE...`: the summary of NDJSON outputs written earlier,
 * merged as one run: shards add up, and a resumed run counts each index once.
 *
 * @module
 */

import { parse, UsageError } from "./args.ts";
import { requirePermission } from "./files.ts";
import { mergeRecords } from "./merge.ts";
import { conclude, OUTCOME_OPTIONS, planOutcome, writeHtml } from "./outcome.ts";
import { USAGE } from "./usage.ts";

/** Runs `report` with its arguments, printing to `console`; returns the exit code. */
export async function report(
  args: string[],
  console: Pick<Console, "log" | "error"> = globalThis.console,
): Promise<number> {
  const { values: flags, positionals: files } = parse({
    args,
    options: {
      json: { type: "boolean" },
      "skip-bad": { type: "boolean" },
      help: { type: "boolean" },
      ...OUTCOME_OPTIONS,
    },
    allowPositionals: true,
  });
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const outcome = planOutcome(flags);
  if (files.length === 0) throw new UsageError("Cannot report: name one or more NDJSON files");
  for (const file of files) if (file !== "-") requirePermission("read", file);
  const { summary, busyMs } = await mergeRecords(files, {
    skipBad: flags["skip-bad"] ?? false,
    warn: (text) => console.error(text),
    onRecord: outcome.timeline && ((record) => outcome.timeline!.add(record)),
  });
  const json = summary.toJSON();
  // The time requests were in flight: not the pause between a crash and its resume.
  json.seconds = Math.round(busyMs) / 1000;
  json.requestsPerSecond = busyMs > 0 ? Math.round(json.count / (busyMs / 1000)) : 0;
  const { text, code, summary: verdict } = conclude(json, outcome, { json: flags.json });
  console.log(text);
  const htmlError = await writeHtml(outcome, `main.ts report ${files.join(" ")}`, verdict);
  if (htmlError) {
    console.error(`error: ${htmlError}`);
    return 3;
  }
  return code || (json.failed > 0 ? 1 : 0);
}
