/**
 * Network permission checked per host before a request, so that a missing
 * permission fails the request rather than prompting on a terminal.
 *
 * @module
 */

/**
 * A check of network permission per host, or `undefined` when all hosts are
 * allowed. Without permission fetch would prompt on a terminal, or fail every
 * request alike: the check lets the caller fail them as `permission` instead.
 * Each host is queried once.
 *
 * @returns Whether a URL's host is denied, or `undefined` when every host is allowed.
 *
 * @example
 * ```ts
 * import { netPermissionCheck } from "./net_permission.ts";
 * import assert from "node:assert/strict";
 *
 * const denied = netPermissionCheck();
 * assert.equal(denied?.("http://127.0.0.1/") ?? false, false); // the tests run with -A
 * ```
 */
export function netPermissionCheck(): ((url: string) => boolean) | undefined {
  if (Deno.permissions.querySync({ name: "net" }).state === "granted") return undefined;
  const allowed = new Map<string, boolean>();
  return (url) => {
    let host: string;
    try {
      host = new URL(url).host;
    } catch {
      return false; // fetch names it invalid_url
    }
    let granted = allowed.get(host);
    if (granted === undefined) {
      granted = Deno.permissions.querySync({ name: "net", host }).state === "granted";
      allowed.set(host, granted);
    }
    return !granted;
  };
}

/**
 * The one line that says a URL's host lacks network permission.
 *
 * @param url The URL.
 * @returns The line, naming the `--allow-net` to add.
 *
 * @example
 * ```ts
 * import { permissionDetail } from "./net_permission.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(permissionDetail("http://a.test:81/"), /--allow-net=a\.test:81$/);
 * ```
 */
export function permissionDetail(url: string): string {
  const host = new URL(url).host;
  return `no network permission for ${host}: run Deno with --allow-net=${host}`;
}
