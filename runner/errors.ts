/**
 * Failures named: what kind of failure a `fetch` rejection (or a broken body)
 * is, and the one line that says what happened.
 *
 * @module
 */

import { ProtocolError, TruncatedError } from "../engine/engine.ts";

/**
 * Why a request failed:
 * - `http_status`: the server answered with a status outside 2xx;
 * - `timeout`: the whole exchange, headers and body, took longer than the timeout;
 * - `refused`, `reset`: the connection was refused or reset;
 * - `too_many_open_files`: the process ran out of file descriptors;
 * - `truncated`: the body ended before its announced length, or broke off;
 * - `tls`: the certificate was not trusted, or the TLS handshake failed;
 * - `dns`: the host name did not resolve;
 * - `redirects`: a redirect loop, too many redirects, or a redirect without a usable `Location`;
 * - `invalid_url`: the URL (or a redirect's) is not one fetch can request;
 * - `permission`: the process has no network permission for the host;
 * - `too_large`: the body passed `maxBytes`;
 * - `read`: the caller's `read` threw;
 * - `protocol`: the response broke HTTP/1.1's rules (a malformed head, conflicting lengths, a bad
 *   chunk), as the h1 engine found it;
 * - `write`: a body could not be written locally (a full disk, no permission for its file);
 * - `connection`: any other transport failure (a dropped connection, a proxy error);
 * - `aborted`: the run was stopped while the request was in flight.
 *
 * Of these, `tls`, `dns`, `redirects`, `invalid_url`, `permission`, `too_large`,
 * `read`, `write` and `aborted` are never retried (a `read` may ask to be, with
 * `RetryableError`).
 */
export type ErrorKind = typeof ERROR_KINDS[number];

/**
 * Every {@linkcode ErrorKind}, the one list the type is made from, so a
 * record's `error` can be checked at run time.
 *
 * @example
 * ```ts
 * import { ERROR_KINDS } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(ERROR_KINDS.includes("timeout"));
 * ```
 */
export const ERROR_KINDS = [
  "http_status",
  "timeout",
  "refused",
  "reset",
  "too_many_open_files",
  "truncated",
  "tls",
  "dns",
  "redirects",
  "invalid_url",
  "permission",
  "too_large",
  "read",
  "protocol",
  "write",
  "connection",
  "aborted",
] as const;

/** The kinds a retry cannot help with. */
export const PERMANENT_KINDS: ReadonlySet<ErrorKind> = new Set<ErrorKind>([
  "tls",
  "dns",
  "redirects",
  "invalid_url",
  "permission",
  "too_large",
  "read",
  "write",
  "aborted",
]);

/**
 * A body that could not be written where it was to be kept: a local failure
 * (kind `write`), never the server's.
 *
 * @example
 * ```ts
 * import { classifyError, WriteError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new WriteError("Cannot save a body to 'out/0/1.part': No space left on device");
 * assert.equal(classifyError(error, "body"), "write");
 * ```
 */
export class WriteError extends Error {
  /**
   * @param message What could not be written, naming the file.
   * @param options The cause.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "WriteError";
  }
}

/** Where an exchange was when it failed: waiting for the response's head, or reading its body. */
export type ExchangePhase = "head" | "body";

/** The longest `detail` kept, in characters: a line of a terminal. */
const MAX_DETAIL = 80;

/**
 * Tells what kind of failure a `fetch` rejection is.
 *
 * @param error What `fetch`, or reading the body, rejected with.
 * @param phase Where the exchange was: waiting for the head, or reading the body.
 * @returns The {@linkcode ErrorKind}.
 *
 * @example
 * ```ts
 * import { classifyError } from "./errors.ts";
 * import { ProtocolError } from "../engine/engine.ts";
 * import assert from "node:assert/strict";
 *
 * const refused = new TypeError("client error (Connect): Connection refused (os error 111)");
 * assert.equal(classifyError(refused, "head"), "refused");
 * assert.equal(classifyError(new DOMException("late", "TimeoutError"), "body"), "timeout");
 * assert.equal(classifyError(new TypeError("Invalid URL: 'http://a b/'"), "head"), "invalid_url");
 * assert.equal(classifyError(new ProtocolError("bare CR in the head"), "head"), "protocol");
 * ```
 */
export function classifyError(error: unknown, phase: ExchangePhase): ErrorKind {
  if (error instanceof WriteError) return "write";
  if (error instanceof ProtocolError) return "protocol";
  if (error instanceof TruncatedError) return "truncated";
  if (error instanceof DOMException) {
    if (error.name === "TimeoutError") return "timeout";
    if (error.name === "AbortError") return "aborted";
  }
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return "permission";
  }
  const text = describe(error);
  // fetch's blocked ports (6000, 6665, 10080, ...) cannot be requested on that engine.
  if (/^Invalid URL\b|Requests to port \d+ are blocked/.test(text)) return "invalid_url";
  if (/os error 24\b|too many open files/i.test(text)) return "too_many_open_files";
  if (/os error 111\b|connection refused/i.test(text)) return "refused";
  if (/os error (104|32)\b|connection reset|broken pipe/i.test(text)) return "reset";
  if (/certificate|tls|handshake|ssl/i.test(text)) return "tls";
  if (/dns error|failed to lookup address|name or service not known|no such host/i.test(text)) {
    return "dns";
  }
  return phase === "body" ? "truncated" : "connection";
}

