/**
 * Newline-delimited JSON: a buffered line writer for records and verbose
 * output, and a streaming reader for records written earlier.
 *
 * @module
 */

import type { ErrorKind } from "../runner/errors.ts";
import type { RequestRecord } from "../runner/types.ts";

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

/** Every {@linkcode ErrorKind}, so a record's `error` can be checked at run time. */
const ERROR_KINDS: Record<ErrorKind, true> = {
  http_status: true,
  timeout: true,
  refused: true,
  reset: true,
  too_many_open_files: true,
  truncated: true,
  tls: true,
  dns: true,
  redirects: true,
  invalid_url: true,
  permission: true,
  too_large: true,
  read: true,
  connection: true,
  aborted: true,
};

/** The latest a record may start, in epoch milliseconds: the year 2200. */
const LATEST_START = Date.UTC(2200, 0);
/** The longest a record may take, in milliseconds: 2^40 µs, as far as a histogram holds. */
const LONGEST_MS = 2 ** 40 / 1000;

/**
 * Parses one NDJSON line as a request record, checking its fields: `index`
 * a non-negative integer, `status` an integer from 0 to 999, `start` and
 * `ms` finite and in range, `attempts` at least 1, `error` a known kind,
 * `due` (when present) finite.
 *
 * @param line One line, without its newline.
 * @returns The record, or `undefined` when the line is not one.
 *
 * @example
 * ```ts
 * import { parseRecord } from "./ndjson.ts";
 * import assert from "node:assert/strict";
 *
 * const line = '{"index":0,"url":"http://a/","status":200,"start":1,"ms":2,"bytes":3,"attempts":1}';
 * assert.equal(parseRecord(line)?.status, 200);
 * assert.equal(parseRecord(line.replace('"ms":2', '"ms":1e300')), undefined);
 * ```
 */
export function parseRecord(line: string): RequestRecord | undefined {
  let value: Partial<RequestRecord>;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { index, status, start, ms, attempts, error, due } = value;
  const valid = Number.isSafeInteger(index) && index! >= 0 &&
    Number.isInteger(status) && status! >= 0 && status! <= 999 &&
    Number.isFinite(start) && start! >= 0 && start! <= LATEST_START &&
    Number.isFinite(ms) && ms! >= 0 && ms! <= LONGEST_MS &&
    Number.isSafeInteger(attempts) && attempts! >= 1 &&
    (error === undefined || Object.hasOwn(ERROR_KINDS, error)) &&
    (due === undefined || Number.isFinite(due));
  return valid ? value as RequestRecord : undefined;
}

/** One line of a stream: its text, and whether a newline ended it. */
export interface Line {
  /** The text, without its newline. */
  text: string;
  /** `false` only for a last line cut short, as a crash leaves it. */
  whole: boolean;
}

/**
 * Splits a byte stream of UTF-8 text into lines, one chunk at a time, telling
 * a last line that no newline ended.
 *
 * @param stream The text, as bytes.
 * @returns The lines.
 *
 * @example
 * ```ts
 * import { readLines } from "./ndjson.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(await Array.fromAsync(readLines(new Blob(["a\nb"]).stream())), [
 *   { text: "a", whole: true },
 *   { text: "b", whole: false },
 * ]);
 * ```
 */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<Line> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop()!;
    for (const text of parts) yield { text, whole: true };
  }
  if (rest !== "") yield { text: rest, whole: false };
}
