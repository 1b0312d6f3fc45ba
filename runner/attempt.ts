/**
 * One attempt at a request: send it through the {@linkcode Transport},
 * follow its redirects, take its body (count it, stream it to a sink, or
 * hand it to the caller's `read`), and say how it went as an
 * {@linkcode AttemptResult}. Retries, pace and records are the runner's.
 *
 * @module
 */

import { countBody, sinkBody, TooLargeError } from "./body.ts";
import {
  classifyError,
  errorDetail,
  type ErrorKind,
  type ExchangePhase,
  PERMANENT_KINDS,
} from "./errors.ts";
import type { Deadlines } from "../async/deadline.ts";
import { followRedirects } from "./redirects.ts";
import { permissionDetail } from "./net_permission.ts";
import { readFailureKind, readWithin, RetryableError } from "./read.ts";
import { isTransientStatus, parseRetryAfter } from "./retry_policy.ts";
import type { Outgoing, Transport } from "./transport.ts";
import type { RequestSpec } from "./types.ts";
import type { RunOptions } from "./options.ts";
import type { Reply } from "../engine/engine.ts";

/** What every attempt tells, whether it succeeded or not. */
interface AttemptOutcome<T> {
  /** The final response's status, or 0 when no response arrived. */
  status: number;
  /** Body bytes that arrived (0 with a `read`: the runner does not see the body). */
  bytes: number;
  /** Milliseconds a non-2xx response asked to wait (`Retry-After`), 0 when it did not say. */
  retryAfter: number;
  /** The bundled delay server's `DELAY` header, in seconds, when the response had one. */
  delay?: number;
  /** What the caller's `read` returned, when it ran. */
  value?: T;
  /** Where the sink stored the body, when one did. */
  file?: string;
}

/**
 * An attempt that succeeded: a 2xx response whose body was taken whole.
 *
 * @typeParam T What `read` returns.
 */
export interface AttemptSuccess<T> extends AttemptOutcome<T> {
  /** It succeeded. */
  ok: true;
}

/**
 * An attempt that failed, and whether the runner may try again.
 *
 * @typeParam T What `read` returns.
 */
export interface AttemptFailure<T> extends AttemptOutcome<T> {
  /** It failed. */
  ok: false;
  /** Why. */
  error: ErrorKind;
  /** What happened, in one line. */
  detail: string;
  /** Whether another attempt may help (a transient failure, with retries left). */
  retry: boolean;
}

/**
 * How one attempt went.
 *
 * @typeParam T What `read` returns.
 */
export type AttemptResult<T> = AttemptSuccess<T> | AttemptFailure<T>;

/**
 * What every attempt of a run shares.
 *
 * @typeParam T What `read` returns.
 */
export interface AttemptContext<T> {
  /** Sends each request and redirect. */
  send: Transport;
  /** Each attempt's timeout. */
  deadlines: Deadlines;
  /** The run's abort: a failure once it aborted is `aborted`. */
  signal: AbortSignal | undefined;
  /** The caller's read of the final response. */
  read: RunOptions<T>["read"];
  /** Where a final body goes, when there is no `read`. */
  sink: RunOptions<T>["sink"];
  /** The most body bytes to take without `read`. */
  maxBytes: number;
  /** Redirects to follow. */
  maxRedirects: number;
  /** Whether a URL's host is denied network permission. */
  denied: ((url: string) => boolean) | undefined;
}

/** One request about to be attempted. */
export interface AttemptRequest {
  /** The request as the source gave it (passed to `read` and `sink`). */
  spec: RequestSpec;
  /** The request as it is sent. */
  outgoing: Outgoing;
  /** Attempts that may follow this one: with none, a transient status is the answer. */
  retriesLeft: number;
}

/** Where an attempt got to when it failed: names a transport error. */
type Phase = ExchangePhase | "read";

/**
 * Makes one attempt at a request.
 *
 * @typeParam T What `read` returns.
 * @param request The {@linkcode AttemptRequest}.
 * @param context The run's {@linkcode AttemptContext}.
 * @returns How it went; it never rejects.
 *
 * @example A 503 with retries left asks for another attempt
 * ```ts
 * import { attempt } from "./attempt.ts";
 * import { Deadlines } from "../async/deadline.ts";
 * import { engineTransport } from "./transport.ts";
 * import { createEngine } from "../engine/select.ts";
 * import assert from "node:assert/strict";
 *
 * await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
 *   return new Response("busy", { status: 503, headers: { "retry-after": "1" } });
 * });
 * const engine = createEngine({});
 * using deadlines = new Deadlines(5_000);
 * const url = `http://127.0.0.1:${server.addr.port}/`;
 * const context = {
 *   send: engineTransport(engine),
 *   deadlines,
 *   signal: undefined,
 *   read: undefined,
 *   sink: undefined,
 *   maxBytes: Infinity,
 *   maxRedirects: 20,
 *   denied: undefined,
 * };
 * const spec = { index: 0, url };
 * const result = await attempt({ spec, outgoing: { url, method: "GET" }, retriesLeft: 1 }, context);
 * assert.equal(result.ok, false);
 * assert.deepEqual(result.ok ? [] : [result.error, result.retry, result.retryAfter], [
 *   "http_status",
 *   true,
 *   1000,
 * ]);
 * engine.close();
 * ```
 */
