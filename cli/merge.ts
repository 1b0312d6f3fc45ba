/**
 * The merge behind `report`: NDJSON outputs of one run (its shards and its
 * resumes) read as one, with one outcome per index (the last one written),
 * the indices the run never recorded, and the time during which requests
 * were in flight. Outputs of different runs are refused. Two passes over the
 * files (three for the final state), so memory stays at 8 bytes per index
 * and a bit per second of the runs' span.
 *
 * @module
 */

import { Journal, type JournalTarget } from "../output/journal.ts";
import { parseRecord, readLineAt, readLines } from "../output/ndjson.ts";
import { Occupancy } from "../output/occupancy.ts";
import { countOfRun } from "../output/run_identity.ts";
import type { RequestRecord } from "../runner/types.ts";
import { Summary } from "../report/summary.ts";
import { UsageError } from "./args.ts";
import { openForReading } from "./files.ts";

/** Options for {@linkcode mergeRecords}. */
export interface MergeOptions {
  /** Leave out lines that are not records instead of refusing them. */
  skipBad: boolean;
  /** Says what was left out, one line each. */
  warn: (text: string) => void;
  /** Also gets each record the summary counts. */
  onRecord?: ((record: RequestRecord) => void) | undefined;
  /**
   * Opens where to write the final state (each index's last record, in index
   * order); called only once the files are known to hold one run.
   */
  final?: (() => Promise<JournalTarget>) | undefined;
}

/** The merge of many outputs. */
export interface Merged {
  /** One record per index: the last one written for it. */
  summary: Summary;
  /** Milliseconds during which at least one request was in flight. */
  busyMs: number;
  /** The run's id, when its records name one. */
  run: string | undefined;
  /** Indices the run makes that no record holds; `undefined` when the run's count is not known. */
  missing: number | undefined;
}

/** Files at most, and bytes per file at most, that a record's position can tell. */
const MAX_FILES = 4096;
const MAX_OFFSET = 2 ** 40;

/**
 * Reads the outputs in order (`-` is standard input) and keeps, for each
 * index, its last record. A cut-short last line is left out with a warning;
 * any other line that is not a record is a usage error naming it, unless
 * `skipBad`; records of more than one run are a usage error naming where
 * each run's first record is.
 */
export async function mergeRecords(files: string[], options: MergeOptions): Promise<Merged> {
  if (files.length > MAX_FILES) {
    throw new UsageError(`Cannot report on ${files.length} files: the most is ${MAX_FILES}`);
  }
  const spool = files.includes("-") ? await spoolStandardInput() : undefined;
  try {
    const sources = files.map((file) => ({
      name: file === "-" ? "standard input" : `'${file}'`,
      path: file === "-" ? spool! : file,
    }));
    const last = new IndexPositions();
    const runs = new OneRun();
    let from = Infinity;
    let to = -Infinity;
    for (const [number, source] of sources.entries()) {
      for await (const { record, offset, lineNumber } of recordsOf(source, options)) {
        runs.check(record.run, source.name, lineNumber);
        if (offset >= MAX_OFFSET) {
          throw new UsageError(`Cannot report on ${source.name} as it is larger than 1 TiB`);
        }
        last.set(record.index, number * MAX_OFFSET + offset);
        from = Math.min(from, record.start);
        to = Math.max(to, record.start + record.ms);
      }
    }
    const summary = new Summary();
    const count = runs.id === undefined ? undefined : countOfRun(runs.id);
    const missing = count === undefined ? undefined : Math.max(0, count - last.size);
    if (from === Infinity) {
      if (options.final) await writeFinal(sources, last, await options.final());
      return { summary, busyMs: 0, run: runs.id, missing };
    }
    const busy = new Occupancy(from, to);
    const quiet = { skipBad: true, warn: () => {} };
    for (const [number, source] of sources.entries()) {
      for await (const { record, offset } of recordsOf(source, quiet)) {
        busy.add(record.start, record.start + record.ms);
        if (last.get(record.index) === number * MAX_OFFSET + offset) {
          summary.add(record);
          options.onRecord?.(record);
        }
      }
    }
    if (options.final) await writeFinal(sources, last, await options.final());
    return { summary, busyMs: busy.busy, run: runs.id, missing };
  } finally {
    if (spool) await Deno.remove(spool);
  }
}

/** Each index's last record, in index order, copied line for line. */
async function writeFinal(
  sources: { path: string }[],
  last: IndexPositions,
  target: JournalTarget,
): Promise<void> {
  const opened: Deno.FsFile[] = [];
  try {
    for (const { path } of sources) opened.push(await Deno.open(path));
    await using writer = new Journal(target);
    for (const position of last.positions()) {
      const file = opened[Math.floor(position / MAX_OFFSET)]!;
      await writer.write(await readLineAt(file, position % MAX_OFFSET));
    }
    await writer.flush();
  } finally {
    for (const file of opened) file.close();
  }
}

/** Where the first record of each run was seen; refuses a second run. */
class OneRun {
  id: string | undefined;
  #seen = false;
  #where = "";

  check(run: string | undefined, name: string, lineNumber: number): void {
    if (!this.#seen) {
      this.#seen = true;
      this.id = run;
      this.#where = `${name} line ${lineNumber}`;
    } else if (run !== this.id) {
      throw new UsageError(
        `Cannot report on records of different runs: ${this.#where} is ${describe(this.id)}, ` +
          `${name} line ${lineNumber} is ${describe(run)}; report each run on its own`,
      );
    }
  }
}

function describe(run: string | undefined): string {
  return run === undefined ? "of no named run" : `of run ${run}`;
}

/** A record, where its line starts, and its line number. */
interface Located {
  record: RequestRecord & { run: string | undefined };
  offset: number;
  lineNumber: number;
}

/** A file's records, blank lines skipped. */
async function* recordsOf(
  source: { name: string; path: string },
  { skipBad, warn }: Pick<MergeOptions, "skipBad" | "warn">,
): AsyncGenerator<Located> {
  const { name, path } = source;
  let lineNumber = 0;
  let skipped = 0;
  try {
    for await (const { text, offset, whole } of readLines((await openForReading(path)).readable)) {
      lineNumber++;
      if (text.trim() === "") continue;
      const record = parseRecord(text);
      if (record) {
        yield { record, offset, lineNumber };
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

/** Each index's last position: 8 bytes an index, in chunks as used. */
class IndexPositions {
  #chunks = new Map<number, Float64Array>();
  size = 0;

  /** Sets `index`'s position (a non-negative number). */
  set(index: number, position: number): void {
    const key = Math.floor(index / CHUNK);
    let chunk = this.#chunks.get(key);
    if (!chunk) this.#chunks.set(key, chunk = new Float64Array(CHUNK));
    if (chunk[index % CHUNK] === 0) this.size++;
    chunk[index % CHUNK] = position + 1;
  }

  /** `index`'s position, or -1 when it has none. */
  get(index: number): number {
    return (this.#chunks.get(Math.floor(index / CHUNK))?.[index % CHUNK] ?? 0) - 1;
  }

  /** The positions, in index order. */
  *positions(): Generator<number> {
    for (const key of [...this.#chunks.keys()].sort((a, b) => a - b)) {
      for (const stored of this.#chunks.get(key)!) if (stored > 0) yield stored - 1;
    }
  }
}

const CHUNK = 65_536;
