/**
 * The runner: one request in, attempts with retries, one record out. A lazy
 * request source goes through the pace (one permit per request) and
 * {@linkcode pooledMap} into attempts (`attempt.ts`, which send through a
 * transport), and every request yields exactly one {@linkcode RequestRecord},
 * success or classified failure, with the caller's `read` result as its `value`.
 *
 * @module
 */

import { attempt, type AttemptContext, type AttemptResult } from "./attempt.ts";
import { Deadlines } from "../async/deadline.ts";
import { createPace, type Permit } from "../pace/pace.ts";
import { engineTransport, type Outgoing } from "./transport.ts";
import { createEngine } from "../engine/select.ts";
import { netPermissionCheck } from "./net_permission.ts";
import type { RequestRecord, RequestSpec } from "./types.ts";
import { checkRunOptions, idlePoolSize, type RunOptions } from "./options.ts";
import { backoffDelay, isIdempotent } from "./retry_policy.ts";
import { sleep } from "../async/sleep.ts";
import { pooledMap } from "../semaphore.ts";
import { warmFirst } from "./warm.ts";

export type { BodySink, RequestRecord, RequestSpec } from "./types.ts";
export type { RunOptions, RunSettings } from "./options.ts";

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
    read,
    sink,
    maxBytes = Infinity,
    maxRedirects = 20,
    signal,
    stop,
  } = options;
  checkRunOptions(options);
  // Leaving the loop over the records (break, throw) cancels the requests in flight at once.
  const left = new AbortController();
  const cancel = signal ? AbortSignal.any([signal, left.signal]) : left.signal;
  const halt = stop ? AbortSignal.any([cancel, stop]) : cancel;
  const { rate, ramp, duration, perHost, backoff } = options;
  const paceOptions = { rate, ramp, duration, perHost, backoff, concurrency, halt };
  using pace = createPace<RequestSpec>(paceOptions);
  const engine = createEngine({
    engine: options.engine,
    client: options.client,
    clientOptions: options.clientOptions,
    maxIdle: idlePoolSize(options),
  });
  using deadlines = new Deadlines(timeout, cancel);
  const context: AttemptContext<T> = {
    send: engineTransport(engine),
    deadlines,
    signal: cancel,
    read,
    sink,
    maxBytes,
    maxRedirects,
    denied: netPermissionCheck(),
  };

  let inFlight = 0;
  const { onInFlight } = options;
  const uncounted: Disposable = { [Symbol.dispose]() {} };
  /** Counts a request in flight until it is disposed of, telling `onInFlight`. */
  function countInFlight(): Disposable {
    if (onInFlight === undefined) return uncounted;
    onInFlight(++inFlight);
    return { [Symbol.dispose]: () => onInFlight(--inFlight) };
  }

  async function request(permit: Permit<RequestSpec>): Promise<RequestRecord<T>> {
    using _ = permit;
    using _counted = countInFlight();
    const spec = permit.item;
    const outgoing = outgoingOf(spec, options);
    const pending = { spec, outgoing, retriesLeft: isIdempotent(outgoing.method) ? retries : 0 };
    // On the clock of `due`: epoch milliseconds with the monotonic clock's precision.
    const started = performance.now();
    const start = performance.timeOrigin + started;
    let attempts = 0;
    let result: AttemptResult<T>;
    while (true) {
      attempts++;
      result = await attempt(pending, context);
      permit.report(result);
      if (result.ok || !result.retry || cancel.aborted) break;
      pending.retriesLeft--;
      await sleep(backoffDelay(attempts, retryDelay, result.retryAfter), cancel);
      if (cancel.aborted || !await permit.retry(cancel)) break;
    }
    return toRecord(permit, result, { start, ms: performance.now() - started, attempts });
  }

  try {
    // With a rate, connections are opened before the schedule starts.
    const target = rate === undefined ? undefined : typeof rate === "number" ? rate : rate.rate;
    const specs = target === undefined
      ? specsOf(requests)
      : await warmFirst(specsOf(requests), engine, target, concurrency, halt);
    const pool = { poolLimit: concurrency, ordered: false, signal: halt };
    yield* untilLeft(pooledMap(pace.permits(specs), request, pool), left);
  } catch (error) {
    // Stopped: the requests in flight have yielded their records.
    if (!halt.aborted || error !== halt.reason) throw error;
  } finally {
    engine.close();
  }
}

