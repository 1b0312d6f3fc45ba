/**
 * The runner: one request in, attempts with retries, one record out. A lazy
 * request source goes through {@linkcode pooledMap} into `fetch`, and every
 * request yields exactly one {@linkcode RequestRecord}, success or classified
 * failure, with the caller's `read` result as its `value`.
 *
 * @module
 */

import { countBody, sinkBody, TooLargeError } from "./body.ts";
import { classifyError, errorDetail, type ErrorKind, PERMANENT_KINDS } from "./errors.ts";
import { Deadlines } from "../async/deadline.ts";
import { Pace } from "../pace/pace.ts";
import { followRedirects } from "./redirects.ts";
import { haltable } from "../async/haltable.ts";
import { netPermissionCheck, permissionDetail } from "./net_permission.ts";
import { readFailureKind, readWithin, RetryableError } from "./read.ts";
import type { RequestRecord, RequestSpec, RunOptions } from "./types.ts";
import {
  backoffMs,
  isIdempotent,
  isTransientStatus,
  parseRetryAfter,
  sleep,
} from "./retry_policy.ts";
import { pooledMap } from "../semaphore.ts";

export type { BodySink, RequestRecord, RequestSpec, RunOptions } from "./types.ts";

/** The longest timeout a timer can hold (2^31 - 1 ms), less the deadlines' slack. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1 - 250;
const MAX_RETRIES = 100;
const MAX_REDIRECTS = 1000;
/** What an attempt returns when it must not be retried. */
const FINAL = -1;

/**
 * Makes one request per item of `requests`, at most `concurrency` at a time,
 * and yields one record per request as each finishes. Each body is read by
 * `read`, or counted through a fixed buffer (never held whole), so
 * connections are reused. Nothing is kept per request once its record is
 * yielded.
 *
 * @typeParam T What `read` returns.
 * @param requests URLs, or {@linkcode RequestSpec}s, pulled lazily. A plain URL's index is its position.
 * @param options The {@linkcode RunOptions}.
 * @returns The records, in completion order.
 * @throws {RangeError} When `concurrency`, `timeout`, `retries`, `retryDelay`, `maxBytes` or
 * `maxRedirects` is out of range.
 * @throws {TypeError} When `method`, `headers` or `body` would make an invalid request, or the
 * source throws (after the requests in flight have yielded their records).
 *
 * @example Count failures by kind
 * ```ts
 * import { runRequests } from "./run.ts";
 * import assert from "node:assert/strict";
 *
 * await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
 *   return new Response("gone", { status: 410 });
 * });
 * const url = `http://127.0.0.1:${server.addr.port}/`;
 * const records = await Array.fromAsync(runRequests([url, url], { concurrency: 2 }));
 * assert.deepEqual(records.map((record) => record.error), ["http_status", "http_status"]);
 * ```
 *
 * @example Parse each response with `read`
 * ```ts
 * import { runRequests } from "./run.ts";
 * import assert from "node:assert/strict";
 *
 * await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
 *   return Response.json({ path: new URL(request.url).pathname });
 * });
 * const urls = [`http://127.0.0.1:${server.addr.port}/a`];
 * const read = async (response: Response) => (await response.json()).path as string;
 * for await (const record of runRequests(urls, { read, retries: 2 })) {
 *   assert.equal(record.value, "/a");
 * }
 * ```
 */
