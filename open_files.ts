/**
 * The open-file limit: read it, and fit the concurrency under it so a run
 * never meets "Too many open files".
 *
 * @module
 */

/**
 * Descriptors a run needs besides its sockets: standard streams, the
 * runtime's event loop and threads, a worker, an output file.
 *
 * @example
 * ```ts
 * import { fitConcurrency, RESERVED_DESCRIPTORS } from "./open_files.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(fitConcurrency(1000, RESERVED_DESCRIPTORS + 10, 1), 10);
 * ```
 */
export const RESERVED_DESCRIPTORS = 64;

/**
 * Reads the soft limit on open files of this process.
 *
 * @returns The limit, or `undefined` where it cannot be read (not Linux, no
 * read permission for `/proc/self/limits`, or no limit).
 *
 * @example
 * ```ts
 * import { readOpenFileLimit } from "./open_files.ts";
 * import assert from "node:assert/strict";
 *
 * const limit = readOpenFileLimit();
 * assert.ok(limit === undefined || limit > 0);
 * ```
 */
export function readOpenFileLimit(): number | undefined {
  const path = "/proc/self/limits";
  if (Deno.build.os !== "linux") return undefined;
  if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return undefined;
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
  const soft = /^Max open files\s+(\d+)/m.exec(text)?.[1];
  return soft === undefined ? undefined : Number(soft);
}

/**
 * The largest concurrency, up to `requested`, whose sockets fit under
 * `limit` with {@linkcode RESERVED_DESCRIPTORS} to spare.
 *
 * @param requested The concurrency asked for.
 * @param limit The open-file limit, or `undefined` when unknown (then `requested` is returned).
 * @param descriptorsPerRequest Descriptors to budget per request in flight: its sockets, those the connection pool may keep besides, and the server's ends when the server shares the process.
 * @returns The concurrency to use, at least 1.
 *
 * @example
 * ```ts
 * import { fitConcurrency } from "./open_files.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(fitConcurrency(1000, 1024, 2), 480);
 * assert.equal(fitConcurrency(100, 1024, 2), 100);
 * ```
 */
export function fitConcurrency(
  requested: number,
  limit: number | undefined,
  descriptorsPerRequest: number,
): number {
  if (limit === undefined) return requested;
  const fitting = Math.floor((limit - RESERVED_DESCRIPTORS) / descriptorsPerRequest);
  return Math.max(1, Math.min(requested, fitting));
}
