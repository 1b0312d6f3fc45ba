/**
 * The seam where a request leaves the runner: a {@linkcode Transport} sends
 * one {@linkcode Outgoing} request and resolves with its response once the
 * head arrived. Everything above it (attempts, redirects, retries, bodies)
 * knows nothing of how the request travels; {@linkcode fetchTransport} sends
 * it with Deno's `fetch`.
 *
 * @module
 */

/** One request as it is sent: the run's defaults and the request's own, merged. */
export interface Outgoing {
  /** The absolute http or https URL. */
  url: string;
  /** The HTTP method, upper case. */
  method: string;
  /** The request headers. */
  headers?: HeadersInit | undefined;
  /** The request body. */
  body?: string | Uint8Array<ArrayBuffer> | undefined;
}

/**
 * Sends one request, without following redirects, and resolves with the
 * response once its head arrived; the body streams. It rejects with an error
 * that `classifyError` (`errors.ts`) can name, and gives up when `signal`
 * aborts (with the signal's reason, also while the body streams).
 *
 * @param request The request.
 * @param signal Cancels the request and its body.
 * @returns The response.
 */
export type Transport = (request: Outgoing, signal: AbortSignal) => Promise<Response>;

/**
 * A {@linkcode Transport} over Deno's `fetch`, with `redirect: "manual"`.
 *
 * @param client The HTTP client (connection pool) to send with.
 * @returns The transport.
 *
 * @example
 * ```ts
 * import { fetchTransport } from "./transport.ts";
 * import assert from "node:assert/strict";
 *
 * await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
 *   return new Response(null, { status: 302, headers: { location: "/elsewhere" } });
 * });
 * using client = Deno.createHttpClient({});
 * const send = fetchTransport(client);
 * const url = `http://127.0.0.1:${server.addr.port}/`;
 * const response = await send({ url, method: "GET" }, new AbortController().signal);
 * assert.equal(response.status, 302);
 * await response.body?.cancel();
 * ```
 */
export function fetchTransport(client: Deno.HttpClient): Transport {
  return (request, signal) =>
    fetch(request.url, {
      method: request.method,
      // Absent headers are no headers: fetch takes `undefined` as it takes `{}`.
      headers: request.headers as HeadersInit,
      body: request.body ?? null,
      client,
      redirect: "manual",
      signal,
    });
}
