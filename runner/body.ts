/**
 * Reading a byte stream through fixed buffers, so memory per stream stays
 * one buffer whatever the stream's length: the bytes are counted, and handed
 * to a sink if there is one, never held whole.
 *
 * @module
 */

import type { BodySink } from "./types.ts";

/** The size of each buffer. */
const BUFFER_SIZE = 64 * 1024;
/** Buffers kept for reuse, at most. */
const POOL_SIZE = 256;
const pool: ArrayBuffer[] = [];
/** Bodies announced at most this long are read in one go when counted. */
const SMALL_BODY = 64 * 1024;

/**
 * Thrown by {@linkcode readChunks} when a stream passes its byte limit.
 *
 * @example
 * ```ts
 * import { readChunks, TooLargeError } from "./body.ts";
 * import assert from "node:assert/strict";
 *
 * const count = { bytes: 0 };
 * await assert.rejects(
 *   readChunks(new Response(new Uint8Array(2_000)).body, count, 1_000),
 *   TooLargeError,
 * );
 * ```
 */
export class TooLargeError extends RangeError {
  /**
   * Creates the error.
   *
   * @param limit The limit passed, in bytes.
   */
  constructor(limit: number) {
    super(`Cannot read the body as it is larger than ${limit} bytes`);
    this.name = "TooLargeError";
  }
}

/** Where {@linkcode readChunks} counts the bytes; it is updated as they arrive. */
export interface ByteCount {
  /** Bytes read so far. */
  bytes: number;
}

/**
 * Reads `stream` to its end through a pooled fixed buffer (a BYOB reader when
 * the stream is a byte stream), adding each chunk's length to `count.bytes`
 * and passing the chunk to `sink`, which must be done with it when its
 * promise settles. A stream read to its end stays locked: its reader is
 * dropped rather than released, as releasing makes an error, with its stack
 * trace, for every body (11% of the CPU per request of small responses).
 *
 * @param stream The stream, or `null` for no body.
 * @param count Where the bytes are counted, including when reading fails.
 * @param limit The most bytes to read; past it the stream is cancelled.
 * @param sink What to do with each chunk.
 * @returns When the stream has ended.
 * @throws {TooLargeError} When the stream passes `limit` (it is cancelled first).
 * @throws {Error} Whatever reading the stream, or `sink`, throws (the stream is cancelled).
 *
 * @example Count a body without holding it
 * ```ts
 * import { readChunks } from "./body.ts";
 * import assert from "node:assert/strict";
 *
 * const count = { bytes: 0 };
 * await readChunks(new Response(new Uint8Array(200_000)).body, count);
 * assert.equal(count.bytes, 200_000);
 * ```
 */
export async function readChunks(
  stream: ReadableStream<Uint8Array> | null,
  count: ByteCount,
  limit = Infinity,
  sink?: (chunk: Uint8Array) => unknown,
): Promise<void> {
  if (stream === null) return;
  let reader: ReadableStreamBYOBReader;
  try {
    reader = stream.getReader({ mode: "byob" });
  } catch {
    return await readDefault(stream, count, limit, sink);
  }
  let buffer = pool.pop() ?? new ArrayBuffer(BUFFER_SIZE);
  try {
    while (true) {
      const { done, value } = await reader.read(new Uint8Array(buffer));
      if (value === undefined) return;
      buffer = value.buffer;
      if (done) break;
      count.bytes += value.byteLength;
      if (count.bytes > limit) throw new TooLargeError(limit);
      if (sink !== undefined) await sink(value);
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    reader.releaseLock();
    throw error;
  }
  // A stream read to its end is closed: its reader is left to the garbage collector, as
  // releasing the lock would make a TypeError (and its stack trace) for every body.
  if (buffer.byteLength === BUFFER_SIZE && pool.length < POOL_SIZE) pool.push(buffer);
}

/** The same for a stream that is not a byte stream: its own chunks, counted. */
async function readDefault(
  stream: ReadableStream<Uint8Array>,
  count: ByteCount,
  limit: number,
  sink: ((chunk: Uint8Array) => unknown) | undefined,
): Promise<void> {
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      count.bytes += value.byteLength;
      if (count.bytes > limit) throw new TooLargeError(limit);
      if (sink !== undefined) await sink(value);
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
}

/**
 * Counts a response's body without holding it: one that announces a small
 * length, and no encoding that fetch would expand, is read in one go (the
 * fastest way fetch has); any other streams through {@linkcode readChunks}'s
 * fixed buffer.
 *
 * @param response The response.
 * @param count Where the bytes are counted, including when reading fails.
 * @param maxBytes The most bytes to read.
 * @returns When the body has been read.
 * @throws {TooLargeError} When the body passes `maxBytes`.
 *
 * @example
 * ```ts
 * import { countBody } from "./body.ts";
 * import assert from "node:assert/strict";
 *
 * const count = { bytes: 0 };
 * await countBody(new Response("hello"), count, Infinity);
 * assert.equal(count.bytes, 5);
 * ```
 */
export async function countBody(
  response: Response,
  count: ByteCount,
  maxBytes: number,
): Promise<void> {
  const length = response.headers.get("content-length");
  if (
    length !== null && Number(length) <= SMALL_BODY && Number(length) <= maxBytes &&
    !response.headers.has("content-encoding")
  ) {
    count.bytes = (await response.arrayBuffer()).byteLength;
  } else {
    await readChunks(response.body, count, maxBytes);
  }
}

/**
 * Streams a body into a sink, counting it; the sink is aborted when the body
 * breaks off or passes `maxBytes`.
 *
 * @param body The body, or `null` for none.
 * @param count Where the bytes are counted, including when reading fails.
 * @param maxBytes The most bytes to read.
 * @param sink Where the chunks go.
 * @returns What the sink's `close` returns: where the body went.
 * @throws {TooLargeError} When the body passes `maxBytes`.
 *
 * @example
 * ```ts
 * import { sinkBody } from "./body.ts";
 * import assert from "node:assert/strict";
 *
 * const chunks: Uint8Array[] = [];
 * const sink = {
 *   write: (chunk: Uint8Array) => Promise.resolve(chunks.push(chunk.slice())),
 *   close: () => Promise.resolve("memory"),
 *   abort: () => Promise.resolve(),
 * };
 * const count = { bytes: 0 };
 * assert.equal(await sinkBody(new Response("hi").body, count, Infinity, sink), "memory");
 * assert.equal(count.bytes, 2);
 * ```
 */
export async function sinkBody(
  body: ReadableStream<Uint8Array> | null,
  count: ByteCount,
  maxBytes: number,
  sink: BodySink,
): Promise<string> {
  try {
    await readChunks(body, count, maxBytes, (chunk) => sink.write(chunk));
  } catch (error) {
    await sink.abort().catch(() => {});
    throw error;
  }
  return await sink.close();
}
