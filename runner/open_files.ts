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

/**
 * The most idle connections to keep per origin, so that the pools of many
 * origins fit under `limit` beside the requests in flight. A connection
 * pool keeps idle connections for every origin it has talked to: a URL list
 * sorted by host would otherwise leave `concurrency` idle sockets behind at
 * each host it has finished with.
 *
 * @param concurrency The concurrency, already fitted with {@linkcode fitConcurrency}.
 * @param limit The open-file limit, or `undefined` when unknown (then `concurrency` is returned).
 * @param descriptorsPerRequest Descriptors budgeted per request in flight.
 * @param origins How many origins the run talks to.
 * @returns The idle connections to keep per origin, from 0 (none kept) to `concurrency`.
 *
 * @example
 * ```ts
 * import { fitIdlePerOrigin } from "./open_files.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(fitIdlePerOrigin(300, 1024, 2, 1), 300);
 * assert.equal(fitIdlePerOrigin(300, 1024, 2, 10), 40);
 * assert.equal(fitIdlePerOrigin(480, 1024, 2, 10), 0);
 * ```
 */
export function fitIdlePerOrigin(
  concurrency: number,
  limit: number | undefined,
  descriptorsPerRequest: number,
  origins: number,
): number {
  if (limit === undefined || origins <= 1) return concurrency;
  const spare = limit - RESERVED_DESCRIPTORS - concurrency * descriptorsPerRequest;
  return Math.max(0, Math.min(concurrency, Math.floor(spare / (origins - 1))));
}
