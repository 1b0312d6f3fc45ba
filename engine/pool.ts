/**
 * Connections per origin for the h1 engine: idle ones are reused (the most
 * recent first), expire after an idle timeout or the server's `Keep-Alive:
 * timeout` hint less a second (before the server closes them), and are
 * capped per origin; a new one is connected (TCP or TLS with ALPN
 * `http/1.1`) within a connect timeout and the caller's signal.
 *
 * @module
 */

import { Connection } from "./_connection.ts";

/** Options for {@linkcode Pool}. */
export interface PoolOptions {
  /**
   * The most idle connections kept per origin; 0 closes each after its exchange.
   *
   * @default {Infinity}
   */
  maxIdle?: number;
  /**
   * Milliseconds an idle connection is kept.
   *
   * @default {4000}
   */
  idleTimeout?: number;
  /**
   * Milliseconds a connect (with the TLS handshake) may take.
   *
   * @default {30000}
   */
  connectTimeout?: number;
  /** Certificates trusted for https, in addition to the system's. */
  caCerts?: string[] | undefined;
}

/**
 * Hands out connections, one exchange at a time each, and takes them back.
 *
 * @example
 * ```ts
 * import { Pool } from "./pool.ts";
 * import assert from "node:assert/strict";
 *
 * await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("hi"));
 * const pool = new Pool({ maxIdle: 4 });
 * const url = new URL(`http://127.0.0.1:${server.addr.port}/`);
 * const connection = await pool.acquire(url);
 * assert.equal(connection.uses, 0);
 * pool.close();
 * assert.equal(connection.closed, true);
 * ```
 */
export class Pool {
  #maxIdle: number;
  #idleTimeout: number;
  #connectTimeout: number;
  #caCerts: string[] | undefined;
  #idle = new Map<string, Connection[]>();
  #openConnections = new Set<Connection>();
  #sweeper: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #onClose = (connection: Connection) => this.#openConnections.delete(connection);

  /**
   * Creates an empty pool.
   *
   * @param options The {@linkcode PoolOptions}.
   */
  constructor(options: PoolOptions = {}) {
    const { maxIdle = Infinity, idleTimeout = 4000, connectTimeout = 30_000, caCerts } = options;
    this.#maxIdle = maxIdle;
    this.#idleTimeout = idleTimeout;
    this.#connectTimeout = connectTimeout;
    this.#caCerts = caCerts;
  }

  /** Connections open now, idle or busy. */
  get size(): number {
    return this.#openConnections.size;
  }

  /**
   * An idle connection to the URL's origin, or a new one.
   *
   * @param url The URL (http or https).
   * @param signal Aborts the connect.
   * @returns The connection; its `wasIdle` is false when it is new.
   */
  async acquire(url: URL, signal?: AbortSignal): Promise<Connection> {
    const key = url.protocol + url.host;
    const idle = this.#idle.get(key);
    if (idle !== undefined) {
      const now = performance.now();
      for (let connection = idle.pop(); connection !== undefined; connection = idle.pop()) {
        if (connection.idleUntil > now && !connection.closed) {
          connection.wasIdle = true;
          return connection;
        }
        connection.close();
      }
    }
    return await this.#newConnection(url, key, signal);
  }

