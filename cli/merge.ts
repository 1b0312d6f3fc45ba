/**
 * The merge behind `report`: NDJSON outputs of resumed and sharded runs read
 * as one run, with one outcome per index (the last one written) and the time
 * during which requests were in flight. Two passes over the files, so memory
 * stays at about a byte per index and a bit per second of the runs' span.
 *
 * @module
 */

import { parseRecord, readLines } from "../output/ndjson.ts";
import { Occupancy } from "../output/occupancy.ts";
import type { RequestRecord } from "../runner/types.ts";
import { Summary } from "../report/summary.ts";
import { UsageError } from "./args.ts";
import { openForReading } from "./files.ts";
import { HEADER_TAG } from "./output.ts";

/** Options for {@linkcode mergeRecords}. */
export interface MergeOptions {
  /** Leave out lines that are not records instead of refusing them. */
  skipBad: boolean;
  /** Says what was left out, one line each. */
  warn: (text: string) => void;
  /** Also gets each record the summary counts. */
  onRecord?: ((record: RequestRecord) => void) | undefined;
}

/** The merge of many outputs. */
export interface Merged {
  /** One record per index: the last one written for it. */
  summary: Summary;
  /** Milliseconds during which at least one request was in flight. */
  busyMs: number;
}

/**
 * Reads the outputs in order (`-` is standard input) and keeps, for each
 * index, its last record. A cut-short last line is left out with a warning;
 * any other line that is not a record is a usage error naming it, unless
 * `skipBad`.
 */
export async function mergeRecords(files: string[], options: MergeOptions): Promise<Merged> {
  const spool = files.includes("-") ? await spoolStandardInput() : undefined;
  try {
    const sources = files.map((file) => ({ name: file, path: file === "-" ? spool! : file }));
    const counts = new IndexCounts();
    let from = Infinity;
    let to = -Infinity;
    for (const source of sources) {
      for await (const record of recordsOf(source, options)) {
        counts.increment(record.index);
        from = Math.min(from, record.start);
        to = Math.max(to, record.start + record.ms);
      }
    }
    const summary = new Summary();
    if (from === Infinity) return { summary, busyMs: 0 };
    const busy = new Occupancy(from, to);
    const quiet = { skipBad: true, warn: () => {} };
    for (const source of sources) {
      for await (const record of recordsOf(source, quiet)) {
        busy.add(record.start, record.start + record.ms);
        if (counts.decrement(record.index) === 0) {
          summary.add(record);
          options.onRecord?.(record);
        }
      }
    }
    return { summary, busyMs: busy.busy };
  } finally {
    if (spool) await Deno.remove(spool);
  }
}

/** A file's records, its header line and blank lines skipped. */
async function* recordsOf(
  source: { name: string; path: string },
  { skipBad, warn }: MergeOptions,
): AsyncGenerator<RequestRecord> {
  const { name, path } = source;
  let lineNumber = 0;
  let skipped = 0;
  try {
    for await (const { text, whole } of readLines((await openForReading(path)).readable)) {
      lineNumber++;
      if (text.trim() === "" || lineNumber === 1 && isHeader(text)) continue;
      const record = parseRecord(text);
      if (record) {
        yield record;
      } else if (!whole) {
        warn(
          `warning: ${name} line ${lineNumber} is cut short (its run was stopped mid-write); left out`,
        );
      } else if (skipBad) {
        skipped++;
      } else {
        throw new UsageError(
          `Cannot read ${name} line ${lineNumber} as it is not a valid request record; ` +
            `leave such lines out with --skip-bad`,
        );
      }
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`Cannot read ${name}: ${(error as Error).message}`);
  }
  if (skipped > 0) warn(`warning: ${name}: left out ${skipped} lines that are not valid records`);
}

function isHeader(text: string): boolean {
  try {
    return Object.hasOwn(JSON.parse(text), HEADER_TAG);
  } catch {
    return false;
  }
}

/** Standard input copied to a temporary file, so it can be read twice. */
async function spoolStandardInput(): Promise<string> {
  let path: string;
  try {
    path = await Deno.makeTempFile({ prefix: "manyreq-report-", suffix: ".ndjson" });
  } catch (error) {
    throw new UsageError(
      `Cannot merge standard input as it must be copied to a temporary file: ${
        (error as Error).message
      }`,
    );
  }
  const file = await Deno.open(path, { write: true });
  await Deno.stdin.readable.pipeTo(file.writable);
  return path;
}

/** How many records each index has left to read: a byte an index, in chunks as used. */
class IndexCounts {
  #chunks = new Map<number, Uint8Array>();
  /** Counts past 255, beyond their byte. */
  #more = new Map<number, number>();

  increment(index: number): void {
    const chunk = this.#chunk(index);
    const at = index % CHUNK;
    if (chunk[at] === 255) this.#more.set(index, (this.#more.get(index) ?? 0) + 1);
    else chunk[at]!++;
  }

  /** Takes one away; returns how many are left. */
  decrement(index: number): number {
    const more = this.#more.get(index);
    if (more !== undefined) {
      if (more === 1) this.#more.delete(index);
      else this.#more.set(index, more - 1);
      return 255 + more - 1;
    }
    return --this.#chunk(index)[index % CHUNK]!;
  }

  #chunk(index: number): Uint8Array {
    const key = Math.floor(index / CHUNK);
    let chunk = this.#chunks.get(key);
    if (!chunk) this.#chunks.set(key, chunk = new Uint8Array(CHUNK));
    return chunk;
  }
}

const CHUNK = 65_536;