export async function* runRequests<T = unknown>(
  requests: Iterable<string | RequestSpec> | AsyncIterable<string | RequestSpec>,
  options: RunOptions<T> = {},
): AsyncGenerator<RequestRecord<T>, void, undefined> {
  const {
    concurrency = 1000,
    timeout = 30_000,
    retries = 0,
    retryDelay = 100,
    method = "GET",
    headers,
    body,
    read,
    sink: sinkFor,
    maxBytes = Infinity,
    maxRedirects = 20,
    signal,
    stop,
  } = options;
  checkOption("concurrency", concurrency, Number.isInteger(concurrency) && concurrency >= 1);
  checkOption("timeout", timeout, timeout > 0 && timeout <= MAX_TIMEOUT_MS);
  checkOption(
    "retries",
    retries,
    Number.isInteger(retries) && retries >= 0 && retries <= MAX_RETRIES,
  );
  checkOption("retryDelay", retryDelay, Number.isFinite(retryDelay) && retryDelay >= 0);
  checkOption("maxBytes", maxBytes, maxBytes >= 0);
  checkOption(
    "maxRedirects",
    maxRedirects,
    Number.isInteger(maxRedirects) && maxRedirects >= 0 && maxRedirects <= MAX_REDIRECTS,
  );
  // A method, header or body that fetch would refuse is refused here, before any request.
  new Request("http://127.0.0.1/", {
    method,
    ...(headers ? { headers } : {}),
    ...(body ? { body } : {}),
  });
  const halt = signal && stop ? AbortSignal.any([signal, stop]) : signal ?? stop;
  const { rate, ramp, duration, perHost } = options;
  using pace = Pace.from<RequestSpec>({
    rate,
    ramp,
    duration,
    perHost,
    backoff: retries > 0,
    concurrency,
    halt,
  });
  const client = options.client ??
    Deno.createHttpClient({
      poolMaxIdlePerHost: Math.min(concurrency, perHost ?? concurrency),
      ...options.clientOptions,
    });
  const deadlines = new Deadlines(timeout, signal);
  const init: RequestInit & { client: Deno.HttpClient } = { method, client, redirect: "manual" };
  if (headers !== undefined) init.headers = headers;
  if (body !== undefined) init.body = body;
  const allowedAttempts = isIdempotent(method) ? retries + 1 : 1;
  const denied = netPermissionCheck();

  async function request(spec: RequestSpec): Promise<RequestRecord<T>> {
    const record: RequestRecord<T> = {
      index: spec.index,
      url: spec.url,
      status: 0,
      start: Date.now(),
      ms: 0,
      bytes: 0,
      attempts: 0,
    };
    let base: RequestInit = init;
    let attempts = allowedAttempts;
    if (spec.method !== undefined || spec.headers !== undefined || spec.body !== undefined) {
      base = { ...init };
      if (spec.method !== undefined) {
        base.method = spec.method;
        attempts = isIdempotent(spec.method) ? retries + 1 : 1;
      }
      if (spec.headers !== undefined) base.headers = spec.headers;
      if (spec.body !== undefined) base.body = spec.body;
    }
    const started = performance.now();
    while (true) {
      record.attempts++;
      const retryAfter = await attempt(spec, record, base, record.attempts < attempts);
      pace?.release(spec.url, record.error === undefined);
      if (retryAfter === FINAL || signal?.aborted) break;
      await sleep(backoffMs(record.attempts, retryDelay, retryAfter), signal);
      if (signal?.aborted || (pace && !await pace.readmit(spec.url, signal))) break;
    }
    record.ms = performance.now() - started;
    return record;
  }

  /**
   * Makes one attempt and writes its outcome into `record`.
   *
   * @returns The milliseconds the server asked to wait before a retry (0 when
   * it did not), or {@linkcode FINAL} when there is no retry.
   */
  async function attempt(
    spec: RequestSpec,
    record: RequestRecord<T>,
    base: RequestInit,
    mayRetry: boolean,
  ): Promise<number> {
    if (record.attempts > 1) {
      delete record.error;
      delete record.detail;
      delete record.delay;
      delete record.value;
      delete record.file;
      record.status = 0;
      record.bytes = 0;
    }
    let url = spec.url;
    const sent = pace?.gated ? Date.now() : 0;
    if (denied?.(url)) return fail(record, "permission", permissionDetail(url));
    const deadline = deadlines.signal();
    // With a read, the attempt has a signal of its own, that follows the deadline and cancels
    // what read leaves of the body.
    const own = read === undefined ? undefined : new AbortController();
    const follow = own && (() => own.abort(deadline.reason));
    if (follow) {
      if (deadline.aborted) follow();
      else deadline.addEventListener("abort", follow);
    }
    let readingBody = false;
    try {
      const init: RequestInit = { ...base, signal: own?.signal ?? deadline };
      const end = await followRedirects(await fetch(url, init), url, init, {
        maxRedirects,
        maxBytes,
        denied,
      });
      const { response } = end;
      url = end.url;
      record.status = response.status;
      if (end.failure) return fail(record, end.failure.kind, end.failure.detail);
      if (sent > 0 && (response.status === 429 || response.status === 503)) {
        const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
        pace!.backoff(spec.url, response.status, retryAfter, sent);
      }
      const delay = response.headers.get("delay");
      if (delay !== null) record.delay = Number(delay);
      readingBody = true;
      const retryStatus = !response.ok && mayRetry && isTransientStatus(response.status);
      const sink = retryStatus || read !== undefined ? undefined : sinkFor?.(response, spec);
      if (sink !== undefined) {
        record.file = await sinkBody(response.body, record, maxBytes, await sink);
      } else if (read === undefined || retryStatus) {
        await countBody(response, record, maxBytes);
      } else {
        record.value = await readWithin(read, response, spec, own!);
      }
      if (response.ok) return FINAL;
      const reason = response.statusText;
      fail(record, "http_status", `HTTP ${response.status}${reason ? ` ${reason}` : ""}`);
      return retryStatus ? parseRetryAfter(response.headers.get("retry-after")) : FINAL;
    } catch (error) {
      const kind = signal?.aborted ? "aborted" : kindOf(error, readingBody, read !== undefined);
      fail(record, kind, errorDetail(error, kind, url));
      return mayRetry &&
          (kind === "read" ? error instanceof RetryableError : !PERMANENT_KINDS.has(kind))
        ? 0
        : FINAL;
    } finally {
      if (follow) deadline.removeEventListener("abort", follow);
    }
  }

  try {
    const items = haltable(requests, halt, toSpec);
    const pool = { poolLimit: concurrency, ordered: false };
    yield* pace
      ? pooledMap(pace.source(items), pace.wrap(request), pool)
      : pooledMap(items, request, pool);
  } finally {
    deadlines[Symbol.dispose]();
    if (!options.client) client.close();
  }
}

/** The kind of a failed attempt's error. */
function kindOf(error: unknown, readingBody: boolean, withRead: boolean): ErrorKind {
  if (withRead && readingBody) return readFailureKind(error);
  return error instanceof TooLargeError ? "too_large" : classifyError(error, readingBody);
}

/** Writes a failure into `record`; returns {@linkcode FINAL}. */
function fail(record: RequestRecord<unknown>, kind: ErrorKind, detail: string): number {
  record.error = kind;
  record.detail = detail;
  return FINAL;
}

const OPTION_RANGES: Record<string, string> = {
  concurrency: "a positive integer",
  timeout: `a positive number of at most ${MAX_TIMEOUT_MS}`,
  retries: `an integer from 0 to ${MAX_RETRIES}`,
  retryDelay: "a non-negative number",
  maxBytes: "a non-negative number",
  maxRedirects: `an integer from 0 to ${MAX_REDIRECTS}`,
};

/** A plain URL's index is its position. */
function toSpec(request: string | RequestSpec, position: number): RequestSpec {
  return typeof request === "string" ? { index: position, url: request } : request;
}

function checkOption(name: string, value: number, valid: boolean): void {
  if (valid) return;
  throw new RangeError(
    `Cannot run requests as '${name}' must be ${OPTION_RANGES[name]}: current value is ${value}`,
  );
}
