/**
 * How one request travels, whichever engine carries it: the {@linkcode Engine}
 * interface that h1 (ours, on `Deno.connect`) and fetch (Deno's) both
 * implement, the {@linkcode Reply} they hand back, and the errors a malformed
 * or cut-short response fails with.
 *
 * @module
 */

/** What {@linkcode Engine.send} sends. */
export interface SendInit {
  /**
   * The method, checked as fetch checks it.
   *
   * @default {"GET"}
   */
  method?: string;
  /** The request headers; a name given twice in pairs is sent as two lines by h1. */
  headers?: HeadersInit | undefined;
  /** The request body: bytes, text, or a stream (sent chunked by h1). */
  body?: string | Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array> | undefined;
  /** Aborts the exchange, from the connect to the body's last byte. */
  signal?: AbortSignal | undefined;
}

/**
 * A response whose head has arrived. Its body is taken once: by
 * {@linkcode Reply.read}, as a web `Response` by {@linkcode Reply.response},
 * or dropped by {@linkcode Reply.cancel}.
 */
export interface Reply {
  /** The status code. */
  readonly status: number;
  /** The reason phrase. */
  readonly statusText: string;
  /**
   * A header's value; a repeated header's values joined with `", "`.
   *
   * @param name The name, in lower case.
   * @returns The value, or `null` when the response has no such header.
   */
  header(name: string): string | null;
  /**
   * All the headers, as a `Headers` object (made on demand by h1).
   *
   * @returns The headers.
   */
  headers(): Headers;
  /**
   * Reads the body to its end (decoded as fetch decodes it: gzip, deflate,
   * br), handing each chunk to `onChunk`. A chunk's memory is reused once
   * `onChunk`'s promise settles; when `onChunk` throws, the body is dropped
   * and the error rethrown.
   *
   * @param onChunk What to do with each chunk.
   * @returns When the body has been read whole.
   */
  read(onChunk: (chunk: Uint8Array) => unknown): Promise<void>;
  /**
   * The reply as a web `Response`, its body streamed.
   *
   * @returns The response.
   */
  response(): Response;
  /**
   * Drops the body.
   *
   * @returns When it is dropped.
   */
  cancel(): Promise<void>;
}

/** Carries requests: one {@linkcode Reply} per {@linkcode Engine.send}. */
export interface Engine {
  /**
   * Sends one request and waits for its response's head.
   *
   * @param url The absolute http or https URL.
   * @param init The method, headers, body and signal.
   * @returns The reply.
   */
  send(url: string, init: SendInit): Promise<Reply>;
  /**
   * Opens connections to a URL's origin ahead of the requests, until `count`
   * are idle there, so that a schedule's first requests find them open.
   * fetch cannot: its pool opens connections only for requests.
   *
   * @param url The absolute http or https URL.
   * @param count How many idle connections its origin should have.
   * @param signal Aborts the connects.
   * @returns How many connections were opened.
   */
  warm(url: string, count: number, signal?: AbortSignal): Promise<number>;
  /** Closes every connection the engine holds. */
  close(): void;
}

/**
 * A response that breaks HTTP/1.1's rules (RFC 9112): the runner records it
 * as a failure of kind `protocol`, its message as the detail.
 *
 * @example
 * ```ts
 * import { ProtocolError } from "./engine.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new ProtocolError("bare CR in the head").name, "ProtocolError");
 * ```
 */
export class ProtocolError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong with the response, in one line.
   */
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

/**
 * A connection that ended before the response did: the runner records it as
 * a failure of kind `truncated` when the head had arrived.
 *
 * @example
 * ```ts
 * import { TruncatedError } from "./engine.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new TruncatedError("body cut short").name, "TruncatedError");
 * ```
 */
export class TruncatedError extends Error {
  /**
   * Creates the error.
   *
   * @param message Where the response broke off.
   */
  constructor(message: string) {
    super(message);
    this.name = "TruncatedError";
  }
}
