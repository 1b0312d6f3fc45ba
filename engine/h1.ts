/**
 * The h1 engine: HTTP/1.1 over `Deno.connect` / `Deno.connectTls`, written
 * for this job as undici was for Node. Strict parsing (RFC 9112), one
 * exchange at a time per connection, a connection reused only after its body
 * was read whole, an idempotent request sent once more when a reused
 * connection turns out closed, bodies counted off the socket buffer with no
 * `Response` or `Headers` made unless asked for.
 *
 * @module
 */

import { readEach } from "./_stream.ts";
import { ClosedError, type Connection } from "./_connection.ts";
import type { Engine, Reply, SendInit } from "./engine.ts";
import type { Head } from "./_head.ts";
import { outgoing, writeChunked } from "./_request.ts";
import { reasonPhrase } from "./_reasons.ts";
import { Pool, type PoolOptions } from "./pool.ts";

/**
 * Content codings decoded as fetch decodes them (those it asks for: not `deflate`, not
 * `x-gzip`), and their `DecompressionStream` formats.
 */
const DECODERS: Record<string, CompressionFormat> = {
  gzip: "gzip",
  br: "brotli" as CompressionFormat,
};

/** Options for {@linkcode H1Engine}: those of its {@linkcode Pool}. */
export type H1Options = PoolOptions;

/**
 * Sends requests over pooled HTTP/1.1 connections.
 *
 * @example
 * ```ts
 * import { H1Engine } from "./h1.ts";
 * import assert from "node:assert/strict";
 *
 * await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("hello"));
 * const engine = new H1Engine();
 * const reply = await engine.send(`http://127.0.0.1:${server.addr.port}/`, {});
 * let bytes = 0;
 * await reply.read((chunk) => bytes += chunk.length);
 * assert.deepEqual([reply.status, bytes], [200, 5]);
 * engine.close();
 * ```
 */
export class H1Engine implements Engine {
  #pool: Pool;
  #watch = new AbortWatch();

  /**
   * Creates the engine.
   *
   * @param options The {@linkcode H1Options}.
   */
  constructor(options: H1Options = {}) {
    this.#pool = new Pool(options);
  }

  /** Connections open now, idle or busy. */
  get connections(): number {
    return this.#pool.size;
  }

  /**
   * Sends one request and reads its response's head.
   *
   * @param url The absolute http or https URL.
   * @param init The method, headers, body and signal.
   * @returns The reply, its body not read yet.
   * @throws {TypeError} On an invalid URL or a request fetch would refuse.
   * @throws {ProtocolError} When the response is malformed.
   */
  async send(url: string, init: SendInit): Promise<Reply> {
    const target = new URL(url);
    if (target.protocol !== "http:" && target.protocol !== "https:") {
      throw new TypeError(`Invalid URL: the scheme '${target.protocol}' is not http or https`);
    }
    const request = outgoing(target, init);
    const { signal } = init;
    for (let attempt = 0;; attempt++) {
      const connection = await this.#pool.acquire(target, signal);
      const reused = connection.wasIdle;
      if (signal) this.#watch.add(signal, connection);
      try {
        signal?.throwIfAborted();
        connection.begin();
        await connection.write(request.head);
        if (request.stream !== undefined) {
          await writeChunked(request.stream, (bytes) => connection.write(bytes));
        }
        const head = await connection.readHead(request.headRequest);
        const reusable = head.reusable && !request.close;
        return new H1Reply(head, connection, this.#pool, reusable, url, signal, this.#watch);
      } catch (error) {
        if (signal) this.#watch.delete(signal, connection);
        connection.close();
        if (signal?.aborted) throw signal.reason;
        if (
          reused && attempt === 0 && request.replayable && connection.received === 0 &&
          isClosed(error)
        ) continue;
        throw error;
      }
    }
  }

  /**
   * Opens connections to the URL's origin until `count` are idle there.
   *
   * @param url The absolute http or https URL.
   * @param count How many idle connections its origin should have.
   * @param signal Aborts the connects.
   * @returns How many connections were opened.
   */
  warm(url: string, count: number, signal?: AbortSignal): Promise<number> {
    return this.#pool.warm(new URL(url), count, signal);
  }

  /** Closes every connection, idle or busy. */
  close(): void {
    this.#pool.close();
  }
}

/**
 * Closes the connections of the exchanges a signal covers when it aborts:
 * one listener per signal, however many exchanges share it (the runner's
 * deadlines are shared by the requests that start in the same window), so
 * adding and removing an exchange costs O(1).
 */
class AbortWatch {
  #watched = new WeakMap<AbortSignal, Set<Connection>>();

