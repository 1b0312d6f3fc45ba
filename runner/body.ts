/**
 * Taking a body through the engine's buffers, so memory per body stays one
 * buffer whatever its length: the bytes are counted, and handed to a sink
 * if there is one, never held whole.
 *
 * @module
 */

import type { Reply } from "../engine/engine.ts";
import type { BodySink } from "./types.ts";

/**
 * Thrown by {@linkcode countBody} and {@linkcode sinkBody} when a body passes its byte limit.
 *
 * @example
 * ```ts
 * import { countBody, TooLargeError } from "./body.ts";
 * import { replyOf } from "../engine/fetch.ts";
 * import assert from "node:assert/strict";
 *
 * const count = { bytes: 0 };
 * await assert.rejects(
 *   countBody(replyOf(new Response(new Uint8Array(2_000))), count, 1_000),
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

/** Where the bytes are counted; it is updated as they arrive. */
export interface ByteCount {
  /** Bytes read so far. */
  bytes: number;
}

/**
 * Reads a reply's body to its end, counting it (decoded, as fetch counts it)
 * without holding it.
 *
 * @param reply The reply.
 * @param count Where the bytes are counted, including when reading fails.
 * @param maxBytes The most bytes to read; past it the body is dropped.
 * @returns When the body has been read.
 * @throws {TooLargeError} When the body passes `maxBytes`.
 *
 * @example
 * ```ts
 * import { countBody } from "./body.ts";
 * import { replyOf } from "../engine/fetch.ts";
 * import assert from "node:assert/strict";
 *
 * const count = { bytes: 0 };
 * await countBody(replyOf(new Response("hello")), count, Infinity);
 * assert.equal(count.bytes, 5);
 * ```
 */
export async function countBody(reply: Reply, count: ByteCount, maxBytes: number): Promise<void> {
  await reply.read((chunk) => {
    count.bytes += chunk.length;
    if (count.bytes > maxBytes) throw new TooLargeError(maxBytes);
  });
}

/**
 * Streams a reply's body into a sink, counting it; the sink is aborted when
 * the body breaks off or passes `maxBytes`.
 *
 * @param reply The reply.
 * @param count Where the bytes are counted, including when reading fails.
 * @param maxBytes The most bytes to read.
 * @param sink Where the chunks go.
 * @returns What the sink's `close` returns: where the body went.
 * @throws {TooLargeError} When the body passes `maxBytes`.
 *
 * @example
 * ```ts
 * import { sinkBody } from "./body.ts";
 * import { replyOf } from "../engine/fetch.ts";
 * import assert from "node:assert/strict";
 *
 * const chunks: Uint8Array[] = [];
 * const sink = {
 *   write: (chunk: Uint8Array) => Promise.resolve(chunks.push(chunk.slice())),
 *   close: () => Promise.resolve("memory"),
 *   abort: () => Promise.resolve(),
 * };
 * const count = { bytes: 0 };
 * assert.equal(await sinkBody(replyOf(new Response("hi")), count, Infinity, sink), "memory");
 * assert.equal(count.bytes, 2);
 * ```
 */
export async function sinkBody(
  reply: Reply,
  count: ByteCount,
  maxBytes: number,
  sink: BodySink,
): Promise<string> {
  try {
    await reply.read((chunk) => {
      count.bytes += chunk.length;
      if (count.bytes > maxBytes) throw new TooLargeError(maxBytes);
      return sink.write(chunk);
    });
  } catch (error) {
    await sink.abort().catch(() => {});
    throw error;
  }
  return await sink.close();
}
