/**
 * Redirects followed by hand (the transport never follows them), so they can
 * be counted and a loop stopped: the request a 3xx leads to, as fetch itself
 * would make it.
 *
 * @module
 */

import { countBody } from "./body.ts";
import type { Reply } from "../engine/engine.ts";
import { permissionDetail } from "./net_permission.ts";
import type { Outgoing, Transport } from "./transport.ts";

/** The statuses that lead on, when they carry a `Location`. */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers about a body, dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = ["content-type", "content-encoding", "content-language", "content-location"];

/**
 * Whether `status` is a redirect that fetch would follow.
 *
 * @param status An HTTP status.
 * @returns Whether it is 301, 302, 303, 307 or 308.
 *
 * @example
 * ```ts
 * import { isRedirect } from "./redirects.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isRedirect(302));
 * assert.ok(!isRedirect(304));
 * ```
 */
export function isRedirect(status: number): boolean {
  return REDIRECT_STATUSES.has(status);
}

/**
 * The request a redirect leads to, as the Fetch standard makes it: a 303 (and
 * a 301 or 302 after a POST) becomes a GET without a body or body headers; a
 * request to another origin loses its `Authorization` and `Cookie` headers.
 *
 * @param request The request that was redirected.
 * @param status The redirect's status.
 * @param to The URL it leads to.
 * @returns The next request.
 *
 * @example
 * ```ts
 * import { redirected } from "./redirects.ts";
 * import assert from "node:assert/strict";
 *
 * const next = redirected({ url: "http://a/", method: "POST", body: "x" }, 303, "http://a/b");
 * assert.deepEqual([next.url, next.method, next.body], ["http://a/b", "GET", undefined]);
 * ```
 */
export function redirected(request: Outgoing, status: number, to: string): Outgoing {
  const method = request.method.toUpperCase();
  const toGet = (status === 303 && method !== "HEAD") ||
    ((status === 301 || status === 302) && method === "POST");
  const crossOrigin = new URL(request.url).origin !== new URL(to).origin;
  if (!toGet && !crossOrigin) return { ...request, url: to };
  const next: Outgoing = { ...request, url: to };
  const headers = new Headers(request.headers);
  if (toGet) {
    next.method = "GET";
    delete next.body;
    for (const name of BODY_HEADERS) headers.delete(name);
  }
  if (crossOrigin) {
    headers.delete("authorization");
    headers.delete("cookie");
  }
  next.headers = headers;
  return next;
}

/** Options for {@linkcode followRedirects}. */
export interface FollowOptions {
  /** Redirects to follow at most; with 0 a 3xx is the answer. */
  maxRedirects: number;
  /** The most bytes of a redirect's body to drain before following it. */
  maxBytes: number;
  /** Whether a URL may not be requested (no network permission for its host). */
  denied?: ((url: string) => boolean) | undefined;
}

/** Where a chain of redirects ended: the last response, and why it stopped short, if it did. */
export interface Followed {
  /** The last response: the final answer, or the redirect that could not be followed. */
  response: Reply;
  /** The URL that gave `response`. */
  url: string;
  /** Why the chain was not followed to its end: a loop, too many hops, no permission. */
  failure?: { kind: "redirects" | "permission"; detail: string };
}

/**
 * Follows the redirects of `response` through `send`, counting each `Location`
 * followed as one hop. A hop past `maxRedirects`, a `Location` back to a URL
 * of the same chain, or one that is not a URL stops the chain with kind
 * `redirects`; a host without network permission, with `permission`.
 *
 * @param response The first response.
 * @param request The request that gave it.
 * @param send Sends each next request, with `signal`.
 * @param signal Cancels the requests.
 * @param options The {@linkcode FollowOptions}.
 * @returns The {@linkcode Followed} chain's end.
 *
 * @example A redirect loop is named
 * ```ts
 * import { followRedirects } from "./redirects.ts";
 * import { engineTransport } from "./transport.ts";
 * import { createEngine } from "../engine/select.ts";
 * import assert from "node:assert/strict";
 *
 * await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
 *   const next = new URL(request.url).pathname === "/a" ? "/b" : "/a";
 *   return new Response(null, { status: 302, headers: { location: next } });
 * });
 * const engine = createEngine({});
 * const send = engineTransport(engine);
 * const request = { url: `http://127.0.0.1:${server.addr.port}/a`, method: "GET" };
 * const { signal } = new AbortController();
 * const end = await followRedirects(await send(request, signal), request, send, signal, {
 *   maxRedirects: 5,
 *   maxBytes: Infinity,
 * });
 * assert.equal(end.failure?.kind, "redirects");
 * assert.match(end.failure!.detail, /redirect loop/);
 * await end.response.cancel();
 * engine.close();
 * ```
 */
export async function followRedirects(
  response: Reply,
  request: Outgoing,
  send: Transport,
  signal: AbortSignal,
  options: FollowOptions,
): Promise<Followed> {
  let url = request.url;
  const { maxRedirects, maxBytes, denied } = options;
  let chain: Set<string> | undefined;
  for (let hops = 0; isRedirect(response.status);) {
    const location = response.header("location");
    if (maxRedirects === 0 || location === null) break;
    await countBody(response, { bytes: 0 }, maxBytes);
    const stop = (kind: "redirects" | "permission", detail: string) => ({
      response,
      url,
      failure: { kind, detail },
    });
    let next: string;
    try {
      next = new URL(location, url).href;
    } catch {
      return stop("redirects", "a redirect to an invalid Location");
    }
    chain ??= new Set([url]);
    if (chain.has(next)) {
      return stop(
        "redirects",
        `redirect loop: back to a URL of the chain after ${hops + 1} redirects`,
      );
    }
    if (++hops > maxRedirects) {
      return stop("redirects", `more than ${maxRedirects} redirects`);
    }
    if (denied?.(next)) return stop("permission", permissionDetail(next));
    chain.add(next);
    request = redirected(request, response.status, next);
    url = next;
    response = await send(request, signal);
  }
  return { response, url };
}
