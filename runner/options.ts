/**
 * The options of a run, in one shape from the CLI's plan to the runner and
 * its worker threads: {@linkcode RunSettings} is what a run is asked to do,
 * as plain data that a worker can be sent; {@linkcode RunOptions} adds what
 * only one thread can hold (the caller's hooks, signals, client, a shared
 * schedule). Each limit is defined here once, and the idle-pool size is
 * computed here.
 *
 * @module
 */

import type { BodySink, RequestSpec } from "./types.ts";
import type { RateSchedule } from "../pace/rate_schedule.ts";
import { ENGINE_NAMES } from "../engine/select.ts";

/** The longest timeout a timer can hold (2^31 - 1 ms), less the deadlines' slack. */
export const MAX_TIMEOUT = 2 ** 31 - 1 - 250;
/** The most retries a run may ask for. */
export const MAX_RETRIES = 100;
/** The most redirects a run may ask to follow. */
export const MAX_REDIRECTS = 1000;

/**
 * What a run is asked to do, as plain data (it can be sent to a worker).
 * Every duration is in milliseconds, as everywhere in the library (names
 * carry no unit); only the delay server's `maxDelay` and `retryAfter`,
 * which it writes into headers that count seconds, are in seconds.
 */
export interface RunSettings {
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
  /** Request headers, unless a request has its own (`RunOptions` takes any `HeadersInit`). */
  headers?: [string, string][] | Record<string, string>;
  /** The request body, unless a request has its own. */
  body?: string | Uint8Array<ArrayBuffer>;
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
   * The engine that carries the requests: `h1`, ours, HTTP/1.1 on
   * `Deno.connect` (strict, and the fastest); `fetch`, Deno's, for HTTP/2 and
   * proxies; `auto`, h1 unless `client`, a proxy or HTTP/2 only needs fetch.
   * Everything above the engine (records, kinds, retries, redirects, bodies)
   * is the same on both.
   *
   * @default {"auto"}
   */
  engine?: "auto" | "h1" | "fetch";
  /**
   * Options of the connections: CA certificates and the idle pool size
   * (`poolMaxIdlePerHost`, 0 for no keep-alive) for both engines; a proxy
   * and the protocol for fetch.
   */
  clientOptions?: Deno.CreateHttpClientOptions;
  /**
   * Requests per second: request `k` is due at `start + k / rate` and starts
   * then, or as soon as a slot is free (its record says `late`). Records get
   * `due`, so the summary can time latency from the scheduled start
   * (`RunOptions` also takes a {@linkcode RateSchedule}, shared between runs).
   */
  rate?: number;
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
   * its cap is held while later ones for other origins go ahead (1000 held
   * at first, growing by 1000 every 50 ms that they stay full, up to 32 MiB
   * of held requests, about 150,000 URLs); each origin's requests keep their
   * order. Past that, the source is read no further until a held request
   * leaves.
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

/**
 * Options for `runRequests` (`run.ts`): the {@linkcode RunSettings}, any
 * `HeadersInit`, a shared rate schedule, and what only one thread can hold.
 *
 * @typeParam T What `read` returns.
 */
export interface RunOptions<T = unknown> extends Omit<RunSettings, "headers" | "rate"> {
  /** Request headers, unless a request has its own. */
  headers?: HeadersInit;
  /**
   * Requests per second (see {@linkcode RunSettings.rate}), or a
   * {@linkcode RateSchedule} that shares one schedule between runs (worker threads).
   */
  rate?: number | RateSchedule;
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
   * Called as each request starts (before its first attempt) and ends
   * (before its record is yielded), with how many are in flight then: for
   * a live view.
   */
  onInFlight?: (inFlight: number) => void;
  /**
   * The HTTP client to send with. By default one is made from `clientOptions`
   * with a connection pool as large as `concurrency`, and closed when the run
   * ends.
   */
  client?: Deno.HttpClient;
}

/**
 * How many idle connections to keep per origin: enough for every request
 * the run may have in flight to one origin, as `clientOptions` allows.
 *
 * @param settings The run's concurrency, per-origin cap and client options.
 * @returns The idle connections per origin.
 *
 * @example
 * ```ts
 * import { idlePoolSize } from "./options.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(idlePoolSize({ concurrency: 100, perHost: 6 }), 6);
 * assert.equal(idlePoolSize({ concurrency: 100, clientOptions: { poolMaxIdlePerHost: 0 } }), 0);
 * ```
 */
export function idlePoolSize(
  settings: Pick<RunSettings, "concurrency" | "perHost" | "clientOptions">,
): number {
  const { concurrency = 1000, perHost = Infinity, clientOptions } = settings;
  return Math.min(concurrency, perHost, clientOptions?.poolMaxIdlePerHost ?? Infinity);
}

const OPTION_RANGES: Record<string, string> = {
  concurrency: "a positive integer",
  timeout: `a positive number of at most ${MAX_TIMEOUT}`,
  retries: `an integer from 0 to ${MAX_RETRIES}`,
  retryDelay: "a non-negative number",
  maxBytes: "a non-negative number",
  maxRedirects: `an integer from 0 to ${MAX_REDIRECTS}`,
};

/**
 * Refuses options out of range, and a method, header or body that fetch would refuse.
 *
 * @param options The run's options.
 * @throws {RangeError} When a number is out of range.
 * @throws {TypeError} When the method, headers or body would make an invalid request.
 *
 * @example
 * ```ts
 * import { checkRunOptions } from "./options.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => checkRunOptions({ retries: -1 }), RangeError);
 * ```
 */
export function checkRunOptions(options: RunOptions<unknown> | RunSettings): void {
  const {
    concurrency = 1000,
    timeout = 30_000,
    retries = 0,
    retryDelay = 100,
    maxBytes = Infinity,
    maxRedirects = 20,
    method = "GET",
    headers,
    body,
  } = options;
  check("concurrency", concurrency, Number.isInteger(concurrency) && concurrency >= 1);
  check("timeout", timeout, timeout > 0 && timeout <= MAX_TIMEOUT);
  check("retries", retries, Number.isInteger(retries) && retries >= 0 && retries <= MAX_RETRIES);
  check("retryDelay", retryDelay, Number.isFinite(retryDelay) && retryDelay >= 0);
  check("maxBytes", maxBytes, maxBytes >= 0);
  check(
    "maxRedirects",
    maxRedirects,
    Number.isInteger(maxRedirects) && maxRedirects >= 0 && maxRedirects <= MAX_REDIRECTS,
  );
  if (options.engine !== undefined && !ENGINE_NAMES.includes(options.engine)) {
    throw new TypeError(
      `Cannot run requests as 'engine' must be one of ${ENGINE_NAMES.join(", ")}: ` +
        `current value is '${options.engine}'`,
    );
  }
  new Request("http://127.0.0.1/", {
    method,
    ...(headers ? { headers } : {}),
    ...(body ? { body } : {}),
  });
}

function check(name: string, value: number, valid: boolean): void {
  if (valid) return;
  throw new RangeError(
    `Cannot run requests as '${name}' must be ${OPTION_RANGES[name]}: current value is ${value}`,
  );
}
