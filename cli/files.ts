/**
 * The files a run reads and writes: inputs opened as streams, the NDJSON
 * output, and permissions refused rather than prompted for.
 *
 * @module
 */

import type { RequestSpec } from "../runner/types.ts";
import { requestsFromLines, type Shard } from "../sources/requests.ts";
import { requestsFromTargets } from "../sources/targets.ts";
import { UsageError } from "./args.ts";
import { digestingStream } from "../output/run_identity.ts";

/** The requests of a URL list, from a file or standard input (`-`), as a stream. */
export async function urlList(
  path: string,
  shard: Shard | undefined,
): Promise<AsyncIterable<RequestSpec>> {
  const stream = path === "-" ? Deno.stdin.readable : (await openForReading(path)).readable;
  return requestsFromLines(stream, shard);
}

/**
 * Reads a URL list file once, as a stream, so a bad line stops the run before
 * any request. A pipe or a device cannot be read twice: like standard input,
 * it is checked as it is read.
 */
export async function checkUrlList(
  path: string,
  hosts?: Set<string>,
): Promise<CheckedList | undefined> {
  return await checkList(path, requestsFromLines, hosts);
}

/** The same for a `--targets` file: a bad line stops the run before any request. */
export async function checkTargets(
  path: string,
  hosts?: Set<string>,
  method = "GET",
  engine: "h1" | "fetch" = "fetch",
): Promise<CheckedList | undefined> {
  return await checkList(
    path,
    (stream) => requestsFromTargets(stream, undefined, method, engine),
    hosts,
  );
}

/** The requests of a targets file, from a file or standard input (`-`), as a stream. */
export async function targetList(
  path: string,
  shard: Shard | undefined,
  method = "GET",
  engine: "h1" | "fetch" = "fetch",
): Promise<AsyncIterable<RequestSpec>> {
  const stream = path === "-" ? Deno.stdin.readable : (await openForReading(path)).readable;
  return requestsFromTargets(stream, shard, method, engine);
}

/** Hosts collected from a list for the permission check, at most. */
export const MAX_LISTED_HOSTS = 1000;

/** A list file read through once: its requests counted and its bytes digested. */
export interface CheckedList {
  /** The list's real path. */
  path: string;
  /** Requests in the list. */
  count: number;
  /** `sha256:HEX` of the list's bytes. */
  digest: string;
}

/** Reads a list through `parse`, counting it and collecting the hosts of its URLs into `hosts`. */
async function checkList(
  path: string,
  parse: (stream: ReadableStream<Uint8Array>) => AsyncIterable<RequestSpec>,
  hosts: Set<string> | undefined,
): Promise<CheckedList | undefined> {
  const file = await openForReading(path);
  if (!(await file.stat()).isFile) return void file.close();
  let count = 0;
  const { stream, digest } = digestingStream();
  try {
    for await (const { url } of parse(file.readable.pipeThrough(stream))) {
      count++;
      if (hosts !== undefined && hosts.size < MAX_LISTED_HOSTS) hosts.add(new URL(url).host);
    }
  } catch (error) {
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
  return { path: await Deno.realPath(path), count, digest: digest() };
}

/**
 * Refuses an output that is the same file as an input, however named (a
 * symlink, another path): device and inode are compared.
 *
 * @param output The output's path; a missing file is no input.
 * @param inputs `[flag, path]` of each file the run reads.
 */
export async function checkNotSameFile(output: string, inputs: [string, string][]): Promise<void> {
  if (inputs.length === 0) return;
  let target: Deno.FileInfo;
  try {
    target = await Deno.stat(output);
  } catch {
    return;
  }
  for (const [flag, path] of inputs) {
    const input = await Deno.stat(path).catch(() => undefined);
    if (input && input.dev === target.dev && input.ino !== null && input.ino === target.ino) {
      throw new UsageError(
        `Cannot write '${output}' as it is the same file as ${flag} '${path}': writing would destroy it`,
      );
    }
  }
}

/** The whole of a `--body-file`. */
export async function readBody(path: string): Promise<Uint8Array<ArrayBuffer>> {
  const file = await openForReading(path);
  try {
    return new Uint8Array(await new Response(file.readable).arrayBuffer());
  } catch (error) {
    throw new UsageError(`Cannot read '${path}': ${(error as Error).message}`);
  }
}

/** Opens a file to read, refusing with a usage error what cannot be read as a stream of bytes. */
export async function openForReading(path: string): Promise<Deno.FsFile> {
  requirePermission("read", path);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new UsageError(`Cannot read '${path}' as it does not exist`);
    }
    throw new UsageError(`Cannot read '${path}': ${(error as Error).message}`);
  }
  if ((await file.stat()).isDirectory) {
    file.close();
    throw new UsageError(`Cannot read '${path}' as it is a directory`);
  }
  return file;
}

/**
 * Refuses, rather than prompts, when any of the permissions a run needs is
 * missing, naming every missing flag at once: the files it reads or writes and
 * the hosts known before any file is read (a template's, a proxy's).
 *
 * @param needs `[permission, path]` of each file the run reads or writes.
 * @param hosts The hosts (with their ports) the run will connect to.
 */
export function requirePermissions(
  needs: ["read" | "write", string][],
  hosts: string[] = [],
): void {
  const missing = { read: [] as string[], write: [] as string[], net: [] as string[] };
  for (const [name, path] of needs) {
    const list = missing[name];
    if (!list.includes(path) && Deno.permissions.querySync({ name, path }).state !== "granted") {
      list.push(path);
    }
  }
  for (const host of hosts) {
    if (
      !missing.net.includes(host) &&
      Deno.permissions.querySync({ name: "net", host }).state !== "granted"
    ) {
      missing.net.push(host);
    }
  }
  const names = (["read", "write", "net"] as const).filter((name) => missing[name].length > 0);
  if (names.length === 0) return;
  const files = [...new Set([...missing.read, ...missing.write])].map((path) => `'${path}'`);
  const what = [
    ...(files.length > 0 ? [`use ${files.join(", ")}`] : []),
    ...(missing.net.length > 0
      ? [`send requests to ${missing.net.map((host) => `'${host}'`).join(", ")}`]
      : []),
  ];
  const kinds = names.map((name) => name === "net" ? "network" : name);
  const kindList = kinds.length > 1
    ? `${kinds.slice(0, -1).join(", ")} and ${kinds.at(-1)}`
    : kinds[0];
  throw new UsageError(
    `Cannot ${what.join(" or ")} as ${kindList} permission is missing: run with ` +
      names.map((name) => `--allow-${name}=${missing[name].join(",")}`).join(" ") + " or -A",
  );
}

/** Refuses, rather than prompts, when a permission is missing. */
export function requirePermission(name: "read" | "write", path: string): void {
  if (Deno.permissions.querySync({ name, path }).state !== "granted") {
    throw new UsageError(
      `Cannot ${name} '${path}' as ${name} permission is missing: run with --allow-${name}=${path} or -A`,
    );
  }
}
