/**
 * A run identified by its content: what it requests (the list's or targets'
 * bytes, or the template; the count; the method, headers and body), not the
 * names of its files. Every record of a run's output carries the run's id,
 * `DIGEST/COUNT`, so the identity stays with the records however they are
 * copied or concatenated; the shard, which tells the files of one run apart,
 * is kept in the description beside the output (`FILE.run.json`).
 *
 * @module
 */

import { createHash } from "node:crypto";

/** What a run requests, each part as it can be compared. */
export interface RunIdentity {
  /**
   * Where the URLs come from: `--url TEMPLATE`, `--urls sha256:HEX` (the
   * list's bytes), `--targets sha256:HEX`, or the bundled server's settings.
   */
  requests: string;
  /** Requests in the whole run (every shard), or `null` when not known up front. */
  count: number | null;
  /** The run's method. */
  method: string;
  /** `sha256:HEX` of the run's headers (names and values, in order), or `null` for none. */
  headers: string | null;
  /** `sha256:HEX` of the run's body, or `null` for none. */
  body: string | null;
  /** `I/N` when the run is cut into shards: the files of one run differ only in this. */
  shard: string | null;
}

/** Hex digits of the digest kept in a run's id: 64 bits. */
const ID_DIGITS = 16;

/**
 * `sha256:HEX` of some bytes or text.
 *
 * @param data The bytes or text (UTF-8).
 * @returns The digest, tagged.
 *
 * @example
 * ```ts
 * import { sha256 } from "./run_identity.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(sha256("").slice(0, 15), "sha256:e3b0c442");
 * ```
 */
export function sha256(data: string | Uint8Array): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/**
 * A transform that passes bytes through unchanged and digests them, for a
 * list read once to check it and to identify the run by its bytes.
 *
 * @returns The transform, and `digest()` for `sha256:HEX` once the stream has ended.
 *
 * @example
 * ```ts
 * import { digestingStream, sha256 } from "./run_identity.ts";
 * import assert from "node:assert/strict";
 *
 * const { stream, digest } = digestingStream();
 * await new Blob(["a\nb\n"]).stream().pipeThrough(stream).pipeTo(new WritableStream());
 * assert.equal(digest(), sha256("a\nb\n"));
 * ```
 */
export function digestingStream(): {
  stream: TransformStream<Uint8Array, Uint8Array>;
  digest: () => string;
} {
  const hash = createHash("sha256");
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      hash.update(chunk);
      controller.enqueue(chunk);
    },
  });
  return { stream, digest: () => `sha256:${hash.digest("hex")}` };
}

/**
 * The run's id, as every record of its output carries it: 16 hex digits of
 * SHA-256 over what the run requests (all but the shard), then `/COUNT` when
 * the run's count is known.
 *
 * @param identity The run's identity.
 * @returns The id, such as `"9f2c41d07ab3e655/300"`.
 *
 * @example
 * ```ts
 * import { runId } from "./run_identity.ts";
 * import assert from "node:assert/strict";
 *
 * const run = { requests: "--url http://a/{}", count: 3, method: "GET", headers: null, body: null };
 * assert.match(runId({ ...run, shard: "0/2" }), /^[0-9a-f]{16}\/3$/);
 * assert.equal(runId({ ...run, shard: "0/2" }), runId({ ...run, shard: "1/2" }));
 * assert.notEqual(runId({ ...run, shard: null }), runId({ ...run, method: "POST", shard: null }));
 * ```
 */
export function runId(identity: RunIdentity): string {
  const { requests, count, method, headers, body } = identity;
  const digest = sha256(JSON.stringify([requests, count, method, headers, body]))
    .slice("sha256:".length, "sha256:".length + ID_DIGITS);
  return count === null ? digest : `${digest}/${count}`;
}

/**
 * The count a run's id names.
 *
 * @param id A run's id.
 * @returns The requests in the whole run, or `undefined` when the id names none.
 *
 * @example
 * ```ts
 * import { countOfRun } from "./run_identity.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(countOfRun("9f2c41d07ab3e655/300"), 300);
 * assert.equal(countOfRun("9f2c41d07ab3e655"), undefined);
 * ```
 */
export function countOfRun(id: string): number | undefined {
  const match = /^[0-9a-f]+\/(\d+)$/.exec(id);
  return match ? Number(match[1]) : undefined;
}

/**
 * What differs between the run that wrote an output and this one, as the
 * flags that make each part.
 *
 * @param then The identity that wrote the output.
 * @param now This run's identity.
 * @returns One phrase per part that differs; empty when the runs are the same.
 *
 * @example
 * ```ts
 * import { differences } from "./run_identity.ts";
 * import assert from "node:assert/strict";
 *
 * const run = {
 *   requests: "--url http://a/{}",
 *   count: 3,
 *   method: "GET",
 *   headers: null,
 *   body: null,
 *   shard: null,
 * };
 * assert.deepEqual(differences(run, { ...run, count: 4 }), ["--count 3 then, 4 now"]);
 * assert.deepEqual(differences(run, run), []);
 * ```
 */
export function differences(then: RunIdentity, now: RunIdentity): string[] {
  const found: string[] = [];
  if (then.requests !== now.requests) found.push(describeRequests(then.requests, now.requests));
  if (then.count !== now.count) {
    found.push(`--count ${then.count ?? "unset"} then, ${now.count ?? "unset"} now`);
  }
  if (then.method !== now.method) found.push(`--method ${then.method} then, ${now.method} now`);
  if (then.headers !== now.headers) found.push("the --header values differ");
  if (then.body !== now.body) found.push("the body differs");
  if (then.shard !== now.shard) {
    found.push(`--shard ${then.shard ?? "unset"} then, ${now.shard ?? "unset"} now`);
  }
  return found;
}

/** How the sources of two runs differ, in words. */
function describeRequests(then: string, now: string): string {
  const flag = (requests: string) => requests.split(" ")[0];
  if (flag(then) === flag(now) && then.includes("sha256:")) {
    return `the ${flag(now)} content differs (${short(then)} then, ${short(now)} now)`;
  }
  return `the requests differ (${short(then)} then, ${short(now)} now)`;
}

/** A source with its digest cut to 12 hex digits. */
function short(requests: string): string {
  return requests.replace(/sha256:([0-9a-f]{12})[0-9a-f]*/, "sha256:$1");
}

/**
 * Parses an identity read back from a run's description file.
 *
 * @param value What the file held, parsed.
 * @returns The identity, or `undefined` when `value` is not one.
 *
 * @example
 * ```ts
 * import { parseIdentity } from "./run_identity.ts";
 * import assert from "node:assert/strict";
 *
 * const run = { requests: "--url x", count: null, method: "GET", headers: null, body: null, shard: null };
 * assert.deepEqual(parseIdentity(JSON.parse(JSON.stringify(run))), run);
 * assert.equal(parseIdentity({ requests: 1 }), undefined);
 * ```
 */
export function parseIdentity(value: unknown): RunIdentity | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { requests, count, method, headers, body, shard } = value as Record<string, unknown>;
  const text = (v: unknown) => typeof v === "string";
  const textOrNull = (v: unknown) => v === null || text(v);
  const valid = text(requests) && (count === null || Number.isSafeInteger(count)) &&
    text(method) && textOrNull(headers) && textOrNull(body) && textOrNull(shard);
  return valid ? { requests, count, method, headers, body, shard } as RunIdentity : undefined;
}