export async function attempt<T>(
  request: AttemptRequest,
  context: AttemptContext<T>,
): Promise<AttemptResult<T>> {
  const { spec, outgoing, retriesLeft } = request;
  const { read, signal, maxBytes } = context;
  const outcome: AttemptOutcome<T> = { status: 0, bytes: 0, retryAfter: 0 };
  let url = outgoing.url;
  if (context.denied?.(url)) return failed(outcome, "permission", permissionDetail(url));
  const deadline = context.deadlines.signal();
  // With a read, the attempt has a signal of its own, that follows the deadline and cancels
  // what read leaves of the body.
  const own = read === undefined ? undefined : new AbortController();
  const follow = own && (() => own.abort(deadline.reason));
  if (follow) {
    if (deadline.aborted) follow();
    else deadline.addEventListener("abort", follow);
  }
  let phase: Phase = "head";
  let reply: Reply | undefined;
  /** A non-2xx final response's status line: the failure, whatever `read` makes of its body. */
  let statusLine: string | undefined;
  try {
    const sending = own?.signal ?? deadline;
    const first = await context.send(outgoing, sending);
    const end = await followRedirects(first, outgoing, context.send, sending, context);
    reply = end.response;
    url = end.url;
    outcome.status = reply.status;
    if (end.failure) {
      await reply.cancel();
      return failed(outcome, end.failure.kind, end.failure.detail);
    }
    const ok = reply.status >= 200 && reply.status < 300;
    const delay = reply.header("delay");
    if (delay !== null) outcome.delay = Number(delay);
    if (!ok) {
      outcome.retryAfter = parseRetryAfter(reply.header("retry-after"));
      statusLine = `HTTP ${reply.status}${reply.statusText ? ` ${reply.statusText}` : ""}`;
    }
    // A status worth retrying is not the answer yet: its body is only counted.
    const retryStatus = !ok && retriesLeft > 0 && isTransientStatus(reply.status);
    const sink = retryStatus || read !== undefined || context.sink === undefined
      ? undefined
      : context.sink(headOf(reply), spec);
    phase = "body";
    if (sink !== undefined) {
      outcome.file = await sinkBody(reply, outcome, maxBytes, await sink);
    } else if (read === undefined || retryStatus) {
      await countBody(reply, outcome, maxBytes);
    } else {
      phase = "read";
      outcome.value = await readWithin(read, reply.response(), spec, own!);
    }
    if (ok) return { ok: true, ...outcome };
    const failure = failed(outcome, "http_status", statusLine!);
    failure.retry = retryStatus;
    return failure;
  } catch (error) {
    // A body not taken whole must not hold its connection (h1 closes it; a no-op once taken).
    await reply?.cancel().catch(() => {});
    if (phase === "read" && statusLine !== undefined && !signal?.aborted) {
      // A read that cannot parse an error page: the status is the failure.
      return failed(
        outcome,
        "http_status",
        `${statusLine}; read: ${errorDetail(error, "read", url)}`,
      );
    }
    const kind = signal?.aborted ? "aborted" : kindOf(error, phase);
    const failure = failed(outcome, kind, errorDetail(error, kind, url));
    failure.retry = retriesLeft > 0 &&
      (kind === "read" ? error instanceof RetryableError : !PERMANENT_KINDS.has(kind));
    return failure;
  } finally {
    if (follow) deadline.removeEventListener("abort", follow);
  }
}

/** The head of a reply as a body-less `Response`, for the sink hook (which reads the status). */
function headOf(reply: Reply): Response {
  return new Response(null, {
    status: reply.status,
    statusText: reply.statusText,
    headers: reply.headers(),
  });
}

/** The kind of a failed attempt's error, by where the attempt got to. */
function kindOf(error: unknown, phase: Phase): ErrorKind {
  if (phase === "read") return readFailureKind(error);
  return error instanceof TooLargeError ? "too_large" : classifyError(error, phase);
}

/** A failure that is not retried. */
function failed<T>(
  outcome: AttemptOutcome<T>,
  error: ErrorKind,
  detail: string,
): AttemptFailure<T> {
  return { ok: false, ...outcome, error, detail, retry: false };
}