  add(signal: AbortSignal, connection: Connection): void {
    let connections = this.#watched.get(signal);
    if (connections === undefined) {
      const watched = connections = new Set();
      this.#watched.set(signal, watched);
      signal.addEventListener("abort", () => {
        for (const each of watched) each.close();
        watched.clear();
      }, { once: true });
    }
    connections.add(connection);
  }

  delete(signal: AbortSignal, connection: Connection): void {
    this.#watched.get(signal)?.delete(connection);
  }
}

/** Whether an error says the connection was closed under the request (the keep-alive race). */
function isClosed(error: unknown): boolean {
  return error instanceof ClosedError || error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.BrokenPipe || error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.UnexpectedEof;
}

/** A response head on its connection; the body is read from the connection's buffer. */
class H1Reply implements Reply {
  readonly status: number;
  readonly statusText: string;
  #head: Head;
  #connection: Connection;
  #pool: Pool;
  #reusable: boolean;
  #url: string;
  #signal: AbortSignal | undefined;
  #watch: AbortWatch;
  #taken = false;
  #done = false;

  constructor(
    head: Head,
    connection: Connection,
    pool: Pool,
    reusable: boolean,
    url: string,
    signal: AbortSignal | undefined,
    watch: AbortWatch,
  ) {
    this.status = head.status;
    this.statusText = reasonPhrase(head.status);
    this.#head = head;
    this.#connection = connection;
    this.#pool = pool;
    this.#reusable = reusable;
    this.#url = url;
    this.#signal = signal;
    this.#watch = watch;
    if (head.framing === "none") this.#finish(true);
  }

  header(name: string): string | null {
    const { names, values } = this.#head;
    let value: string | null = null;
    for (let i = 0; i < names.length; i++) {
      if (names[i] === name) value = value === null ? values[i]! : `${value}, ${values[i]}`;
    }
    return value;
  }

  async read(onChunk: (chunk: Uint8Array) => unknown): Promise<void> {
    this.#take();
    if (this.#decoder() !== undefined) return await this.#readDecoded(onChunk);
    try {
      for (let chunk; (chunk = await this.#connection.nextBody()) !== null;) await onChunk(chunk);
    } catch (error) {
      this.#finish(false);
      throw this.#cause(error);
    }
    this.#finish(true);
  }

  headers(): Headers {
    const { names, values } = this.#head;
    const headers = new Headers();
    for (let i = 0; i < names.length; i++) headers.append(names[i]!, values[i]!);
    return headers;
  }

  response(): Response {
    this.#take();
    const body = this.#head.framing === "none" ? null : this.#decoded();
    const response = new Response(body, {
      status: this.status,
      statusText: this.statusText,
      headers: this.headers(),
    });
    Object.defineProperty(response, "url", { value: this.#url });
    return response;
  }

  cancel(): Promise<void> {
    this.#taken = true;
    this.#finish(false);
    return Promise.resolve();
  }

  #take(): void {
    if (this.#taken) throw new TypeError("Cannot read the body as it was already taken");
    this.#taken = true;
  }

  #decoder(): CompressionFormat | undefined {
    return this.#head.framing === "none" ? undefined : DECODERS[this.#head.encoding];
  }

  /** The body as a stream, decoded when it is encoded. */
  #decoded(): ReadableStream<Uint8Array<ArrayBuffer>> {
    const raw = new ReadableStream<Uint8Array<ArrayBuffer>>({
      pull: async (controller) => {
        try {
          const chunk = await this.#connection.nextBody();
          if (chunk === null) {
            this.#finish(true);
            controller.close();
          } else {
            controller.enqueue(chunk.slice());
          }
        } catch (error) {
          this.#finish(false);
          controller.error(this.#cause(error));
        }
      },
      cancel: () => this.#finish(false),
    }, { highWaterMark: 0 });
    const format = this.#decoder();
    if (format === undefined) return raw;
    return raw.pipeThrough(
      new DecompressionStream(format) as ReadableWritablePair<Uint8Array<ArrayBuffer>, Uint8Array>,
    );
  }

  async #readDecoded(onChunk: (chunk: Uint8Array) => unknown): Promise<void> {
    try {
      await readEach(this.#decoded(), onChunk);
    } catch (error) {
      this.#finish(false);
      throw this.#cause(error);
    }
  }

  /** Gives the connection back (or closes it) once the exchange is over. */
  #finish(whole: boolean): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#signal) this.#watch.delete(this.#signal, this.#connection);
    const connection = this.#connection;
    this.#pool.release(
      connection,
      whole && this.#reusable && connection.clean,
      this.#head.keepAliveMs,
    );
  }

  /** The abort's reason when the signal closed the connection, else the error. */
  #cause(error: unknown): unknown {
    return this.#signal?.aborted ? this.#signal.reason : error;
  }
}
