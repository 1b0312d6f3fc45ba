/**
 * The runner: one request in, attempts with retries, one record out. A lazy
 * request source goes through {@linkcode pooledMap} into `fetch`, and every
 * request yields exactly one {@linkcode RequestRecord}, success or classified
 * failure.
 *
 * @module
 */

import { Deadlines } from "./deadline.ts";
import { pooledMap } from "./semaphore.ts";

/**
 * Why a request failed:
 * - `http_status`: the server answered with a status outside 2xx;
 * - `timeout`: the whole exchange, headers and body, took longer than the timeout;
 * - `refused`, `reset`: the connection was refused or reset;
 * - `too_many_open_files`: the process ran out of file descriptors;
 * - `truncated`: the body ended before its announced length, or broke off;
 * - `connection`: any other transport failure (a dropped connection, DNS, TLS);
 * - `aborted`: the run was stopped while the request was in flight.
 */
export type ErrorKind =
  | "http_status"
  | "timeout"
  | "refused"
  | "reset"
  | "too_many_open_files"
  | "truncated"
  | "connection"
  | "aborted";

/** The outcome of one request, after any retries. */
export interface RequestRecord {
  /** The request's index in the source, from 0. */
  index: number;
  /** The URL requested. */
  url: string;
  /** The HTTP status of the last attempt, or 0 when no response arrived. */
  status: number;
  /** The server's `DELAY` header in seconds, when it sent one. */
  delay?: number;
  /** When the first attempt started, in milliseconds since the epoch. */
  start: number;
  /** Milliseconds from the first attempt's start to the last attempt's end. */
  ms: number;
  /** Body bytes read in the last attempt. */
  bytes: number;
  /** Attempts made, 1 plus the retries used. */
  attempts: number;
  /** Why the request failed; absent when it succeeded. */
  error?: ErrorKind;
}

/** One request to make: its index in the source and its URL. */
export interface RequestSpec {
  /** The request's index in the source, from 0. */
  index: number;
  /** The absolute http or https URL. */
  url: string;
}

/** Options for {@linkcode runRequests}. */
export interface RunOptions {
  /**
   * The most requests in flight at once.
   *
   * @default {1000}
   */
  concurrency?: number;
  /**
   * Milliseconds one attempt may take, headers and body together. Attempts
   * that start within a short window share one timer, so an attempt times
   * out up to a twentieth of this (at most 250 ms) late.
   *
   * @default {30000}
   */
  timeout?: number;
  /**
   * Extra attempts for a transient failure (a transport error, 408, 429, 502,
   * 503 or 504) of an idempotent request, with exponential backoff, full
   * jitter, and `Retry-After` honoured.
   *
   * @default {0}
   */
  retries?: number;
  /**
   * The first backoff ceiling in milliseconds; it doubles with each retry.
   *
   * @default {100}
   */
  retryDelay?: number;
  /**
   * The HTTP method.
   *
   * @default {"GET"}
   */
  method?: string;
  /** Request headers. */
  headers?: HeadersInit;
  /** The request body, sent with every request. */
  body?: string | Uint8Array<ArrayBuffer>;
  /**
   * Stops the run: no new requests start, requests in flight are cancelled
   * and yield records with the error `aborted`.
   */
  signal?: AbortSignal;
  /**
   * Stops dispatching gracefully: no new requests start, requests in flight
   * finish and yield their records.
   */
  stop?: AbortSignal;
  /**
   * The HTTP client to send with. By default one is made with a connection
   * pool as large as `concurrency`, and closed when the run ends.
   */
  client?: Deno.HttpClient;
}

