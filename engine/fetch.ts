/**
 * The fetch engine: Deno's built-in `fetch` behind the {@linkcode Engine}
 * interface, for HTTP/2, proxies and `--engine fetch`. Also the ports fetch
 * refuses (the Fetch standard's "bad ports"), so a run can refuse them up
 * front instead of failing every request.
 *
 * @module
 */

import { readEach } from "./_stream.ts";
import type { Engine, Reply, SendInit } from "./engine.ts";

/** The ports fetch blocks (Fetch standard, "port blocking"). */
const BAD_PORTS = new Set([
  0,
  1,
  7,
  9,
  11,
  13,
  15,
  17,
  19,
  20,
  21,
  22,
  23,
  25,
  37,
  42,
  43,
  53,
  69,
  77,
  79,
  87,
  95,
  101,
  102,
  103,
  104,
  109,
  110,
  111,
  113,
  115,
  117,
  119,
  123,
  135,
  137,
  139,
  143,
  161,
  179,
  389,
  427,
  465,
  512,
  513,
  514,
  515,
  526,
  530,
  531,
  532,
  540,
  548,
  554,
  556,
  563,
  587,
  601,
  636,
  989,
  990,
  993,
  995,
  1719,
  1720,
  1723,
  2049,
  3659,
  4045,
  4190,
  5060,
  5061,
  6000,
  6566,
  6665,
  6666,
  6667,
  6668,
  6669,
  6679,
  6697,
  10080,
]);
/** Bodies announced at most this long, not encoded, are read in one go. */
const SMALL_BODY = 64 * 1024;
const BUFFER_SIZE = 64 * 1024;
const POOL_SIZE = 256;
const buffers: ArrayBuffer[] = [];

/**
 * Whether fetch refuses a URL's port.
 *
 * @param url An absolute URL.
 * @returns The port when fetch blocks it, else `undefined`.
 *
 * @example
 * ```ts
 * import { blockedPort } from "./fetch.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(blockedPort("http://127.0.0.1:6000/"), 6000);
 * assert.equal(blockedPort("http://127.0.0.1:8080/"), undefined);
 * ```
 */
export function blockedPort(url: string): number | undefined {
  const { port } = new URL(url);
  return port !== "" && BAD_PORTS.has(Number(port)) ? Number(port) : undefined;
}

/** Options for {@linkcode FetchEngine}. */
export interface FetchEngineOptions {
  /** The client to send with; by default one is made from `clientOptions` and closed by `close`. */
  client?: Deno.HttpClient | undefined;
  /** Options of the client made when `client` is not given. */
  clientOptions?: Deno.CreateHttpClientOptions | undefined;
}

/**
 * Sends requests with `fetch`, redirects not followed.
 *
 * @example
 * ```ts
 * import { FetchEngine } from "./fetch.ts";
 * import assert from "node:assert/strict";
 *
 * await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("hello"));
 * const engine = new FetchEngine();
 * const reply = await engine.send(`http://127.0.0.1:${server.addr.port}/`, {});
 * assert.equal(await reply.response().text(), "hello");
 * engine.close();
 * ```
 */
export class FetchEngine implements Engine {
  #client: Deno.HttpClient;
  #own: boolean;

  /**
   * Creates the engine.
   *
   * @param options The {@linkcode FetchEngineOptions}.
   */
  constructor(options: FetchEngineOptions = {}) {
    this.#own = options.client === undefined;
    this.#client = options.client ?? Deno.createHttpClient(options.clientOptions ?? {});
  }

  async send(url: string, init: SendInit): Promise<Reply> {
    const request: RequestInit & { client: Deno.HttpClient } = {
      client: this.#client,
      redirect: "manual",
    };
    if (init.method !== undefined) request.method = init.method;
    if (init.headers !== undefined) request.headers = init.headers;
    if (init.body !== undefined) request.body = init.body;
    if (init.signal !== undefined) request.signal = init.signal;
    return replyOf(await fetch(url, request));
  }

  /** fetch opens connections only for requests: none are opened ahead. */
  warm(): Promise<number> {
    return Promise.resolve(0);
  }

  close(): void {
    if (this.#own) this.#client.close();
  }
}

/**
 * A web `Response` as a {@linkcode Reply}.
 *
 * @param response The response, its body not read.
 * @returns The reply.
 *
 * @example
 * ```ts
 * import { replyOf } from "./fetch.ts";
 * import assert from "node:assert/strict";
 *
 * const reply = replyOf(new Response("hello", { headers: { "x-a": "1" } }));
 * let bytes = 0;
 * await reply.read((chunk) => bytes += chunk.length);
 * assert.deepEqual([reply.status, reply.header("x-a"), bytes], [200, "1", 5]);
 * ```
 */
export function replyOf(response: Response): Reply {
  return new FetchReply(response);
}

/** A fetch `Response` as a {@linkcode Reply}. */
class FetchReply implements Reply {
  readonly status: number;
  readonly statusText: string;
  #response: Response;

  constructor(response: Response) {
    this.#response = response;
    this.status = response.status;
    this.statusText = response.statusText;
  }

  header(name: string): string | null {
    return this.#response.headers.get(name);
  }

  headers(): Headers {
    return this.#response.headers;
  }

  async read(onChunk: (chunk: Uint8Array) => unknown): Promise<void> {
    const response = this.#response;
    const length = response.headers.get("content-length");
    if (
      length !== null && Number(length) <= SMALL_BODY &&
      !response.headers.has("content-encoding")
    ) {
      await onChunk(new Uint8Array(await response.arrayBuffer()));
      return;
    }
    const stream = response.body;
    if (stream === null) return;
    let reader: ReadableStreamBYOBReader;
    try {
      reader = stream.getReader({ mode: "byob" });
    } catch {
      return await readEach(stream, onChunk);
    }
    let buffer = buffers.pop() ?? new ArrayBuffer(BUFFER_SIZE);
    try {
      while (true) {
        const { done, value } = await reader.read(new Uint8Array(buffer));
        if (value === undefined) return;
        buffer = value.buffer;
        if (done) break;
        await onChunk(value);
      }
    } catch (error) {
      await reader.cancel(error).catch(() => {});
      reader.releaseLock();
      throw error;
    }
    // A stream read to its end is left locked: releasing its reader makes an error (and its
    // stack trace) for every body.
    if (buffer.byteLength === BUFFER_SIZE && buffers.length < POOL_SIZE) buffers.push(buffer);
  }

  response(): Response {
    return this.#response;
  }

  async cancel(): Promise<void> {
    await this.#response.body?.cancel().catch(() => {});
  }
}
