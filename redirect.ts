/**
 * Redirects followed by hand (fetch's `redirect: "manual"`), so they can be
 * counted and a loop stopped: the request a 3xx leads to, as fetch itself
 * would make it.
 *
 * @module
 */

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
 * import { isRedirect } from "./redirect.ts";
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
 * @param init The request that was redirected.
 * @param status The redirect's status.
 * @param from The URL that was redirected.
 * @param to The URL it leads to.
 * @returns The next request's init (a new object when it changes).
 *
 * @example
 * ```ts
 * import { redirectedInit } from "./redirect.ts";
 * import assert from "node:assert/strict";
 *
 * const next = redirectedInit({ method: "POST", body: "x" }, 303, "http://a/", "http://a/b");
 * assert.equal(next.method, "GET");
 * assert.equal(next.body, undefined);
 * ```
 */
export function redirectedInit(
  init: RequestInit,
  status: number,
  from: string,
  to: string,
): RequestInit {
  const method = (init.method ?? "GET").toUpperCase();
  const toGet = (status === 303 && method !== "HEAD") ||
    ((status === 301 || status === 302) && method === "POST");
  const crossOrigin = new URL(from).origin !== new URL(to).origin;
  if (!toGet && !crossOrigin) return init;
  const next: RequestInit = { ...init };
  const headers = new Headers(init.headers);
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
