/**
 * Response bodies saved to files, streamed: one file per request, named by
 * its index, so names are stable across runs, never collide (shards of one
 * run included) and take nothing from the URL.
 *
 * The scheme: request `i`'s body goes to `DIR/⌊i / 1000⌋/i`, and with
 * `failed` a failed response's body to `DIR/⌊i / 1000⌋/i.failed`. A body is
 * written to `NAME.part` first and renamed when it arrived whole, so a file
 * under its final name is always complete.
 *
 * @module
 */

import type { BodySink, RequestSpec } from "./types.ts";

/** Options for {@linkcode bodySaver}. */
export interface SaveOptions {
  /** The directory, as the caller names it: records' `file` paths start with it. */
  dir: string;
  /**
   * Whether to keep the bodies of failed responses (statuses outside 2xx) too.
   *
   * @default {false}
   */
  failed?: boolean;
  /**
   * Called when a body cannot be written (a full disk, an I/O error), with
   * an error that names the file; the request then fails as well.
   */
  onError?: (error: Error) => void;
}

/**
 * The path request `index`'s body is saved to.
 *
 * @param dir The directory.
 * @param index The request's index.
 * @param failed Whether the response failed.
 * @returns The path.
 *
 * @example
 * ```ts
 * import { savedPath } from "./save.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(savedPath("out", 1234567), "out/1234/1234567");
 * assert.equal(savedPath("out/", 7, true), "out/0/7.failed");
 * ```
 */
export function savedPath(dir: string, index: number, failed = false): string {
  const base = dir.endsWith("/") ? dir.slice(0, -1) : dir;
  return `${base}/${Math.floor(index / 1000)}/${index}${failed ? ".failed" : ""}`;
}

/**
 * Makes the `sink` option of `runRequests` that saves bodies under `dir`.
 *
 * @param options The {@linkcode SaveOptions}.
 * @returns For each response, a sink to its file, or `undefined` for a failed
 * response whose body is not kept.
 *
 * @example
 * ```ts
 * import { bodySaver } from "./save.ts";
 * import { runRequests } from "./run.ts";
 * import assert from "node:assert/strict";
 *
 * await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
 *   return new Response("saved");
 * });
 * const dir = await Deno.makeTempDir();
 * const url = `http://127.0.0.1:${server.addr.port}/`;
 * for await (const record of runRequests([url], { sink: bodySaver({ dir }) })) {
 *   assert.equal(await Deno.readTextFile(record.file!), "saved");
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function bodySaver(
  options: SaveOptions,
): (response: Response, request: RequestSpec) => Promise<BodySink> | undefined {
  const { dir, failed = false, onError } = options;
  const made = new Set<number>();
  return (response, request) => {
    if (!response.ok && !failed) return undefined;
    return open(savedPath(dir, request.index, !response.ok), request.index)
      .catch((error) => saveFailed(error, `${savedPath(dir, request.index, !response.ok)}.part`));
  };

  /** Names the file in the error, tells `onError`, and fails the request with it. */
  function saveFailed(error: Error, path: string): never {
    const failure = new Error(`Cannot save a body to '${path}': ${error.message}`);
    onError?.(failure);
    throw failure;
  }

  async function open(path: string, index: number): Promise<BodySink> {
    const group = Math.floor(index / 1000);
    if (!made.has(group)) {
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      made.add(group);
    }
    const part = `${path}.part`;
    const file = await Deno.open(part, { write: true, create: true, truncate: true });
    let open = true;
    function close(): void {
      if (open) file.close();
      open = false;
    }
    return {
      // Writes to a local file take microseconds: a synchronous write spares a thread per file.
      write(chunk) {
        try {
          for (let written = 0; written < chunk.byteLength;) {
            written += file.writeSync(chunk.subarray(written));
          }
        } catch (error) {
          saveFailed(error as Error, part);
        }
        return Promise.resolve();
      },
      async close() {
        close();
        await Deno.rename(part, path).catch((error) => saveFailed(error, path));
        return path;
      },
      async abort() {
        close();
        await Deno.remove(part).catch(() => {});
      },
    };
  }
}
