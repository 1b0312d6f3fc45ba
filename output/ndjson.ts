/**
 * Newline-delimited JSON: records as lines, and a streaming reader for lines
 * written earlier (the one line reader; the one line writer is `Journal`).
 *
 * @module
 */

import { ERROR_KINDS } from "../runner/errors.ts";
import type { RequestRecord } from "../runner/types.ts";

/** The latest a record may start, in epoch milliseconds: the year 2200. */
const LATEST_START = Date.UTC(2200, 0);
/** The longest a record may take, in milliseconds: 2^40 µs, as far as a histogram holds. */
const LONGEST_MS = 2 ** 40 / 1000;

/** A record as an output file holds it: the request's record and the id of the run that made it. */
export type StoredRecord = RequestRecord & {
  /** The run's id (`DIGEST/COUNT`), or `undefined` for a line that names none. */
  run: string | undefined;
};

/**
 * One line of a run's output: every field of the record, `null` when absent,
 * in one order, so every line has the same columns; milliseconds to the
 * microsecond; and the run's id.
 *
 * @param record The request's record.
 * @param run The run's id.
 * @returns The line, without its newline.
 *
 * @example
 * ```ts
 * import { recordLine } from "./ndjson.ts";
 * import assert from "node:assert/strict";
 *
 * const record = { index: 0, url: "http://a/", status: 200, start: 1.5, ms: 2.0000004, bytes: 3, attempts: 1 };
 * assert.equal(
 *   recordLine(record, "9f2c41d07ab3e655/1"),
 *   '{"index":0,"url":"http://a/","status":200,"start":1.5,"ms":2,"bytes":3,"attempts":1,' +
 *     '"error":null,"detail":null,"file":null,"delay":null,"due":null,"late":null,' +
 *     '"run":"9f2c41d07ab3e655/1"}',
 * );
 * ```
 */
export function recordLine(record: RequestRecord, run: string): string {
  return JSON.stringify({
    index: record.index,
    url: record.url,
    status: record.status,
    start: micro(record.start),
    ms: micro(record.ms),
    bytes: record.bytes,
    attempts: record.attempts,
    error: record.error ?? null,
    detail: record.detail ?? null,
    file: record.file ?? null,
    delay: record.delay ?? null,
    due: record.due === undefined ? null : micro(record.due),
    late: record.due === undefined ? null : record.late ?? false,
    run,
  });
}

/** Milliseconds rounded to the microsecond. */
function micro(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * Parses one NDJSON line as a request record, checking its fields: `index`
 * a non-negative integer, `status` an integer from 0 to 999, `start` and
 * `ms` finite and in range, `attempts` at least 1, `error` a known kind,
 * `due` (when present) finite. A field that is `null` is absent.
 *
 * @param line One line, without its newline.
 * @returns The record with its run's id, or `undefined` when the line is not one.
 *
 * @example
 * ```ts
 * import { parseRecord } from "./ndjson.ts";
 * import assert from "node:assert/strict";
 *
 * const line = '{"index":0,"url":"http://a/","status":200,"start":1,"ms":2,"bytes":3,"attempts":1,"error":null}';
 * assert.equal(parseRecord(line)?.status, 200);
 * assert.equal(parseRecord(line)?.error, undefined);
 * assert.equal(parseRecord(line.replace('"ms":2', '"ms":1e300')), undefined);
 * ```
 */
export function parseRecord(line: string): StoredRecord | undefined {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  for (const key in value) if (value[key] === null) delete value[key];
  const { index, status, start, ms, attempts, error, due, run } = value as Partial<StoredRecord>;
  const valid = Number.isSafeInteger(index) && index! >= 0 &&
    Number.isInteger(status) && status! >= 0 && status! <= 999 &&
    Number.isFinite(start) && start! >= 0 && start! <= LATEST_START &&
    Number.isFinite(ms) && ms! >= 0 && ms! <= LONGEST_MS &&
    Number.isSafeInteger(attempts) && attempts! >= 1 &&
    (error === undefined || (ERROR_KINDS as readonly unknown[]).includes(error)) &&
    (due === undefined || Number.isFinite(due)) &&
    (run === undefined || typeof run === "string");
  if (!valid) return undefined;
  const record = value as unknown as StoredRecord;
  record.run = run;
  return record;
}

/** One line of a stream: its text, where it starts, and whether a newline ended it. */
export interface Line {
  /** The text, without its newline. */
  text: string;
  /** The byte offset of its first byte in the stream. */
  offset: number;
  /** `false` only for a last line cut short, as a crash leaves it. */
  whole: boolean;
}

const NEWLINE = 10;

/**
 * Splits a byte stream of UTF-8 text into lines, one chunk at a time, telling
 * where each starts and a last line that no newline ended.
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
 *   { text: "a", offset: 0, whole: true },
 *   { text: "b", offset: 2, whole: false },
 * ]);
 * ```
 */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<Line> {
  const decoder = new TextDecoder();
  let pending = new Uint8Array(0);
  /** The stream's offset of `pending`'s first byte. */
  let offset = 0;
  for await (const chunk of stream) {
    const bytes = pending.length === 0 ? chunk : concat(pending, chunk);
    let start = 0;
    for (let end = bytes.indexOf(NEWLINE); end !== -1; end = bytes.indexOf(NEWLINE, start)) {
      yield {
        text: decoder.decode(bytes.subarray(start, end)),
        offset: offset + start,
        whole: true,
      };
      start = end + 1;
    }
    offset += start;
    pending = bytes.slice(start);
  }
  if (pending.length > 0) yield { text: decoder.decode(pending), offset, whole: false };
}

/**
 * Reads the line that starts at `offset` of a file, without its newline.
 *
 * @param file The file, open to read.
 * @param offset Where the line starts.
 * @returns The line.
 *
 * @example
 * ```ts
 * import { readLineAt } from "./ndjson.ts";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "first\nsecond\n");
 * using file = await Deno.open(path);
 * assert.equal(await readLineAt(file, 6), "second");
 * await Deno.remove(path);
 * ```
 */
export async function readLineAt(file: Deno.FsFile, offset: number): Promise<string> {
  await file.seek(offset, Deno.SeekMode.Start);
  let line: Uint8Array = new Uint8Array(0);
  const chunk = new Uint8Array(4096);
  while (true) {
    const read = await file.read(chunk);
    if (read === null) break;
    const end = chunk.subarray(0, read).indexOf(NEWLINE);
    line = concat(line, chunk.slice(0, end === -1 ? read : end));
    if (end !== -1) break;
  }
  return new TextDecoder().decode(line);
}

/**
 * Joins two byte arrays; `b` itself when `a` is empty.
 *
 * @param a The first bytes.
 * @param b The bytes that follow.
 * @returns The bytes of both.
 *
 * @example
 * ```ts
 * import { concat } from "./ndjson.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(concat(new Uint8Array([1]), new Uint8Array([2])), new Uint8Array([1, 2]));
 * ```
 */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
