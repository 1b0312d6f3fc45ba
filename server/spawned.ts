/**
 * The delay server in a Web Worker (`server/worker.ts`): the handle `spawnDelayServer` returns
 * and the one message exchange it needs.
 *
 * @module
 */

import { baseUrl } from "./listener.ts";

/** A delay server running in a Web Worker, from `spawnDelayServer` in `server.ts`. */
export interface SpawnedDelayServer extends AsyncDisposable {
  /** The address the server listens on. */
  readonly addr: Deno.NetAddr;
  /** The server's base URL, such as `http://127.0.0.1:8080/`. */
  readonly url: string;
  /** Shuts the server down gracefully, then ends the worker. */
  close(): Promise<void>;
}

/** The server in a worker, behind `spawnDelayServer`. */
export class SpawnedServer implements SpawnedDelayServer {
  readonly addr: Deno.NetAddr;
  readonly url: string;
  #worker: Worker;
  #closed: Promise<void> | undefined;

  constructor(worker: Worker, addr: Deno.NetAddr) {
    this.#worker = worker;
    this.addr = addr;
    this.url = baseUrl(addr);
  }

  close(): Promise<void> {
    this.#closed ??= ask(this.#worker, { type: "close" }).then(
      () => this.#worker.terminate(),
      (error) => {
        this.#worker.terminate();
        throw error;
      },
    );
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Posts a message to the worker and waits for its answer: `{ ok, value }` or `{ ok, error }`. */
export function ask(worker: Worker, message: unknown): Promise<unknown> {
  const { promise, resolve, reject } = Promise.withResolvers<unknown>();
  const onMessage = ({ data }: MessageEvent) => data.ok ? resolve(data.value) : reject(data.error);
  const onFailure = (event: ErrorEvent) => {
    event.preventDefault();
    reject(new Error(`Cannot run the delay server worker: ${event.message}`));
  };
  worker.addEventListener("message", onMessage);
  worker.addEventListener("error", onFailure);
  worker.postMessage(message);
  return promise.finally(() => {
    worker.removeEventListener("message", onMessage);
    worker.removeEventListener("error", onFailure);
  });
}