const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);
const TRANSIENT_STATUSES = new Set([408, 429, 502, 503, 504]);
const MAX_BACKOFF_MS = 30_000;
/** The longest timeout a timer can hold (2^31 - 1 ms), less the deadlines' slack. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1 - 250;
const MAX_RETRIES = 100;

/**
 * Makes one request per item of `requests`, at most `concurrency` at a time,
 * and yields one record per request as each finishes. Every body is read
 * whole (or the request fails), so connections are reused. Nothing is kept
 * per request once its record is yielded.
 *
 * @param requests URLs, or {@linkcode RequestSpec}s, pulled lazily. A plain URL's index is its position.
 * @param options The {@linkcode RunOptions}.
 * @returns The records, in completion order.
 * @throws {RangeError} When `concurrency`, `timeout`, `retries` or `retryDelay` is out of range.
 * @throws {TypeError} When `method`, `headers` or `body` would make an invalid request, or the
 * source throws (after the requests in flight have yielded their records).
 *
 * @example Count failures by kind
 * ```ts
 * import { runRequests } from "./runner.ts";
 * import assert from "node:assert/strict";
 *
 * await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
 *   return new Response("gone", { status: 410 });
 * });
 * const url = `http://127.0.0.1:${server.addr.port}/`;
 * const records = await Array.fromAsync(runRequests([url, url], { concurrency: 2 }));
 * assert.deepEqual(records.map((record) => record.error), ["http_status", "http_status"]);
 * ```
 */
