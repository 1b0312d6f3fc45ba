/**
 * Lazy request sources: a URL template with a count, or a list of URLs read
 * as a stream; both can be cut into shards.
 *
 * @module
 */

import type { Bitset } from "../output/bitset.ts";
import { readLines } from "../output/ndjson.ts";
import type { RequestSpec } from "../runner/types.ts";

/**
 * One shard of a run: shard `index` of `total` takes every request whose
 * index `i` has `i % total === index`, so shards stay balanced even when a
 * URL list's length is unknown up front. Counted from 0, as Kubernetes'
 * `JOB_COMPLETION_INDEX` is.
 */
export interface Shard {
  /** This shard's number, from 0 to `total - 1`. */
  index: number;
  /** How many shards the run is cut into. */
  total: number;
}

/**
 * Parses a shard in the form `I/N`.
 *
 * @param text The shard, such as `"2/8"`.
 * @returns The {@linkcode Shard}.
 * @throws {RangeError} When `text` is not `I/N` with integers `0 <= I < N`.
 *
 * @example
 * ```ts
 * import { parseShard } from "./requests.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseShard("2/8"), { index: 2, total: 8 });
 * assert.throws(() => parseShard("8/8"), RangeError);
 * ```
 */
export function parseShard(text: string): Shard {
  const match = /^(\d{1,9})\/(\d{1,9})$/.exec(text);
  const index = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (!match || total < 1 || index >= total) {
    throw new RangeError(
      `Cannot use shard '${text}' as it must be I/N with 0 <= I < N, such as 0/4`,
    );
  }
  return { index, total };
}

/**
 * Checks that `url` is an absolute http or https URL.
 *
 * @param url The URL to check.
 * @returns The URL, unchanged.
 * @throws {TypeError} When it is not.
 *
 * @example
 * ```ts
 * import { checkHttpUrl } from "./requests.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(checkHttpUrl("http://127.0.0.1/"), "http://127.0.0.1/");
 * assert.throws(() => checkHttpUrl("ftp://127.0.0.1/"), TypeError);
 * ```
 */
export function checkHttpUrl(url: string): string {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new TypeError(`Cannot request '${url}' as it is not an absolute URL`);
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw new TypeError(`Cannot request '${url}' as its scheme is not http or https`);
  }
  return url;
}

/**
 * Makes `count` requests from a URL template, replacing every `{}` with the
 * request's index, lazily.
 *
 * @param template An http or https URL; `{}` marks where the index goes.
 * @param count How many requests, a non-negative integer.
 * @param shard Take only this shard's requests.
 * @returns The requests, in index order.
 * @throws {TypeError} When the template does not make an http or https URL.
 * @throws {RangeError} When `count` is not a non-negative integer.
 *
 * @example
 * ```ts
 * import { requestsFromTemplate } from "./requests.ts";
 * import assert from "node:assert/strict";
 *
 * const requests = [...requestsFromTemplate("http://127.0.0.1:8080/{}", 4, { index: 1, total: 2 })];
 * assert.deepEqual(requests.map((request) => request.url), [
 *   "http://127.0.0.1:8080/1",
 *   "http://127.0.0.1:8080/3",
 * ]);
 * ```
 */
export function requestsFromTemplate(
  template: string,
  count: number,
  shard: Shard = { index: 0, total: 1 },
): Iterable<RequestSpec> {
  return templateSource(template, count, { shard });
}

/** Options for {@linkcode templateSource}. */
export interface TemplateSourceOptions {
  /**
   * Take only this shard's requests.
   *
   * @default {{ index: 0, total: 1 }}
   */
  shard?: Shard | undefined;
  /** Leave out these indices (what an earlier run finished). */
  skip?: Bitset | undefined;
  /**
   * Hands out the next position `k` in the shard (index `shard.index + k *
   * shard.total`), so threads can share one source; a position past the
   * shard's end ends the source. By default positions count up from 0.
   */
  next?: (() => number) | undefined;
}

/**
 * The one source of a template's requests, on the main thread and in the
 * runner's workers: a shard of the indices below `count`, less those to
 * skip, taken in the order `next` hands them out.
 *
 * @param template An http or https URL; `{}` marks where the index goes.
 * @param count How many requests in all shards, a non-negative integer.
 * @param options The {@linkcode TemplateSourceOptions}.
 * @returns The requests, pulled lazily.
 * @throws {TypeError} When the template does not make an http or https URL.
 * @throws {RangeError} When `count` is not a non-negative integer.
 *
 * @example
 * ```ts
 * import { Bitset } from "../output/bitset.ts";
 * import { templateSource } from "./requests.ts";
 * import assert from "node:assert/strict";
 *
 * const skip = new Bitset();
 * skip.add(2);
 * const requests = [...templateSource("http://127.0.0.1/{}", 4, { skip })];
 * assert.deepEqual(requests.map((request) => request.index), [0, 1, 3]);
 * ```
 */