/**
 * One line saying what happened, its cause first and within 80 columns, with
 * no URL, address or port, so that equal causes read the same and group.
 *
 * @param error What failed.
 * @param kind Its {@linkcode ErrorKind}.
 * @param _url The URL requested (left out of the line).
 * @returns The line.
 *
 * @example
 * ```ts
 * import { errorDetail } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const refused = new TypeError("fetch failed", {
 *   cause: new Error(
 *     "error sending request for url (http://127.0.0.1:8080/x/34): client error (Connect): " +
 *       "tcp connect error: Connection refused (os error 111)",
 *   ),
 * });
 * assert.equal(errorDetail(refused, "refused", "http://127.0.0.1:8080/x/34"), "connection refused");
 * const error = new TypeError("fetch failed", { cause: new Error("dns error: not known") });
 * assert.equal(errorDetail(error, "dns", "http://x.invalid/"), "dns error: not known");
 * ```
 */
export function errorDetail(error: unknown, kind: ErrorKind, _url: string): string {
  // A local write names its file in the error itself: the detail keeps only the cause.
  const text = withoutPlaces(describe(error instanceof WriteError ? error.cause : error));
  const cause = CAUSES[kind]?.(text) ?? text;
  return oneLine(kind === "tls" ? `${cause}; trust its CA with --ca-cert FILE` : cause);
}

/** The cause of a failure of some kinds, in words that do not vary with the request. */
const CAUSES: Partial<Record<ErrorKind, (text: string) => string>> = {
  refused: () => "connection refused",
  reset: (text) => /broken pipe/i.test(text) ? "broken pipe" : "connection reset by peer",
  too_many_open_files: () => "too many open files (os error 24): raise 'ulimit -n'",
  tls: (text) =>
    /(invalid peer certificate|received fatal alert|certificate|handshake)[^;]*/i.exec(text)?.[0]
      .trim() ?? text,
  dns: (text) => /dns error.*/i.exec(text)?.[0] ?? text,
  // The file is in the error the run stops with; the detail keeps the cause ("mkdir 'DIR/0'" out).
  write: (text) => text.replace(/:?\s*\w+ '[^']*'/g, "").trim(),
};

/**
 * A message without what names one request: URLs, addresses and ports, and
 * the wrappers that carry them ("error sending request for url (...)",
 * "client error (Connect)").
 */
function withoutPlaces(text: string): string {
  return text
    .replace(/\b[a-z][\w+.-]*:\/\/[^\s)'"]*/gi, "URL")
    .replace(/\[[0-9a-f:.]+\](:\d+)?|\b\d{1,3}(\.\d{1,3}){3}(:\d+)?/gi, "ADDRESS")
    .replace(/error sending request\b[^:]*:\s*/gi, "")
    .replace(/client error \((\w+)\):\s*/gi, "")
    .replace(/(\b(?:from|for|to) )?(ADDRESS|URL)\b/g, "")
    .replace(/\s*\(\s*\)/g, "")
    .trim();
}

/**
 * Makes `text` one line of at most 80 characters.
 *
 * @param text Any text.
 * @returns The line.
 *
 * @example
 * ```ts
 * import { oneLine } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(oneLine("a\n  b"), "a b");
 * assert.equal(oneLine("x".repeat(100)).length, 80);
 * ```
 */
export function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX_DETAIL ? `${line.slice(0, MAX_DETAIL - 3)}...` : line;
}

/** The messages of an error and of its causes, joined, without fetch's generic first one. */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let cause = error, depth = 0; cause !== undefined && depth < 5; depth++) {
    const message = cause instanceof Error ? cause.message : String(cause);
    if (message !== "fetch failed" && message !== "") parts.push(message);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return parts.join(": ") || String(error);
}
