/**
 * The run's NDJSON output: a {@linkcode Journal} whose first line names the
 * run that wrote it, and whose records say which indices already finished,
 * so `--resume` can continue it. Standard output (`-`) works as a stream.
 *
 * @module
 */

import { Bitset } from "../output/bitset.ts";
import { Journal, JournalError } from "../output/journal.ts";
import { parseRecord } from "../output/ndjson.ts";
import { UsageError } from "./args.ts";

/** What a run is, as far as its output goes: the same identity, the same requests. */
export interface RunIdentity {
  /** The URL template, when there is one. */
  url?: string;
  /** The bundled server's settings, when it is the target. */
  bundled?: { maxDelay: number; seed: number };
  /** The URL list's path (resolved), or `-`. */
  urls?: string;
  /** The targets file's path (resolved), or `-`. */
  targets?: string;
  /** Requests in the whole run, when known up front. */
  count?: number;
  /** `I/N`, when sharded. */
  shard?: string;
}

/** The tag of an output file's first line, which `report` skips. */
export const HEADER_TAG = "manyreq";
/** The version of the output's layout. */
export const OUTPUT_VERSION = 1;

/** A run's output, opened; `finished` holds the indices already done ok in it. */
export interface Output extends AsyncDisposable {
  journal: Journal;
  finished: Bitset;
  /** Where the output goes, for messages. */
  name: string;
}

/** The output's first line: `{"manyreq":1,"run":{...}}`. */
export function headerOf(identity: RunIdentity): string {
  return JSON.stringify({ [HEADER_TAG]: OUTPUT_VERSION, run: identity });
}

/**
 * Opens the output: a file, locked and refused when it holds another run or
 * any records without `--resume` or `--overwrite`; or standard output (`-`).
 */
export async function openOutput(
  path: string,
  identity: RunIdentity,
  mode: { resume: boolean; overwrite: boolean },
): Promise<Output> {
  const header = headerOf(identity);
  const finished = new Bitset();
  if (path === "-") {
    const journal = new Journal(Deno.stdout);
    await journal.write(header);
    return {
      journal,
      finished,
      name: "standard output",
      [Symbol.asyncDispose]: () => journal[Symbol.asyncDispose](),
    };
  }
  let journal: Journal;
  try {
    journal = await Journal.open(path, {
      header,
      ...mode,
      onEntry(line, lineNumber) {
        const record = parseRecord(line);
        if (record === undefined) {
          throw new UsageError(
            `Cannot resume '${path}' as line ${lineNumber} is not a request record`,
          );
        }
        if (record.error === undefined) finished.add(record.index);
        else finished.delete(record.index);
      },
    });
  } catch (error) {
    if (error instanceof JournalError) throw new UsageError(refusal(path, error, identity));
    if (error instanceof UsageError) throw error;
    throw new UsageError(`Cannot write '${path}': ${(error as Error).message.split(":")[0]}`);
  }
  return {
    journal,
    finished,
    name: `'${path}'`,
    [Symbol.asyncDispose]: () => journal[Symbol.asyncDispose](),
  };
}

function refusal(path: string, error: JournalError, identity: RunIdentity): string {
  if (error.reason === "locked") {
    return `Cannot write '${path}' as another run is writing it`;
  }
  if (error.reason === "exists") {
    return `Cannot write '${path}' as it already holds records: ` +
      `continue that run with --resume, or start again with --overwrite`;
  }
  let found: RunIdentity | undefined;
  try {
    const header = JSON.parse(error.found ?? "");
    if (header?.[HEADER_TAG] === OUTPUT_VERSION) found = header.run;
  } catch { /* not a header */ }
  if (found === undefined) {
    return `Cannot resume '${path}' as it is not the output of a run of this version ` +
      `(its first line is not a run header); start again with --overwrite`;
  }
  return `Cannot resume '${path}' as another run wrote it (${describeRun(found)}), ` +
    `not this one (${
      describeRun(identity)
    }); start again with --overwrite or name another --output`;
}

/** A run's identity as the flags that make it. */
export function describeRun(identity: RunIdentity): string {
  const parts: string[] = [];
  if (identity.bundled) {
    parts.push(
      `the bundled server --max-delay ${identity.bundled.maxDelay} --seed ${identity.bundled.seed}`,
    );
  }
  if (identity.url !== undefined) parts.push(`--url '${identity.url}'`);
  if (identity.urls !== undefined) parts.push(`--urls '${identity.urls}'`);
  if (identity.targets !== undefined) parts.push(`--targets '${identity.targets}'`);
  if (identity.count !== undefined) parts.push(`--count ${identity.count}`);
  if (identity.shard !== undefined) parts.push(`--shard ${identity.shard}`);
  return parts.join(" ");
}
