/**
 * Writing a request (RFC 9112 sections 3 and 6), checked as fetch checks
 * it: the method and header names are tokens, header values hold no CR, LF
 * or NUL and nothing past Latin-1, the target comes from the parsed URL. So
 * no input can smuggle a header or a second request. Any `Host` is sent as
 * given; a name given twice is sent as two lines.
 *
 * @module
 */

import denoJson from "../deno.json" with { type: "json" };
import type { SendInit } from "./engine.ts";

/** The `User-Agent` sent when the request has none. */
export const USER_AGENT = `manyreq/${denoJson.version}`;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FORBIDDEN_VALUE = /[\0\r\n]|[^\0-\xff]/;
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
const NORMALIZED_METHODS = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
const NON_ASCII = /[^\0-\x7f]/;
const encoder = new TextEncoder();

/** A caller's headers, checked and written out once. */
interface HeaderBlock {
  /** The lines, each ending with CRLF. */
  text: string;
  host: boolean;
  contentType: boolean;
  close: boolean;
  /** The defaults the caller did not set, as lines. */
  defaults: string;
}

const EMPTY_BLOCK: HeaderBlock = {
  text: "",
  host: false,
  contentType: false,
  close: false,
  defaults: `user-agent: ${USER_AGENT}\r\naccept: */*\r\naccept-encoding: gzip, br\r\n`,
};
const blocks = new WeakMap<object, HeaderBlock>();

/** A request, ready to write. */
export interface Outgoing {
  /** The head, with the body after it when the body is small bytes. */
  head: Uint8Array;
  /** A stream body, sent chunked after the head. */
  stream: ReadableStream<Uint8Array> | undefined;
  /** Whether the request is a HEAD (its response has no body). */
  headRequest: boolean;
  /** Whether it may be sent again on a fresh connection (idempotent, no stream). */
  replayable: boolean;
  /** Whether the caller asked for `Connection: close`. */
  close: boolean;
}

/**
 * Checks and serializes a request.
 *
 * @throws {TypeError} On a method, header or body that fetch would refuse.
 */
export function outgoing(url: URL, init: SendInit): Outgoing {
  const method = checkMethod(init.method ?? "GET");
  if (url.username !== "" || url.password !== "") {
    throw new TypeError("Cannot send a request to a URL that includes credentials");
  }
  const { body } = init;
  if (body !== undefined && body !== null && (method === "GET" || method === "HEAD")) {
    throw new TypeError(`Cannot send a ${method} request with a body`);
  }
  const block = headerBlock(init.headers);
  let framing = "";
  let bytes: Uint8Array | undefined;
  let stream: ReadableStream<Uint8Array> | undefined;
  if (body instanceof ReadableStream) {
    stream = body;
    framing = "transfer-encoding: chunked\r\n";
  } else if (body !== undefined && body !== null) {
    bytes = typeof body === "string" ? encoder.encode(body) : body;
    framing = `content-length: ${bytes.length}\r\n`;
    // As fetch types a text body the caller did not type.
    if (typeof body === "string" && !block.contentType) {
      framing = `content-type: text/plain;charset=UTF-8\r\n${framing}`;
    }
  } else if (method === "POST" || method === "PUT" || method === "PATCH") {
    framing = "content-length: 0\r\n";
  }
  const host = block.host ? "" : `host: ${url.host}\r\n`;
  const text = `${method} ${url.pathname}${url.search} HTTP/1.1\r\n${host}${block.text}` +
    `${block.defaults}${framing}\r\n`;
  let head = NON_ASCII.test(text) ? latin1(text) : encoder.encode(text);
  if (bytes !== undefined && bytes.length > 0) {
    const whole = new Uint8Array(head.length + bytes.length);
    whole.set(head);
    whole.set(bytes, head.length);
    head = whole;
  }
  return {
    head,
    stream,
    headRequest: method === "HEAD",
    replayable: stream === undefined && IDEMPOTENT.has(method),
    close: block.close,
  };
}

/**
 * Writes a stream body in the chunked coding.
 *
 * @param stream The body.
 * @param write Writes bytes to the connection.
 */
export async function writeChunked(
  stream: ReadableStream<Uint8Array>,
  write: (bytes: Uint8Array) => Promise<void>,
): Promise<void> {
  for await (const chunk of stream) {
    if (chunk.length === 0) continue;
    const size = encoder.encode(`${chunk.length.toString(16)}\r\n`);
    const frame = new Uint8Array(size.length + chunk.length + 2);
    frame.set(size);
    frame.set(chunk, size.length);
    frame.set([13, 10], size.length + chunk.length);
    await write(frame);
  }
  await write(encoder.encode("0\r\n\r\n"));
}

function checkMethod(method: string): string {
  if (!TOKEN.test(method)) {
    throw new TypeError(`Cannot send method '${method}' as it is not a token`);
  }
  const upper = method.toUpperCase();
  if (FORBIDDEN_METHODS.has(upper)) {
    throw new TypeError(`Cannot send method '${method}' as fetch forbids it`);
  }
  return NORMALIZED_METHODS.has(upper) ? upper : method;
}

/** The caller's headers as lines, checked once per headers object. */
function headerBlock(headers: HeadersInit | undefined): HeaderBlock {
  if (headers === undefined) return EMPTY_BLOCK;
  const cached = blocks.get(headers);
  if (cached !== undefined) return cached;
  const pairs: Iterable<[string, string]> | [string, string][] = headers instanceof Headers
    ? headers
    : Array.isArray(headers)
    ? headers as [string, string][]
    : Object.entries(headers);
  let text = "";
  let host = false;
  let close = false;
  let contentType = false;
  let userAgent = false;
  let accept = false;
  let acceptEncoding = false;
  for (const pair of pairs) {
    if (pair.length !== 2) {
      throw new TypeError("Cannot send a header that is not a name and a value");
    }
    const [name, raw] = pair;
    if (!TOKEN.test(name)) {
      throw new TypeError(`Cannot send header '${name}' as its name is not a token`);
    }
    const value = String(raw).replace(EDGE_WHITESPACE, "");
    if (FORBIDDEN_VALUE.test(value)) {
      throw new TypeError(
        `Cannot send header '${name}' as its value holds CR, LF, NUL or a non-Latin-1 character`,
      );
    }
    const lower = name.toLowerCase();
    // The body's framing is ours to write.
    if (lower === "content-length" || lower === "transfer-encoding") continue;
    if (lower === "host") host = true;
    else if (lower === "user-agent") userAgent = true;
    else if (lower === "content-type") contentType = true;
    else if (lower === "accept") accept = true;
    else if (lower === "accept-encoding") acceptEncoding = true;
    else if (lower === "connection" && /(?:^|,)\s*close\s*(?:,|$)/i.test(value)) close = true;
    text += `${name}: ${value}\r\n`;
  }
  const block: HeaderBlock = {
    text,
    host,
    contentType,
    close,
    defaults: (userAgent ? "" : `user-agent: ${USER_AGENT}\r\n`) +
      (accept ? "" : "accept: */*\r\n") +
      (acceptEncoding ? "" : "accept-encoding: gzip, br\r\n"),
  };
  blocks.set(headers, block);
  return block;
}

function latin1(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
