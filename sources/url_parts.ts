/**
 * Parts of an absolute URL found by scanning, without parsing it into a
 * `URL`: cheap enough for every request of a run.
 *
 * @module
 */

/**
 * Where the authority of an absolute URL ends: the first `/`, `?` or `#`
 * after its `//`, or its length.
 *
 * @param url An absolute URL.
 * @returns The index just past the authority.
 *
 * @example
 * ```ts
 * import { authorityEnd } from "./url_parts.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(authorityEnd("http://a:1/b"), "http://a:1".length);
 * assert.equal(authorityEnd("http://a?q"), "http://a".length);
 * ```
 */
export function authorityEnd(url: string): number {
  let end = url.indexOf("//") + 2;
  while (end < url.length) {
    const code = url.charCodeAt(end);
    if (code === 47 || code === 63 || code === 35) break; // "/", "?", "#"
    end++;
  }
  return end;
}

/**
 * The origin of an absolute URL (scheme and authority, lower-cased).
 *
 * @param url An absolute URL.
 * @returns Its origin, such as `http://127.0.0.1:8080`.
 *
 * @example
 * ```ts
 * import { originOf } from "./url_parts.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(originOf("http://Example.com:8080/a?b"), "http://example.com:8080");
 * assert.equal(originOf("https://example.com?q"), "https://example.com");
 * ```
 */
export function originOf(url: string): string {
  return url.slice(0, authorityEnd(url)).toLowerCase();
}

/**
 * The host of an absolute URL with its port when it has one, without user info.
 *
 * @param url An absolute URL.
 * @param end Where its authority ends, when already known.
 * @returns The host, such as `127.0.0.1:8080`.
 *
 * @example
 * ```ts
 * import { hostOf } from "./url_parts.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(hostOf("http://user:pw@example.com:81/a"), "example.com:81");
 * ```
 */
export function hostOf(url: string, end: number = authorityEnd(url)): string {
  const authority = url.slice(url.indexOf("//") + 2, end);
  return authority.slice(authority.lastIndexOf("@") + 1);
}
