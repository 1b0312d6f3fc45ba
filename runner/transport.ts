/**
 * The seam where a request leaves the runner: a {@linkcode Transport} sends
 * one {@linkcode Outgoing} request and resolves with its response once the
 * head arrived. Everything above it (attempts, redirects, retries, bodies)
 * knows nothing of how the request travels; {@linkcode engineTransport} sends
 * it with an engine: h1 (ours, on `Deno.connect`) or Deno's `fetch`.
 *
 * @module
 */

import type { Engine, Reply } from "../engine/engine.ts";

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
 * {@linkcode Reply} once its head arrived; the body is taken from the reply.
 * It rejects with an error that `classifyError` (`errors.ts`) can name, and
 * gives up when `signal` aborts (with the signal's reason, also while the
 * body streams).
 *
 * @param request The request.
 * @param signal Cancels the request and its body.
 * @returns The reply.
 */
export type Transport = (request: Outgoing, signal: AbortSignal) => Promise<Reply>;

/**
 * A {@linkcode Transport} over an {@linkcode Engine}: h1 or fetch (see `engine/select.ts`).
 *
 * @param engine The engine to send with.
 * @returns The transport.
 *
 * @example
 * ```ts
 * import { engineTransport } from "./transport.ts";
 * import { createEngine } from "../engine/select.ts";
 * import assert from "node:assert/strict";
 *
 * await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
 *   return new Response(null, { status: 302, headers: { location: "/elsewhere" } });
 * });
 * const engine = createEngine({});
 * const send = engineTransport(engine);
 * const url = `http://127.0.0.1:${server.addr.port}/`;
 * const reply = await send({ url, method: "GET" }, new AbortController().signal);
 * assert.equal(reply.status, 302);
 * await reply.cancel();
 * engine.close();
 * ```
 */
export function engineTransport(engine: Engine): Transport {
  return (request, signal) =>
    engine.send(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal,
    });
}
