/**
 * Response bodies saved to files, streamed: one file per request, named by
 * its index, so names are stable across runs, never collide (shards of one
 * run included) and take nothing from the URL.
 *
 * The scheme: request `i`'s body goes to `DIR/⌊i / 1000⌋/i`, and with
 * `failed` a failed response's body to `DIR/⌊i / 1000⌋/i.failed`. A body is
 * written to `NAME.part` first and renamed when it arrived whole, so a file
 * under its final name is always complete. With `keepPart`, the rename waits
 * for the caller ({@linkcode finishSaved}), who makes it once the request's
 * record is safe: then a file under its final name also always has a record.
 *
 * @module
 */

import { WriteError } from "./errors.ts";
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
   * Leave a whole body at `NAME.part` when its sink closes (which returns
   * `NAME`): the caller renames it with {@linkcode finishSaved}.
   *
   * @default {false}
   */
  keepPart?: boolean;
  /**
   * Called when a body cannot be written (a full disk, an I/O error), with
   * a `WriteError` that names the file; the request then fails as well, of
   * kind `write`.
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
  const { dir, failed = false, keepPart = false, onError } = options;
  const made = new Set<number>();
  return (response, request) => {
    if (!response.ok && !failed) return undefined;
    return open(savedPath(dir, request.index, !response.ok), request.index)
      .catch((error) => saveFailed(error, `${savedPath(dir, request.index, !response.ok)}.part`));
  };

  /** Names the file in the error, tells `onError`, and fails the request with it. */
  function saveFailed(error: Error, path: string): never {
    const failure = new WriteError(`Cannot save a body to '${path}': ${error.message}`, {
      cause: error,
    });
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
        if (!keepPart) await Deno.rename(part, path).catch((error) => saveFailed(error, path));
        return path;
      },
      async abort() {
        close();
        await Deno.remove(part).catch(() => {});
      },
    };
  }
}

/**
 * Gives a whole body left at `NAME.part` (by a saver with `keepPart`) its
 * final name.
 *
 * @param path The final name, as the record's `file` says it.
 * @returns When it is renamed.
 * @throws {Error} When it cannot be, naming the file.
 *
 * @example
 * ```ts
 * import { finishSaved } from "./save.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/7.part`, "whole");
 * await finishSaved(`${dir}/7`);
 * assert.equal(await Deno.readTextFile(`${dir}/7`), "whole");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function finishSaved(path: string): Promise<void> {
  try {
    await Deno.rename(`${path}.part`, path);
  } catch (error) {
    throw new WriteError(`Cannot save a body to '${path}': ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** What a resumed run knows of an index, for {@linkcode tidySaved}. */
export type SavedState =
  /** Finished ok: its record names `file` (or no file). */
  | { ok: true; file: string | undefined }
  /** To be made again by this run. */
  | { ok: false }
  /** Not this run's (another shard's): left alone. */
  | undefined;

/** What {@linkcode tidySaved} did. */
export interface Tidied {
  /** Whole bodies of finished requests given their final names (their rename was cut short). */
  finished: number;
  /** Files removed: `.part` files, bodies of requests to be made again, stale `.failed` files. */
  removed: number;
}

/**
 * Brings the files under `dir` in line with the records of a run about to be
 * resumed: a body whose record finished ok keeps (or gets) its final name and
 * loses any `.failed` file; every file of a request to be made again is
 * removed, so no body is left under a name its next record does not give.
 *
 * @param dir The directory bodies are saved under.
 * @param state What the run knows of each index.
 * @returns How many files were renamed and removed.
 *
 * @example
 * ```ts
 * import { tidySaved } from "./save.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/0`);
 * for (const name of ["1.part", "2.part", "3", "3.failed"]) await Deno.writeTextFile(`${dir}/0/${name}`, "x");
 * const tidied = await tidySaved(dir, (index) =>
 *   index === 2 ? { ok: false } : { ok: true, file: `${dir}/0/${index}` });
 * assert.deepEqual(tidied, { finished: 1, removed: 2 });
 * assert.deepEqual([...Deno.readDirSync(`${dir}/0`)].map((e) => e.name).sort(), ["1", "3"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function tidySaved(
  dir: string,
  state: (index: number) => SavedState,
): Promise<Tidied> {
  const tidied: Tidied = { finished: 0, removed: 0 };
  const base = dir.endsWith("/") ? dir.slice(0, -1) : dir;
  for await (const group of readDirIfAny(base)) {
    if (!group.isDirectory || !/^\d+$/.test(group.name)) continue;
    const names = new Set<string>();
    for await (const entry of readDirIfAny(`${base}/${group.name}`)) names.add(entry.name);
    for (const name of names) {
      const match = /^(\d+)(\.failed)?(\.part)?$/.exec(name);
      if (!match) continue;
      const index = Number(match[1]);
      const known = state(index);
      if (known === undefined) continue;
      const path = `${base}/${group.name}/${name}`;
      const final = path.replace(/\.part$/, "");
      const finishes = known.ok && match[3] !== undefined &&
        !names.has(match[1]! + (match[2] ?? "")) &&
        known.file !== undefined &&
        known.file.endsWith(`/${group.name}/${final.split("/").at(-1)}`);
      if (finishes) {
        await Deno.rename(path, final);
        tidied.finished++;
      } else if (!known.ok || match[2] !== undefined || match[3] !== undefined) {
        await Deno.remove(path);
        tidied.removed++;
      }
    }
  }
  return tidied;
}

async function* readDirIfAny(path: string): AsyncGenerator<Deno.DirEntry> {
  try {
    yield* Deno.readDir(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