  /**
   * Opens connections to the URL's origin until `count` are idle there (at
   * most the idle cap), so that the first requests of a run find them open.
   * A connect that fails ends the warming quietly: the requests will meet
   * that failure and record it.
   *
   * @param url The URL (http or https).
   * @param count How many idle connections the origin should have.
   * @param signal Aborts the connects.
   * @returns How many connections were opened.
   *
   * @example
   * ```ts
   * import { Pool } from "./pool.ts";
   * import assert from "node:assert/strict";
   *
   * await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("hi"));
   * const pool = new Pool();
   * const url = new URL(`http://127.0.0.1:${server.addr.port}/`);
   * assert.equal(await pool.warm(url, 3), 3);
   * assert.equal(await pool.warm(url, 3), 0);
   * assert.equal((await pool.acquire(url)).wasIdle, true);
   * pool.close();
   * ```
   */
  async warm(url: URL, count: number, signal?: AbortSignal): Promise<number> {
    const key = url.protocol + url.host;
    const wanted = Math.min(count, this.#maxIdle) - (this.#idle.get(key)?.length ?? 0);
    const connects = Array.from(
      { length: Math.max(0, wanted) },
      () => this.#newConnection(url, key, signal),
    );
    const opened = (await Promise.allSettled(connects)).flatMap((connect) =>
      connect.status === "fulfilled" ? [connect.value] : []
    );
    for (const connection of opened) this.#park(connection, this.#idleTimeout);
    return opened.length;
  }

  /**
   * Takes a connection back after an exchange.
   *
   * @param connection The connection.
   * @param reusable Whether it may carry another exchange (body read whole, no close asked).
   * @param keepAliveMs The server's `Keep-Alive: timeout` in milliseconds, or -1.
   */
  release(connection: Connection, reusable: boolean, keepAliveMs = -1): void {
    connection.uses++;
    const timeout = keepAliveMs >= 0
      ? Math.min(this.#idleTimeout, keepAliveMs - 1000)
      : this.#idleTimeout;
    if (!reusable || timeout <= 0) connection.close();
    else this.#park(connection, timeout);
  }

  /** A new connection to the URL's origin, pooled under `key`. */
  async #newConnection(
    url: URL,
    key: string,
    signal: AbortSignal | undefined,
  ): Promise<Connection> {
    if (this.#closed) throw new Error("Cannot connect as the engine is closed");
    const socket = await this.#connect(url, signal);
    const connection = new Connection(key, socket, this.#onClose);
    this.#openConnections.add(connection);
    return connection;
  }

  /** Keeps a connection idle for `timeout` ms, unless the pool is closed or full. */
  #park(connection: Connection, timeout: number): void {
    if (this.#closed || connection.closed) {
      connection.close();
      return;
    }
    let idle = this.#idle.get(connection.key);
    if (idle === undefined) this.#idle.set(connection.key, idle = []);
    if (idle.length >= this.#maxIdle) {
      connection.close();
      return;
    }
    connection.idleUntil = performance.now() + timeout;
    idle.push(connection);
    if (this.#sweeper === undefined) {
      const sweeper = setInterval(() => this.#sweep(), Math.max(250, this.#idleTimeout / 2));
      Deno.unrefTimer(sweeper);
      this.#sweeper = sweeper;
    }
  }

  /** Closes every connection, idle or busy; the pool connects no more. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    for (const connection of this.#openConnections) connection.close();
    this.#idle.clear();
  }

  /** Closes the idle connections that expired. */
  #sweep(): void {
    const now = performance.now();
    for (const [key, idle] of this.#idle) {
      const kept = idle.filter((connection) => {
        if (connection.idleUntil > now && !connection.closed) return true;
        connection.close();
        return false;
      });
      if (kept.length === 0) this.#idle.delete(key);
      else this.#idle.set(key, kept);
    }
    if (this.#idle.size === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }

  async #connect(url: URL, signal: AbortSignal | undefined): Promise<Deno.Conn> {
    signal?.throwIfAborted();
    const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    const tls = url.protocol === "https:";
    const port = url.port === "" ? (tls ? 443 : 80) : Number(url.port);
    // The socket as soon as it exists, so that giving up (a timeout or an abort, also in the
    // TLS handshake) closes it, now or when it arrives.
    let opened: Deno.Conn | undefined;
    let abandoned = false;
    const connecting = (tls
      ? Deno.connectTls({
        hostname,
        port,
        alpnProtocols: ["http/1.1"],
        ...(this.#caCerts ? { caCerts: this.#caCerts } : {}),
      })
      : Deno.connect({ hostname, port })).then(async (socket: Deno.Conn) => {
        opened = socket;
        if (abandoned) closeQuietly(socket);
        else if (tls) {
          try {
            await (socket as Deno.TlsConn).handshake();
          } catch (error) {
            closeQuietly(socket);
            throw error;
          }
        }
        return socket;
      });
    const { promise: stopped, reject } = Promise.withResolvers<never>();
    const onAbort = () => reject(signal!.reason);
    signal?.addEventListener("abort", onAbort);
    const ms = this.#connectTimeout;
    const timer = setTimeout(
      () => reject(new DOMException(`connect timed out after ${ms} ms`, "TimeoutError")),
      ms,
    );
    try {
      const socket = await Promise.race([connecting, stopped]);
      if (!tls) (socket as Deno.TcpConn).setNoDelay(true);
      return socket;
    } catch (error) {
      abandoned = true;
      connecting.catch(() => {});
      if (opened !== undefined) closeQuietly(opened);
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }
}

function closeQuietly(socket: Deno.Conn): void {
  try {
    socket.close();
  } catch {
    // Closed already.
  }
}
