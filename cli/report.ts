/**
 * `main.ts report FILE...`: the summary of NDJSON outputs written earlier,
 * merged as one run: shards add up, a resumed run counts each index once,
 * the indices never recorded are `missing`, and `--final FILE` exports each
 * index's last record in index order.
 *
 * @module
 */

import { parse, UsageError } from "./args.ts";
import { checkNotSameFile, requirePermission } from "./files.ts";
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
      final: { type: "string" },
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
  const { final } = flags;
  if (final === "") {
    throw new UsageError("Cannot use --final: name a file, or - for standard output");
  }
  if (final === "-" && files.includes("-")) {
    throw new UsageError("Cannot use --final - with standard input as a file to report on");
  }
  if (final !== undefined && final !== "-") {
    requirePermission("write", final);
    await checkNotSameFile(
      final,
      files.filter((file) => file !== "-").map((file) => ["a report's input", file]),
    );
  }
  // With the final state on standard output, the summary goes to standard error.
  const print = final === "-" ? console.error : console.log;
  // Opened only once the files hold one run: a refused report leaves FILE as it was.
  let finalFile: Deno.FsFile | undefined;
  const openFinal = final === undefined
    ? undefined
    : final === "-"
    ? () => Promise.resolve(Deno.stdout)
    : async () => finalFile = await Deno.open(final, { write: true, create: true, truncate: true });
  let merged;
  try {
    merged = await mergeRecords(files, {
      skipBad: flags["skip-bad"] ?? false,
      warn: (text) => console.error(text),
      onRecord: outcome.timeline && ((record) => outcome.timeline!.add(record)),
      final: openFinal,
    });
  } catch (error) {
    if (error instanceof UsageError || final === undefined) throw error;
    console.error(`error: Cannot write the final state to '${final}': ${(error as Error).message}`);
    return 3;
  } finally {
    finalFile?.close();
  }
  const { summary, busyMs, missing } = merged;
  const json = { ...summary.toJSON(), missing: missing ?? null };
  // Records of a rate run hold the requests sent: those its schedule dropped are not known here.
  if (summary.firstDue !== undefined) json.dropped = null;
  // The time requests were in flight: not the pause between a crash and its resume.
  json.seconds = Math.round(busyMs) / 1000;
  json.requestsPerSecond = busyMs > 0 ? Math.round(json.count / (busyMs / 1000)) : 0;
  const extra = missing ? missingLine(missing, json.count + missing) : "";
  const { text, code, summary: verdict } = conclude(summary, json, outcome, {
    json: flags.json,
    extra,
  });
  print(text);
  const htmlError = await writeHtml(outcome, `main.ts report ${files.join(" ")}`, verdict);
  if (htmlError) {
    console.error(`error: ${htmlError}`);
    return 3;
  }
  return code || (outcome.thresholds.length === 0 && (missing ?? 0) > 0 ? 1 : 0);
}

/** The summary's line for indices the run never recorded. */
function missingLine(missing: number, count: number): string {
  return `${"missing".padEnd(12)}${missing} of ${count} never recorded: the run was stopped or ` +
    `a shard's output is not given; continue it with --resume\n`;
}
