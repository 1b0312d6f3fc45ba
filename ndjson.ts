/**
 * Newline-delimited JSON: a buffered line writer for records and verbose
 * output, and a streaming reader for records written earlier.
 *
 * @module
 */

import type { RequestRecord } from "./runner.ts";
import { lines } from "./sources.ts";

/** Flush once this many characters are buffered. */
const FLUSH_CHARS = 64 * 1024;

/**
 * Buffers lines and writes them in large chunks. Await {@linkcode LineWriter.write}
 * so a slow disk holds back the caller.
 *
 * @example
 * ```ts
 * import { LineWriter } from "./ndjson.ts";
 * import assert from "node:assert/strict";
 *
 * const chunks: Uint8Array[] = [];
 * const writer = new LineWriter({
 *   write: (chunk) => Promise.resolve(chunks.push(chunk) && chunk.length),
 *   writeSync: (chunk) => chunks.push(chunk) && chunk.length,
 * });
 * await writer.write(JSON.stringify({ index: 0 }));
 * await writer.flush();
 * assert.equal(new TextDecoder().decode(chunks[0]), '{"index":0}\n');
 * ```
 */
export class LineWriter {
  #target: LineTarget;
  #buffer = "";
  #encoder = new TextEncoder();

  /**
   * Creates a writer.
   *
   * @param target Where the bytes go, such as a `Deno.FsFile` or `Deno.stdout`.
   */
  constructor(target: LineTarget) {
    this.#target = target;
  }

  /**
   * Adds one line; writes the buffer out when it is full.
   *
   * @param line The line, without its newline.
   */
  async write(line: string): Promise<void> {
    this.#buffer += line + "\n";
    if (this.#buffer.length >= FLUSH_CHARS) await this.flush();
  }

  /** Writes out everything buffered. */
  async flush(): Promise<void> {
    let bytes = this.#encoder.encode(this.#buffer);
    this.#buffer = "";
    while (bytes.length > 0) bytes = bytes.subarray(await this.#target.write(bytes));
  }

  /** Writes out everything buffered before returning, for a process about to exit. */
  flushSync(): void {
    let bytes = this.#encoder.encode(this.#buffer);
    this.#buffer = "";
    while (bytes.length > 0) bytes = bytes.subarray(this.#target.writeSync(bytes));
  }
}

/** Where a {@linkcode LineWriter} writes: a `Deno.FsFile`, `Deno.stdout` and the like. */
export interface LineTarget {
  /** Writes some of `chunk`, resolving to how many bytes were written. */
  write(chunk: Uint8Array): Promise<number>;
  /** Writes some of `chunk` at once, returning how many bytes were written. */
  writeSync(chunk: Uint8Array): number;
}

/**
 * Reads request records from NDJSON, one per line, as a stream.
 *
 * @param stream The NDJSON, as bytes.
 * @param name The source's name, for error messages.
 * @returns The records.
 * @throws {SyntaxError} On a line that is not a record, naming the source and line number.
 *
 * @example
 * ```ts
 * import { readRecords } from "./ndjson.ts";
 * import assert from "node:assert/strict";
 *
 * const text = '{"index":0,"url":"http://a/","status":200,"start":1,"ms":2,"bytes":3,"attempts":1}\n';
 * const records = await Array.fromAsync(readRecords(new Blob([text]).stream(), "run.ndjson"));
 * assert.equal(records[0]?.status, 200);
 * ```
 */
export async function* readRecords(
  stream: ReadableStream<Uint8Array>,
  name: string,
): AsyncGenerator<RequestRecord, void, undefined> {
  let lineNumber = 0;
  for await (const line of lines(stream)) {
    lineNumber++;
    if (line.trim() === "") continue;
    let record: RequestRecord;
    try {
      record = JSON.parse(line);
    } catch {
      throw new SyntaxError(`Cannot read ${name} line ${lineNumber} as it is not valid JSON`);
    }
    if (!isRecord(record)) {
      throw new SyntaxError(
        `Cannot read ${name} line ${lineNumber} as it is not a request record`,
      );
    }
    record.attempts ??= 1;
    yield record;
  }
}

/** Whether parsed JSON has what a summary needs of a record, with sane values. */
function isRecord(value: unknown): value is RequestRecord {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Partial<RequestRecord>;
  return Number.isFinite(record.start) && record.ms! >= 0 && Number.isFinite(record.ms) &&
    Number.isInteger(record.status) && record.status! >= 0 &&
    (record.error === undefined || typeof record.error === "string") &&
    (record.attempts === undefined || Number.isInteger(record.attempts)) &&
    (record.due === undefined || Number.isFinite(record.due));
}