export async function* runRequests(
  requests: RequestSource,
  options: RunOptions = {},
): AsyncGenerator<RequestRecord, void, undefined> {
  const {
    concurrency = 1000,
    timeout = 30_000,
    retries = 0,
    retryDelay = 100,
    method = "GET",
    headers,
    body,
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
  // A method, header or body that fetch would refuse is refused here, before any request.
  new Request("http://127.0.0.1/", {
    method,
    ...(headers ? { headers } : {}),
    ...(body ? { body } : {}),
  });
  const halt = signal && stop ? AbortSignal.any([signal, stop]) : signal ?? stop;
  const client = options.client ?? Deno.createHttpClient({ poolMaxIdlePerHost: concurrency });
  const deadlines = new Deadlines(timeout, signal);
  const init: RequestInit & { client: Deno.HttpClient } = { method, client };
  if (headers !== undefined) init.headers = headers;
  if (body !== undefined) init.body = body;
  const maxAttempts = IDEMPOTENT_METHODS.has(method.toUpperCase()) ? retries + 1 : 1;

  async function request(spec: RequestSpec): Promise<RequestRecord> {
    const record: RequestRecord = {
      index: spec.index,
      url: spec.url,
      status: 0,
      start: Date.now(),
      ms: 0,
      bytes: 0,
      attempts: 0,
    };
    const started = performance.now();
    while (true) {
      record.attempts++;
      const retryAfter = await attempt(record, { ...init, signal: deadlines.signal() }, signal);
      if (
        record.attempts >= maxAttempts || !isTransient(record) || signal?.aborted
      ) break;
      const ceiling = Math.min(MAX_BACKOFF_MS, retryDelay * 2 ** (record.attempts - 1));
      await sleep(Math.max(Math.random() * ceiling, retryAfter), signal);
      if (signal?.aborted) break;
    }
    record.ms = performance.now() - started;
    return record;
  }

  try {
    yield* pooledMap(dispatchable(requests, halt), request, {
      poolLimit: concurrency,
      ordered: false,
    });
  } finally {
    deadlines[Symbol.dispose]();
    if (!options.client) client.close();
  }
}

/**
 * Makes one attempt and writes its outcome into `record`.
 *
 * @returns The milliseconds the server asked to wait before a retry, or 0.
 */
async function attempt(
  record: RequestRecord,
  init: RequestInit,
  runSignal: AbortSignal | undefined,
): Promise<number> {
  if (record.attempts > 1) {
    delete record.error;
    delete record.delay;
    record.status = 0;
    record.bytes = 0;
  }
  let response: Response;
  try {
    response = await fetch(record.url, init);
  } catch (error) {
    record.error = runSignal?.aborted ? "aborted" : classifyError(error, false);
    return 0;
  }
  record.status = response.status;
  const delay = response.headers.get("delay");
  if (delay !== null) record.delay = Number(delay);
  try {
    record.bytes = (await response.arrayBuffer()).byteLength;
  } catch (error) {
    record.error = runSignal?.aborted ? "aborted" : classifyError(error, true);
    return 0;
  }
  if (!response.ok) {
    record.error = "http_status";
    return parseRetryAfter(response.headers.get("retry-after"));
  }
  return 0;
}

/**
 * Tells what kind of failure a `fetch` rejection is.
 *
 * @param error What `fetch`, or reading the body, rejected with.
 * @param readingBody Whether the headers had already arrived.
 * @returns The {@linkcode ErrorKind}.
 *
 * @example
 * ```ts
 * import { classifyError } from "./runner.ts";
 * import assert from "node:assert/strict";
 *
 * const refused = new TypeError("client error (Connect): Connection refused (os error 111)");
 * assert.equal(classifyError(refused, false), "refused");
 * assert.equal(classifyError(new DOMException("late", "TimeoutError"), true), "timeout");
 * ```
 */
export function classifyError(error: unknown, readingBody: boolean): ErrorKind {
  if (error instanceof DOMException) {
    if (error.name === "TimeoutError") return "timeout";
    if (error.name === "AbortError") return "aborted";
  }
  const text = describe(error);
  if (/os error 24\b|too many open files/i.test(text)) return "too_many_open_files";
  if (/os error 111\b|connection refused/i.test(text)) return "refused";
  if (/os error (104|32)\b|connection reset|broken pipe/i.test(text)) return "reset";
  return readingBody ? "truncated" : "connection";
}

/** The message of an error and of its causes, joined. */
function describe(error: unknown): string {
  let text = "";
  for (let cause = error, depth = 0; cause && depth < 5; depth++) {
    text += ` ${cause instanceof Error ? cause.message : String(cause)}`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return text;
}

function isTransient(record: RequestRecord): boolean {
  if (record.error === undefined || record.error === "aborted") return false;
  return record.error !== "http_status" || TRANSIENT_STATUSES.has(record.status);
}

/** `Retry-After` in milliseconds, from seconds or an HTTP date; 0 when absent or invalid. */
function parseRetryAfter(value: string | null): number {
  if (value === null) return 0;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.min(MAX_BACKOFF_MS, Math.max(0, ms)) : 0;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

type RequestSource = Iterable<string | RequestSpec> | AsyncIterable<string | RequestSpec>;

/**
 * The requests as specs (a plain URL's index is its position), ending as soon
 * as `halt` aborts. A sync source stays sync; an async one that is waiting for
 * its next item is not waited for once `halt` aborts.
 */
function dispatchable(
  requests: RequestSource,
  halt: AbortSignal | undefined,
): Iterable<RequestSpec> | AsyncIterable<RequestSpec> {
  if (!(Symbol.asyncIterator in requests)) return numbered(requests, halt);
  const source = requests[Symbol.asyncIterator]();
  let position = 0;
  let pending = false;
  const iterator: AsyncIterableIterator<RequestSpec> = {
    next() {
      if (halt?.aborted) return Promise.resolve({ done: true, value: undefined });
      const { promise, resolve, reject } = Promise.withResolvers<IteratorResult<RequestSpec>>();
      const onHalt = () => resolve({ done: true, value: undefined });
      halt?.addEventListener("abort", onHalt, { once: true });
      pending = true;
      source.next().then((next) => {
        pending = false;
        halt?.removeEventListener("abort", onHalt);
        resolve(next.done ? next : { done: false, value: toSpec(next.value, position++) });
      }, (error) => {
        pending = false;
        halt?.removeEventListener("abort", onHalt);
        reject(error);
      });
      return promise;
    },
    async return() {
      // A source still waiting for its next item would hold `return()` back.
      if (!pending) await source.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

function* numbered(
  requests: Iterable<string | RequestSpec>,
  halt: AbortSignal | undefined,
): Generator<RequestSpec> {
  let position = 0;
  for (const request of requests) {
    if (halt?.aborted) return;
    yield toSpec(request, position++);
  }
}

function toSpec(request: string | RequestSpec, position: number): RequestSpec {
  return typeof request === "string" ? { index: position, url: request } : request;
}

const OPTION_RANGES: Record<string, string> = {
  concurrency: "a positive integer",
  timeout: `a positive number of at most ${MAX_TIMEOUT_MS}`,
  retries: `an integer from 0 to ${MAX_RETRIES}`,
  retryDelay: "a non-negative number",
};

function checkOption(name: string, value: number, valid: boolean): void {
  if (valid) return;
  throw new RangeError(
    `Cannot run requests as '${name}' must be ${OPTION_RANGES[name]}: current value is ${value}`,
  );
}
