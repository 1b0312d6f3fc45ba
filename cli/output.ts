/**
 * The run's NDJSON output: a {@linkcode Journal} of records only, each
 * carrying the run's id, and beside it the run's description
 * (`FILE.run.json`), so `--resume` can continue it and say what differs when
 * another run wrote it. Standard output (`-`) works as a stream.
 *
 * @module
 */

import { Bitset } from "../output/bitset.ts";
import { Journal, JournalError } from "../output/journal.ts";
import { parseRecord, recordLine } from "../output/ndjson.ts";
import {
  countOfRun,
  differences,
  parseIdentity,
  runId,
  type RunIdentity,
} from "../output/run_identity.ts";
import type { RequestRecord } from "../runner/types.ts";
import { UsageError } from "./args.ts";

/** The tag and version of a run's description file. */
const DESCRIPTION_TAG = "manyreq";
const DESCRIPTION_VERSION = 2;

/** A run's output, opened; `finished` holds the indices already done ok in it. */
export interface Output extends AsyncDisposable {
  journal: Journal;
  finished: Bitset;
  /** Where the output goes, for messages. */
  name: string;
  /** The run's id, as each record carries it. */
  run: string;
  /** Adds a record. */
  write(record: RequestRecord): Promise<void>;
}

/**
 * The file beside an output that describes the run that writes it.
 *
 * @param path The output's path.
 * @returns The description's path.
 */
export function descriptionPath(path: string): string {
  return `${path}.run.json`;
}

/**
 * Opens the output: a file, locked and refused when it holds another run's
 * records, or any records without `--resume` or `--overwrite`; or standard
 * output (`-`). A refused file is left as it was.
 */
export async function openOutput(
  path: string,
  identity: RunIdentity,
  mode: { resume: boolean; overwrite: boolean },
): Promise<Output> {
  const run = runId(identity);
  const finished = new Bitset();
  const opened = (journal: Journal, name: string): Output => ({
    journal,
    finished,
    name,
    run,
    write: (record) => journal.write(recordLine(record, run)),
    [Symbol.asyncDispose]: () => journal[Symbol.asyncDispose](),
  });
  if (path === "-") return opened(new Journal(Deno.stdout), "standard output");

  const description = descriptionPath(path);
  // A missing or empty output is a new run, whatever description is left beside it. A device
  // or a pipe holds no run to resume, and gets no description.
  const stat = await Deno.stat(path).catch(() => undefined);
  const regular = stat === undefined || stat.isFile;
  const before = mode.resume && (stat?.size ?? 0) > 0 && regular
    ? await readDescription(description)
    : undefined;
  if (before !== undefined) {
    const found = differences(before, identity);
    if (found.length > 0) throw new UsageError(anotherRun(path, found.join("; ")));
  }
  let journal: Journal;
  try {
    journal = await Journal.open(path, {
      ...mode,
      onEntry(line, lineNumber) {
        const record = parseRecord(line);
        if (record === undefined) {
          throw new UsageError(
            lineNumber === 1 && line.startsWith(`{"${DESCRIPTION_TAG}":`)
              ? `Cannot resume '${path}' as an older version wrote it (its first line is a ` +
                `run header); start again with --overwrite`
              : `Cannot resume '${path}' as line ${lineNumber} is not a request record`,
          );
        }
        if (record.run !== run) {
          throw new UsageError(anotherRun(path, recordsDiffer(record.run, run, before)));
        }
        const { shard } = identity;
        if (shard !== null && !inShard(record.index, shard)) {
          throw new UsageError(
            `Cannot resume '${path}' as it holds index ${record.index}, which --shard ${shard} ` +
              `does not make: it is another shard's output`,
          );
        }
        if (record.error === undefined) finished.add(record.index);
        else finished.delete(record.index);
      },
    });
  } catch (error) {
    if (error instanceof JournalError) throw new UsageError(refusal(path, error));
    if (error instanceof UsageError) throw error;
    throw new UsageError(`Cannot write '${path}': ${(error as Error).message.split(":")[0]}`);
  }
  try {
    if (regular) await writeDescription(description, identity, run);
  } catch (error) {
    await journal[Symbol.asyncDispose]().catch(() => {});
    throw new UsageError(`Cannot write '${description}': ${(error as Error).message}`);
  }
  return opened(journal, `'${path}'`);
}

/** Whether `index` belongs to shard `I/N`. */
function inShard(index: number, shard: string): boolean {
  const [i, n] = shard.split("/").map(Number);
  return index % n! === i;
}

function anotherRun(path: string, what: string): string {
  return `Cannot resume '${path}' as another run wrote it: ${what}; ` +
    `start again with --overwrite or name another --output`;
}

/** What can be told of two runs from their ids, and their descriptions when there is one. */
function recordsDiffer(then: string | undefined, now: string, before: RunIdentity | undefined) {
  if (then === undefined) return "its records name no run";
  const [countThen, countNow] = [countOfRun(then), countOfRun(now)];
  if (countThen !== countNow) return `--count ${countThen ?? "unset"} then, ${countNow} now`;
  return `run ${then} then, ${now} now (` +
    (before === undefined
      ? "its description, the .run.json beside it, is missing, so what differs cannot be told"
      : "its records are not those of the run its description names") +
    ")";
}

function refusal(path: string, error: JournalError): string {
  if (error.reason === "locked") {
    return `Cannot write '${path}' as another run is writing it`;
  }
  return `Cannot write '${path}' as it already holds records: ` +
    `continue that run with --resume, or start again with --overwrite`;
}

/** The identity a description file names; `undefined` when there is none. */
async function readDescription(path: string): Promise<RunIdentity | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new UsageError(`Cannot read '${path}': ${(error as Error).message}`);
  }
  let value: { [DESCRIPTION_TAG]?: unknown; identity?: unknown };
  try {
    value = JSON.parse(text);
  } catch {
    value = {};
  }
  const identity = value[DESCRIPTION_TAG] === DESCRIPTION_VERSION
    ? parseIdentity(value.identity)
    : undefined;
  if (identity === undefined) {
    throw new UsageError(`Cannot resume as '${path}' does not describe a run of this version`);
  }
  return identity;
}

/** Writes the description whole or not at all: to a temporary file, then renamed. */
async function writeDescription(path: string, identity: RunIdentity, run: string): Promise<void> {
  const text = JSON.stringify({ [DESCRIPTION_TAG]: DESCRIPTION_VERSION, run, identity }) + "\n";
  const part = `${path}.part`;
  try {
    await Deno.writeTextFile(part, text);
    await Deno.rename(part, path);
  } catch (error) {
    await Deno.remove(part).catch(() => {});
    throw error;
  }
}