/**
 * Yields `records`; a reader that leaves (break, throw) aborts `left` before
 * the pool waits for the requests in flight, so they end at once, as `aborted`.
 */
async function* untilLeft<R>(records: AsyncIterable<R>, left: AbortController): AsyncGenerator<R> {
  for await (const record of records) {
    let resumed = false;
    try {
      yield record;
      resumed = true;
    } finally {
      if (!resumed) {
        left.abort(new DOMException("The run's records are no longer read", "AbortError"));
      }
    }
  }
}

/** A request as it is sent: its own method, headers and body, or the run's. */
function outgoingOf(spec: RequestSpec, run: RunOptions<unknown>): Outgoing {
  return {
    url: spec.url,
    method: spec.method ?? run.method ?? "GET",
    headers: spec.headers === undefined || run.headers === undefined
      ? spec.headers ?? run.headers
      : withOwnHeaders(run.headers, spec.headers),
    body: spec.body ?? run.body,
  };
}

/** The record of a request, from its last attempt. */
function toRecord<T>(
  permit: Permit<RequestSpec>,
  result: AttemptResult<T>,
  timing: Pick<RequestRecord, "start" | "ms" | "attempts">,
): RequestRecord<T> {
  const { index, url } = permit.item;
  const { status, bytes } = result;
  const { start, attempts } = timing;
  const ms = Math.round(timing.ms * 1000) / 1000;
  // The fields in the order the output's lines have always had.
  const record: RequestRecord<T> = { index, url, status, start, ms, bytes, attempts };
  if (result.delay !== undefined) record.delay = result.delay;
  if ("value" in result) record.value = result.value as T;
  if (result.file !== undefined) record.file = result.file;
  if (!result.ok) {
    record.error = result.error;
    record.detail = result.detail;
  }
  if (permit.due !== undefined) {
    record.due = permit.due;
    if (permit.late) record.late = true;
  }
  return record;
}

/** The requests as specs: a plain URL's index is its position; sync when `requests` is. */
function specsOf(
  requests: Iterable<string | RequestSpec> | AsyncIterable<string | RequestSpec>,
): Iterable<RequestSpec> | AsyncIterable<RequestSpec> {
  return Symbol.asyncIterator in requests ? asyncSpecs(requests) : syncSpecs(requests);
}

function* syncSpecs(requests: Iterable<string | RequestSpec>): Generator<RequestSpec> {
  let position = 0;
  for (const request of requests) yield toSpec(request, position++);
}

async function* asyncSpecs(
  requests: AsyncIterable<string | RequestSpec>,
): AsyncGenerator<RequestSpec> {
  let position = 0;
  for await (const request of requests) yield toSpec(request, position++);
}

/** The run's headers with a request's own: each name the request gives replaces the run's. */
function withOwnHeaders(run: HeadersInit, own: HeadersInit): [string, string][] {
  const mine = pairsOf(own);
  const named = new Set(mine.map(([name]) => name.toLowerCase()));
  return [...pairsOf(run).filter(([name]) => !named.has(name.toLowerCase())), ...mine];
}

function pairsOf(headers: HeadersInit): [string, string][] {
  if (Array.isArray(headers)) return headers.map(([name, value]) => [name!, value!]);
  if (headers instanceof Headers) return [...headers];
  return Object.entries(headers as Record<string, string>);
}

/** A plain URL's index is its position. */
function toSpec(request: string | RequestSpec, position: number): RequestSpec {
  return typeof request === "string" ? { index: position, url: request } : request;
}
