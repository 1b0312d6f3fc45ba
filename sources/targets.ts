/**
 * Requests read from NDJSON in vegeta's JSON target format, one a line:
 * `{"method": "POST", "url": "...", "header": {"Name": ["v1", "v2"]}, "body": "<base64>"}`.
 * Streamed like a URL list; a target's index is its position among the
 * targets.
 *
 * @module
 */

import type { RequestSpec } from "../runner/types.ts";
import { readLines } from "../output/ndjson.ts";
import { checkHttpUrl, type Shard } from "./requests.ts";

/**
 * Headers fetch sets or rewrites itself: sending one from a request would be
 * dropped or changed silently, so it is refused.
 */
export const FORBIDDEN_HEADERS: ReadonlySet<string> = new Set([
  "host",
  "content-length",
  "connection",
  "transfer-encoding",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "proxy-connection",
]);

// deno-lint-ignore no-control-regex
const CONTROL_CHARACTER = /[\x00-\x08\x0a-\x1f\x7f]/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Headers the h1 engine writes itself (the body's framing); any other, `Host` included, is sent. */
const H1_FORBIDDEN_HEADERS: ReadonlySet<string> = new Set(["content-length", "transfer-encoding"]);

/**
 * Checks one header: a token for a name, that the engine does not set
 * itself, and a value without control characters.
 *
 * @param name The header's name.
 * @param value Its value.
 * @param engine The engine that sends it: fetch sets more headers itself than h1.
 * @throws {TypeError} When the header cannot be sent as it is.
 *
 * @example
 * ```ts
 * import { checkHeader } from "./targets.ts";
 * import assert from "node:assert/strict";
 *
 * checkHeader("Accept", "application/json");
 * assert.throws(() => checkHeader("Host", "example.com"), TypeError);
 * checkHeader("Host", "example.com", "h1");
 * ```
 */
export function checkHeader(name: string, value: string, engine: "h1" | "fetch" = "fetch"): void {
  if (!TOKEN.test(name)) {
    throw new TypeError(`Cannot send header '${name}' as its name is not a token`);
  }
  if ((engine === "h1" ? H1_FORBIDDEN_HEADERS : FORBIDDEN_HEADERS).has(name.toLowerCase())) {
    throw new TypeError(`Cannot send header '${name}' as ${engine} sets or rewrites it itself`);
  }
  if (CONTROL_CHARACTER.test(value)) {
    throw new TypeError(`Cannot send header '${name}' as its value holds a control character`);
  }
}

/**
 * Parses one target line.
 *
 * @param line The JSON text.
 * @param index The target's index.
 * @param method The run's method, for a target that names none.
 * @param engine The engine that sends it: fetch sets more headers itself than h1.
 * @returns The request.
 * @throws {TypeError} When the line is not a valid target.
 *
 * @example
 * ```ts
 * import { parseTarget } from "./targets.ts";
 * import assert from "node:assert/strict";
 *
 * const line = '{"method":"POST","url":"http://127.0.0.1/","header":{"X":["a","b"]},"body":"aGk="}';
 * const target = parseTarget(line, 3);
 * assert.deepEqual(target.headers, [["X", "a"], ["X", "b"]]);
 * assert.equal(new TextDecoder().decode(target.body as Uint8Array), "hi");
 * ```
 */
export function parseTarget(
  line: string,
  index: number,
  method = "GET",
  engine: "h1" | "fetch" = "fetch",
): RequestSpec {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    throw new TypeError(`Cannot read target as it is not JSON: ${(error as Error).message}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new TypeError("Cannot read target as it is not a JSON object");
  }
  const { url, method: own, header, body } = json as Record<string, unknown>;
  if (url === undefined) {
    const near = Object.keys(json).find((key) => key.toLowerCase() === "url");
    if (near !== undefined) {
      throw new TypeError(`Cannot read target as it names its URL '${near}': the key is 'url'`);
    }
  }
  if (typeof url !== "string") {
    throw new TypeError("Cannot read target as its 'url' is not a string");
  }
  const spec: RequestSpec = { index, url: checkHttpUrl(url) };
  if (own !== undefined) {
    if (typeof own !== "string" || !/^[A-Za-z]+$/.test(own)) {
      throw new TypeError(
        `Cannot read target as its 'method' is not a method: ${JSON.stringify(own)}`,
      );
    }
    spec.method = own.toUpperCase();
  }
  if (header !== undefined) spec.headers = targetHeaders(header, engine);
  if (body !== undefined && body !== null && body !== "") {
    if (typeof body !== "string") {
      throw new TypeError("Cannot read target as its 'body' is not a string");
    }
    spec.body = decodeBase64(body);
    const sent = spec.method ?? method.toUpperCase();
    if (sent === "GET" || sent === "HEAD") {
      throw new TypeError(`Cannot send target as a ${sent} request cannot have a body`);
    }
  }
  return spec;
}

/**
 * Reads targets from a stream, one JSON object a line, without holding more
 * than one chunk in memory. Blank lines are skipped; indices count targets.
 *
 * @param stream The NDJSON text, as bytes.
 * @param shard Take only this shard's requests.
 * @param method The run's method, for a target that names none.
 * @param engine The engine that sends them: fetch sets more headers itself than h1 (see
 * {@linkcode checkHeader}).
 * @returns The requests, in file order.
 * @throws {TypeError} On the first bad line, naming its line number.
 *
 * @example
 * ```ts
 * import { requestsFromTargets } from "./targets.ts";
 * import assert from "node:assert/strict";
 *
 * const text = '{"url":"http://127.0.0.1/a"}\n\n{"url":"http://127.0.0.1/b","method":"DELETE"}\n';
 * const requests = await Array.fromAsync(requestsFromTargets(new Blob([text]).stream()));
 * assert.deepEqual(requests, [
 *   { index: 0, url: "http://127.0.0.1/a" },
 *   { index: 1, url: "http://127.0.0.1/b", method: "DELETE" },
 * ]);
 * ```
 */
export async function* requestsFromTargets(
  stream: ReadableStream<Uint8Array>,
  shard: Shard = { index: 0, total: 1 },
  method = "GET",
  engine: "h1" | "fetch" = "fetch",
): AsyncGenerator<RequestSpec, void, undefined> {
  let lineNumber = 0;
  let index = 0;
  for await (const { text: rawLine } of readLines(stream)) {
    lineNumber++;
    const line = rawLine.trim();
    if (line === "") continue;
    if (index % shard.total === shard.index) {
      try {
        yield parseTarget(line, index, method, engine);
      } catch (error) {
        throw new TypeError(`Line ${lineNumber}: ${(error as Error).message}`);
      }
    }
    index++;
  }
}

function targetHeaders(header: unknown, engine: "h1" | "fetch"): [string, string][] {
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new TypeError("Cannot read target as its 'header' is not an object of string arrays");
  }
  const pairs: [string, string][] = [];
  for (const [name, values] of Object.entries(header)) {
    const list = typeof values === "string" ? [values] : values;
    if (!Array.isArray(list) || !list.every((value) => typeof value === "string")) {
      throw new TypeError(`Cannot read target as its header '${name}' is not an array of strings`);
    }
    for (const value of list as string[]) {
      checkHeader(name, value, engine);
      pairs.push([name, value]);
    }
  }
  return pairs;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new TypeError("Cannot read target as its 'body' is not valid base64");
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
