/**
 * What a run takes in and gives out: its {@linkcode RunOptions}, a
 * {@linkcode RequestSpec} per request, a {@linkcode RequestRecord} per
 * outcome, and the shapes of the hooks that read or store a response's body.
 *
 * @module
 */

import type { ErrorKind } from "./errors.ts";
import type { RateSchedule } from "../pace/rate_schedule.ts";

/**
 * The outcome of one request, after any retries.
 *
 * @typeParam T What the run's `read` returns.
 */
export interface RequestRecord<T = unknown> {
  /** The request's index in the source, from 0. */
  index: number;
  /** The URL requested (before any redirect). */
  url: string;
  /** The HTTP status of the last attempt's final response, or 0 when no response arrived. */
  status: number;
  /** The server's `DELAY` header in seconds, when it sent one. */
  delay?: number;
  /** When the first attempt started, in milliseconds since the epoch. */
  start: number;
  /** Milliseconds from the first attempt's start to the last attempt's end. */
  ms: number;
  /**
   * Body bytes that arrived in the last attempt, also when it failed. With a
   * `read`, the runner does not see the body and this stays 0 (the CLI's
   * `--save` counts what it writes).
   */
  bytes: number;
  /** Attempts made, 1 plus the retries used. */
  attempts: number;
  /** Why the request failed; absent when it succeeded. */
  error?: ErrorKind;
  /** What happened, in one line; present when it failed. */
  detail?: string;
  /** What `read` returned for the final response. */
  value?: T;
  /** Where the CLI's `--save` wrote the body, relative to where the CLI ran. */
  file?: string;
  /** With a rate: when the schedule had the request start, in milliseconds since the epoch. */
  due?: number;
  /** With a rate: `true` when it started more than 2 ms after its due time (no free slot). */
  late?: boolean;
}

/** One request to make: its index in the source and its URL, and what it changes of the run's. */
export interface RequestSpec {
  /** The request's index in the source, from 0. */
  index: number;
  /** The absolute http or https URL. */
  url: string;
  /** The method, instead of the run's. */
  method?: string;
  /** The headers, instead of the run's. */
  headers?: HeadersInit;
  /** The body, instead of the run's. */
  body?: string | Uint8Array<ArrayBuffer>;
}

/** Where a body goes, chunk by chunk, as it arrives (see `RunOptions.sink`). */
export interface BodySink {
  /**
   * Takes one chunk; the chunk's memory is reused once the promise settles.
   *
   * @param chunk The bytes.
   * @returns When the chunk is written.
   */
  write(chunk: Uint8Array): Promise<unknown>;
  /**
   * Ends the body once it arrived whole.
   *
   * @returns Where it went, for the record's `file`.
   */
  close(): Promise<string>;
  /**
   * Drops what was written, when the body broke off.
   *
   * @returns When it is dropped.
   */
  abort(): Promise<void>;
}

/**
 * Options for `runRequests` (`runner.ts`).
 *
 * @typeParam T What `read` returns.
 */
export interface RunOptions<T = unknown> {
  /**
   * The most requests in flight at once; `read` runs inside the slot.
   *
   * @default {1000}
   */
  concurrency?: number;
  /**
   * Milliseconds one attempt may take: headers, redirects and body (however
   * `read` consumes it). Attempts that start within a short window share one
   * timer, so an attempt times out up to a twentieth of this (at most 250 ms)
   * late.
   *
   * @default {30000}
   */
  timeout?: number;
  /**
   * Extra attempts for a transient failure (a transport error, 408, 429, 502,
   * 503 or 504, a `RetryableError` from `read`) of an idempotent request, with
   * exponential backoff, full jitter, and `Retry-After` honoured.
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
   * The HTTP method, unless a request has its own.
   *
   * @default {"GET"}
   */
  method?: string;
  /** Request headers, unless a request has its own. */
  headers?: HeadersInit;
  /** The request body, unless a request has its own. */
  body?: string | Uint8Array<ArrayBuffer>;
  /**
   * Reads each final response (after redirects and status retries, whatever
   * its status) into the record's `value`. It runs inside the request's
   * slot; what it leaves unread is cancelled when it returns. Without it, the
   * body is counted through a fixed buffer and dropped.
   */
  read?: (response: Response, request: RequestSpec) => T | Promise<T>;
  /**
   * Where to stream each final response's body instead of dropping it, when
   * there is no `read`: a {@linkcode BodySink} for this response, or
   * `undefined` to count the body only. What the sink's `close` returns
   * becomes the record's `file`.
   */
  sink?: (response: Response, request: RequestSpec) => BodySink | Promise<BodySink> | undefined;
  /**
   * The most body bytes to read without `read`; a longer body is cancelled
   * and fails with `too_large`.
   *
   * @default {Infinity}
   */
  maxBytes?: number;
  /**
   * Redirects to follow. Each `Location` followed counts one; a 3xx past the
   * limit, or one that leads back to a URL of the same chain, fails with
   * `redirects`. With 0, a 3xx is the answer (a failure of kind `http_status`).
   *
   * @default {20}
   */
  maxRedirects?: number;
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
   * The HTTP client to send with. By default one is made from `clientOptions`
   * with a connection pool as large as `concurrency`, and closed when the run
   * ends.
   */
  client?: Deno.HttpClient;
  /** Options of the client made when `client` is not given (CA certificates, proxy, protocol). */
  clientOptions?: Deno.CreateHttpClientOptions;
  /**
   * Requests per second: request `k` is due at `start + k / rate` and starts
   * then, or as soon as a slot is free (its record says `late`). Records get
   * `due`, so the summary can time latency from the scheduled start. A
   * {@linkcode RateSchedule} shares one schedule between runs (worker threads).
   */
  rate?: number | RateSchedule;
  /**
   * Milliseconds over which the rate rises linearly from 0; without a rate,
   * the concurrency rises instead.
   */
  ramp?: number;
  /**
   * Milliseconds after which no request starts (from the rate schedule's
   * start, or the run's); requests in flight finish.
   */
  duration?: number;
  /**
   * The most requests in flight to one origin. A request for an origin at
   * its cap is held (up to 1000 in all) while later ones for
   * other origins go ahead; each origin's requests keep their order.
   */
  perHost?: number;
  /**
   * Host-wide backoff: a 429, or a 503 with `Retry-After`, pauses new
   * requests and retries to that origin until the time given, and a 429
   * halves the origin's concurrency (at most `perHost`), which climbs back
   * one step per window of successes. The CLI turns it on with `--retries`
   * or `--per-host`.
   *
   * @default {false}
   */
  backoff?: boolean;
}