export function templateSource(
  template: string,
  count: number,
  options: TemplateSourceOptions = {},
): Iterable<RequestSpec> {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(
      `Cannot make requests as 'count' must be a non-negative integer: current value is ${count}`,
    );
  }
  const { shard = { index: 0, total: 1 }, skip, next } = options;
  const urlOf = expandTemplate(template);
  return {
    *[Symbol.iterator]() {
      let position = 0;
      while (true) {
        const index = shard.index + (next ? next() : position++) * shard.total;
        if (!(index < count)) return;
        if (!skip?.has(index)) yield { index, url: urlOf(index) };
      }
    },
  };
}

/**
 * Checks a URL template and returns the function that makes request `index`'s
 * URL from it, every `{}` replaced by the index.
 *
 * @param template An http or https URL; `{}` marks where the index goes.
 * @returns The URL maker.
 * @throws {TypeError} When the template does not make an http or https URL.
 *
 * @example
 * ```ts
 * import { expandTemplate } from "./requests.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(expandTemplate("http://127.0.0.1/{}?n={}")(7), "http://127.0.0.1/7?n=7");
 * ```
 */
export function expandTemplate(template: string): (index: number) => string {
  const parts = template.split("{}");
  checkHttpUrl(parts.join("0"));
  return parts.length === 1 ? () => template : (index) => parts.join(String(index));
}

/**
 * Reads URLs from a stream, one per line, without holding more than one
 * chunk in memory. Blank lines and lines starting with `#` are skipped;
 * indices count the URL lines only.
 *
 * @param stream The text, as bytes.
 * @param shard Take only this shard's requests.
 * @returns The requests, in file order.
 * @throws {TypeError} On the first line that is not an http or https URL, naming its line number.
 *
 * @example
 * ```ts
 * import { requestsFromLines } from "./requests.ts";
 * import assert from "node:assert/strict";
 *
 * const text = "# targets\nhttp://127.0.0.1/a\n\nhttp://127.0.0.1/b\n";
 * const requests = await Array.fromAsync(requestsFromLines(new Blob([text]).stream()));
 * assert.deepEqual(requests, [
 *   { index: 0, url: "http://127.0.0.1/a" },
 *   { index: 1, url: "http://127.0.0.1/b" },
 * ]);
 * ```
 */
export async function* requestsFromLines(
  stream: ReadableStream<Uint8Array>,
  shard: Shard = { index: 0, total: 1 },
): AsyncGenerator<RequestSpec, void, undefined> {
  let lineNumber = 0;
  let index = 0;
  for await (const { text: rawLine } of readLines(stream)) {
    lineNumber++;
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    try {
      checkHttpUrl(line);
    } catch (error) {
      throw new TypeError(`Line ${lineNumber}: ${(error as Error).message}`);
    }
    if (index % shard.total === shard.index) yield { index, url: line };
    index++;
  }
}

/**
 * The requests whose index is not in `skip`: the resume filter, dropping
 * what an earlier run already finished.
 *
 * @param requests The requests, sync or async.
 * @param skip The indices to leave out.
 * @returns The other requests, sync when `requests` is.
 *
 * @example
 * ```ts
 * import { Bitset } from "../output/bitset.ts";
 * import { requestsFromTemplate, withoutIndices } from "./requests.ts";
 * import assert from "node:assert/strict";
 *
 * const done = new Bitset();
 * done.add(1);
 * const left = [...withoutIndices(requestsFromTemplate("http://127.0.0.1/{}", 3), done)];
 * assert.deepEqual(left.map((request) => request.index), [0, 2]);
 * ```
 */
export function withoutIndices(
  requests: Iterable<RequestSpec>,
  skip: Bitset,
): Iterable<RequestSpec>;
export function withoutIndices(
  requests: AsyncIterable<RequestSpec>,
  skip: Bitset,
): AsyncIterable<RequestSpec>;
export function withoutIndices(
  requests: Iterable<RequestSpec> | AsyncIterable<RequestSpec>,
  skip: Bitset,
): Iterable<RequestSpec> | AsyncIterable<RequestSpec> {
  if (Symbol.asyncIterator in requests) {
    return (async function* () {
      for await (const request of requests) if (!skip.has(request.index)) yield request;
    })();
  }
  return (function* () {
    for (const request of requests) if (!skip.has(request.index)) yield request;
  })();
}
