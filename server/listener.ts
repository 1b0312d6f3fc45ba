/**
 * The delay server's listener: `Deno.serve` with a deep backlog that listens again on the same
 * port when its accept loop fails (as it does when the process runs out of file descriptors).
 *
 * @module
 */

import { Closing, sleep } from "../async/sleep.ts";
import { INJECTED, type Responder } from "./responder.ts";

/** A running delay server, from `serveDelay` in `server.ts`. */
export interface DelayServer extends AsyncDisposable {
  /** The address the server listens on; it stays the same when the server listens again. */
  readonly addr: Deno.NetAddr;
  /** The server's base URL, such as `http://127.0.0.1:8080/`. */
  readonly url: string;
  /** Settles once the server has shut down. */
  readonly finished: Promise<void>;
  /** Answers pending delays and hung requests with 503, then shuts down gracefully. */
  shutdown(): Promise<void>;
}

const TCP_BACKLOG = 4096;

/** The server behind `serveDelay`: one `Deno.serve`, listened again after accept failures. */
export class ListeningServer implements DelayServer {
  readonly addr: Deno.NetAddr;
  readonly url: string;
  readonly finished: Promise<void>;
  #hostname: string;
  #respond: Responder;
  #onAcceptError: ((error: unknown) => void) | undefined;
  #closing = new Closing();
  #server: Deno.HttpServer<Deno.NetAddr>;

  constructor(
    hostname: string,
    port: number,
    respond: Responder,
    onAcceptError: ((error: unknown) => void) | undefined,
  ) {
    this.#hostname = hostname;
    this.#respond = respond;
    this.#onAcceptError = onAcceptError;
    this.#server = this.#listen(port);
    this.addr = this.#server.addr;
    this.url = baseUrl(this.addr);
    this.finished = this.#serve();
  }

  async shutdown(): Promise<void> {
    this.#closing.close();
    await this.#server.shutdown();
    await this.finished;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  #listen(port: number): Deno.HttpServer<Deno.NetAddr> {
    return Deno.serve({
      hostname: this.#hostname,
      port,
      tcpBacklog: TCP_BACKLOG,
      onListen() {},
      onError,
    }, (request) => this.#respond(request, this.#closing));
  }

  /** Waits for the server to finish, and listens again each time its accept loop fails. */
  async #serve(): Promise<void> {
    while (true) {
      try {
        return await this.#server.finished;
      } catch (error) {
        if (this.#closing.aborted) return;
        this.#onAcceptError?.(error);
        if (!await this.#listenAgain()) return;
      }
    }
  }

  /** Tries to listen on the same port until it works (true) or the server shuts down (false). */
  async #listenAgain(): Promise<boolean> {
    for (let ms = 10; await sleep(ms, this.#closing); ms = Math.min(ms * 2, 1000)) {
      try {
        this.#server = this.#listen(this.addr.port);
        return true;
      } catch {
        // Still out of file descriptors, or the port is busy: wait and try again.
      }
    }
    return false;
  }
}

/** The base URL of a server at `addr`, with brackets around an IPv6 host. */
export function baseUrl({ hostname, port }: Deno.NetAddr): string {
  return `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}/`;
}

function onError(error: unknown): Response {
  if (error !== INJECTED) console.error(error);
  return new Response(null, { status: 500 });
}
