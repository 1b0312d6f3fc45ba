/**
 * A delay server to aim load tests at, after the server of the 2016 write-up "Making 1 million
 * requests with python-aiohttp": `GET /{name}` waits a seeded random delay, then answers 200 with
 * a small HTML body and a `DELAY` header holding that delay in seconds.
 *
 * Delays come from {@linkcode createDelaySequence}, so a client can recompute the delays the
 * server hands out in arrival order. Faults (error statuses, dropped connections, hung requests,
 * truncated and slow bodies) can be injected at given shares and are as deterministic as the
 * delays. {@linkcode serveDelay} keeps serving when the process runs out of file descriptors,
 * and {@linkcode spawnDelayServer} runs it in a Web Worker, off the caller's thread.
 *
 * Run directly, it is a CLI: `deno run --allow-net server.ts --port 8080 --max-delay 3`.
 *
 * @example Serve on a free port and ask for one page
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveDelay } from "./server.ts";
 *
 * await using server = serveDelay({ maxDelay: 0 });
 * const response = await fetch(new URL("hello", server.url));
 * assert.equal(response.headers.get("delay"), "0");
 * assert.equal(await response.text(), "<html><body>hello with delay 0</body></html>");
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";

/**
 * The largest `maxDelay` accepted, in seconds: one hour.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createDelayHandler, MAX_DELAY_SECONDS } from "./server.ts";
 *
 * assert.throws(() => createDelayHandler({ maxDelay: MAX_DELAY_SECONDS + 1 }), RangeError);
 * ```
 */
export const MAX_DELAY_SECONDS = 3600;

/**
 * Shares of requests that get each fault, each in [0, 1], adding up to at most 1. Each request
 * gets at most one fault, drawn from its own seeded stream in arrival order, so turning faults on
 * leaves the delays unchanged. The fault comes after the request's delay.
 */
export interface FaultOptions {
  /**
   * Share of requests answered with an error status: 500 and 503 (with `Retry-After: 1`) in
   * turn, starting with 500.
   *
   * @default {0}
   */
  error?: number;
  /**
   * Share of requests whose connection is dropped without a usable response. `Deno.serve` has no
   * way to close a connection before the head, so the server sends a head of more than 100 header
   * lines, more than `fetch` accepts, then resets the connection before any body byte: `fetch`
   * rejects, and a client without a header limit sees a body cut short.
   *
   * @default {0}
   */
  drop?: number;
  /**
   * Share of requests never answered. A hung request holds no timer and ends, answered 503, when
   * its signal aborts (a request passed to the handler directly) or when the server shuts down
   * ({@linkcode serveDelay}, which does not watch for clients that give up).
   *
   * @default {0}
   */
  hang?: number;
  /**
   * Share of responses whose body is cut short: the head announces the whole body in
   * `Content-Length`, the first half is sent, then the connection is reset.
   *
   * @default {0}
   */
  truncate?: number;
  /**
   * Share of responses whose body drips in 10 chunks, `slowMs / 10` apart.
   *
   * @default {0}
   */
  slow?: number;
}

/** Options for {@linkcode createDelaySequence}. */
export interface DelaySequenceOptions {
  /**
   * The largest delay, in seconds, at most {@linkcode MAX_DELAY_SECONDS}. An integer gives whole
   * seconds from 0 to `maxDelay` inclusive, like Python's `random.randint(0, maxDelay)`; a
   * fraction gives whole milliseconds from 0 to `maxDelay` (rounded to the millisecond) inclusive.
   *
   * @default {3}
   */
  maxDelay?: number;
  /**
   * The seed: the same seed gives the same delays.
   *
   * @default {1}
   */
  seed?: number;
}

/** Options for {@linkcode createDelayHandler}. */
export interface DelayHandlerOptions extends DelaySequenceOptions {
  /**
   * Shares of requests that get each fault.
   *
   * @default {{}}
   */
  faults?: FaultOptions;
  /**
   * How long a slow body takes to drip, in milliseconds.
   *
   * @default {1000}
   */
  slowMs?: number;
}

/** Options for {@linkcode serveDelay}. */
export interface ServeDelayOptions extends DelayHandlerOptions {
  /**
   * The address to bind.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * The port to listen on; 0 picks a free one.
   *
   * @default {0}
   */
  port?: number;
  /** Shuts the server down when it aborts. */
  signal?: AbortSignal;
  /** Called once the server listens, with its address. */
  onListen?: (addr: Deno.NetAddr) => void;
  /**
   * Called when accepting connections fails (say, with "Too many open files"); the server then
   * listens again on the same port, backing off from 10 ms to 1 s between tries.
   */
  onAcceptError?: (error: unknown) => void;
}

/** A running delay server, from {@linkcode serveDelay}. */
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

/** Options for {@linkcode spawnDelayServer}: those of {@linkcode serveDelay} that can be cloned. */
export type SpawnDelayServerOptions = Omit<
  ServeDelayOptions,
  "signal" | "onListen" | "onAcceptError"
>;

/** A delay server running in a Web Worker, from {@linkcode spawnDelayServer}. */
export interface SpawnedDelayServer extends AsyncDisposable {
  /** The address the server listens on. */
  readonly addr: Deno.NetAddr;
  /** The server's base URL, such as `http://127.0.0.1:8080/`. */
  readonly url: string;
  /** Shuts the server down gracefully, then ends the worker. */
  close(): Promise<void>;
}

const FAULTS = ["error", "drop", "hang", "truncate", "slow"] as const;
type Fault = typeof FAULTS[number];

/** Mixed into the seed of the fault stream, so that it differs from the delay stream. */
const FAULT_STREAM = 0x5bd1e995;
const SLOW_CHUNKS = 10;
const TCP_BACKLOG = 4096;
const HTML = "text/html; charset=utf-8";
/** More header lines than `fetch` (hyper) accepts in a response head. */
const DROP_PADDING: [string, string][] = Array.from({ length: 100 }, (_, i) => [`x-drop-${i}`, ""]);
/** The error a faulty body fails with; `serveDelay` does not log it. */
const INJECTED = new Error("Injected fault");
const encoder = new TextEncoder();

/**
 * Creates the sequence of delays a delay handler with the same options hands out, in arrival
 * order, so a client can know them ahead.
 *
 * @param options The largest delay and the seed.
 * @returns A function that returns the next delay, in seconds, each time it is called.
 * @throws {RangeError} If `maxDelay` is not a number from 0 to {@linkcode MAX_DELAY_SECONDS}, or
 * `seed` is not an integer.
 *
 * @example The first delays of the default sequence
 * ```ts
 * import assert from "node:assert/strict";
 * import { createDelaySequence } from "./server.ts";
 *
 * const next = createDelaySequence({ maxDelay: 3, seed: 1 });
 * const delays = [next(), next(), next(), next()];
 * assert.ok(delays.every((delay) => Number.isInteger(delay) && delay >= 0 && delay <= 3));
 * ```
 */
export function createDelaySequence(options: DelaySequenceOptions = {}): () => number {
  const { maxDelay = 3, seed = 1 } = options;
  checkSequenceOptions("delay sequence", maxDelay, seed);
  const random = mulberry32(seed);
  if (Number.isInteger(maxDelay)) return () => Math.floor(random() * (maxDelay + 1));
  const maxMs = Math.round(maxDelay * 1000);
  return () => Math.floor(random() * (maxMs + 1)) / 1000;
}

/**
 * Creates a handler that answers `GET /{name}` and `HEAD /{name}` after the next delay of
 * {@linkcode createDelaySequence}, with a `DELAY` header and the body
 * `<html><body>{name} with delay {delay}</body></html>`; other methods get 405 and take no delay.
 * A request whose signal aborts during its delay is answered 503. To serve it, prefer
 * {@linkcode serveDelay}: with `Deno.serve` the handler reads `request.signal`, which makes Deno
 * warn about its legacy abort behavior, and Deno logs the errors of faulty bodies.
 *
 * @param options The delays, the seed and the faults.
 * @returns The handler.
 * @throws {RangeError} If an option is out of range.
 *
 * @example Call the handler directly
 * ```ts
 * import assert from "node:assert/strict";
 * import { createDelayHandler } from "./server.ts";
 *
 * const handler = createDelayHandler({ maxDelay: 0.01 });
 * const response = await handler(new Request("http://localhost/abc"));
 * assert.equal(response.status, 200);
 * assert.match(await response.text(), /^<html><body>abc with delay 0\.\d+<\/body><\/html>$/);
 * ```
 */
export function createDelayHandler(
  options: DelayHandlerOptions = {},
): (request: Request) => Promise<Response> {
  const respond = createResponder(options);
  return (request) => respond(request, signalCancel(request.signal));
}

/**
 * Serves the delay handler of {@linkcode createDelayHandler} with `Deno.serve`, on 127.0.0.1 by
 * default, with a listen backlog of 4096. When accepting connections fails, as it does when the
 * process runs out of file descriptors, the server listens again on the same port once it can, so
 * `addr` and `url` stay valid.
 *
 * @param options Where to listen, the handler's options, and a signal to stop.
 * @returns The running server.
 * @throws {RangeError} If an option is out of range.
 * @throws {Deno.errors.AddrInUse} If the port is taken.
 *
 * @example Serve on a free port, then shut down
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveDelay } from "./server.ts";
 *
 * await using server = serveDelay({ maxDelay: 0.01, seed: 7 });
 * const response = await fetch(new URL("page", server.url));
 * assert.equal(response.status, 200);
 * assert.ok(Number(response.headers.get("delay")) <= 0.01);
 * await response.body?.cancel();
 * ```
 */
export function serveDelay(options: ServeDelayOptions = {}): DelayServer {
  const { hostname = "127.0.0.1", port = 0, signal, onListen, onAcceptError, ...rest } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `Cannot serve delays as 'port' must be an integer from 0 to 65535: current value is ${port}`,
    );
  }
  const server = new Server(hostname, port, createResponder(rest), onAcceptError);
  onListen?.(server.addr);
  if (signal) {
    const stop = () => void server.shutdown();
    if (signal.aborted) stop();
    signal.addEventListener("abort", stop, { once: true });
    server.finished.finally(() => signal.removeEventListener("abort", stop));
  }
  return server;
}

/**
 * Runs {@linkcode serveDelay} in a Web Worker, so that serving does not take the caller's thread.
 * The worker's modules are local files when this module is: loading them needs read permission
 * (`--allow-read`) on top of `--allow-net`, even with the permissions inherited.
 *
 * @param options The options of {@linkcode serveDelay}, but the signal and the callbacks.
 * @returns The running server, once it listens.
 * @throws {RangeError} If an option is out of range.
 * @throws {Error} If the worker cannot start or the server cannot listen.
 *
 * @example Serve from a worker
 * ```ts
 * import assert from "node:assert/strict";
 * import { spawnDelayServer } from "./server.ts";
 *
 * await using server = await spawnDelayServer({ maxDelay: 0 });
 * const response = await fetch(new URL("abc", server.url));
 * assert.equal(await response.text(), "<html><body>abc with delay 0</body></html>");
 * ```
 */
export async function spawnDelayServer(
  options: SpawnDelayServerOptions = {},
): Promise<SpawnedDelayServer> {
  const worker = new Worker(new URL("./server_worker.ts", import.meta.url).href, {
    type: "module",
  });
  try {
    const addr = await ask(worker, { type: "start", options }) as Deno.NetAddr;
    return new SpawnedServer(worker, addr);
  } catch (error) {
    worker.terminate();
    throw error;
  }
}

/** The server behind {@linkcode serveDelay}. */
class Server implements DelayServer {
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

function baseUrl({ hostname, port }: Deno.NetAddr): string {
  return `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}/`;
}

function onError(error: unknown): Response {
  if (error !== INJECTED) console.error(error);
  return new Response(null, { status: 500 });
}

/** The server in a worker, behind {@linkcode spawnDelayServer}. */
class SpawnedServer implements SpawnedDelayServer {
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
function ask(worker: Worker, message: unknown): Promise<unknown> {
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

/** Answers a request; `cancel` ends its delay, hang or slow body early. */
type Responder = (request: Request, cancel: Cancel) => Promise<Response>;

function createResponder(options: DelayHandlerOptions): Responder {
  const { maxDelay = 3, seed = 1, faults = {}, slowMs = 1000 } = options;
  checkSequenceOptions("delay handler", maxDelay, seed);
  if (!(slowMs >= 0 && slowMs <= MAX_DELAY_SECONDS * 1000)) {
    throw new RangeError(
      `Cannot create delay handler as 'slowMs' must be a number from 0 to ${
        MAX_DELAY_SECONDS * 1000
      }: current value is ${slowMs}`,
    );
  }
  const nextDelay = createDelaySequence({ maxDelay, seed });
  const nextFault = createFaultSequence(faults, seed);
  let errors = 0;

  return async (request, cancel) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response(null, { status: 405, headers: { allow: "GET, HEAD" } });
    }
    const delay = nextDelay();
    const fault = nextFault();
    if (delay > 0 && !await sleep(delay * 1000, cancel)) return unavailable();
    const name = new URL(request.url).pathname.slice(1);
    const headers: [string, string][] = [["content-type", HTML], ["delay", String(delay)]];
    switch (fault) {
      case "error": {
        const status = errors++ % 2 === 0 ? 500 : 503;
        if (status === 503) headers.push(["retry-after", "1"]);
        return new Response(`<html><body>${name} failed with status ${status}</body></html>`, {
          status,
          headers,
        });
      }
      case "drop":
        return new Response(failingBody(), { headers: [...DROP_PADDING, ...headers] });
      case "hang":
        await sleep(Infinity, cancel);
        return unavailable();
    }
    const body = encoder.encode(`<html><body>${name} with delay ${delay}</body></html>`);
    switch (fault) {
      case "truncate":
        headers.push(["content-length", String(body.length)]);
        return new Response(failingBody(body.subarray(0, body.length >> 1)), { headers });
      case "slow":
        headers.push(["content-length", String(body.length)]);
        return new Response(drippingBody(body, slowMs / SLOW_CHUNKS, cancel), { headers });
      default:
        return new Response(body, { headers });
    }
  };
}

function unavailable(): Response {
  return new Response("Service Unavailable", { status: 503, headers: { "retry-after": "1" } });
}

/** A body that sends `head`, if any, then fails, which resets the connection. */
function failingBody(head?: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      if (head) controller.enqueue(head);
    },
    pull(controller) {
      controller.error(INJECTED);
    },
  });
}

/** A body sent in chunks `ms` apart; it fails if `cancel` fires first. */
function drippingBody(bytes: Uint8Array, ms: number, cancel: Cancel): ReadableStream<Uint8Array> {
  const size = Math.ceil(bytes.length / SLOW_CHUNKS);
  let offset = 0;
  return new ReadableStream({
    async pull(controller) {
      if (!await sleep(ms, cancel)) return controller.error(INJECTED);
      controller.enqueue(bytes.subarray(offset, offset += size));
      if (offset >= bytes.length) controller.close();
    },
  });
}

function checkSequenceOptions(what: string, maxDelay: number, seed: number): void {
  if (!(maxDelay >= 0 && maxDelay <= MAX_DELAY_SECONDS)) {
    throw new RangeError(
      `Cannot create ${what} as 'maxDelay' must be a number from 0 to ${MAX_DELAY_SECONDS}: current value is ${maxDelay}`,
    );
  }
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(
      `Cannot create ${what} as 'seed' must be an integer: current value is ${seed}`,
    );
  }
}

/** Draws each request's fault, if any, from a stream of its own. */
function createFaultSequence(faults: FaultOptions, seed: number): () => Fault | undefined {
  let sum = 0;
  for (const kind of FAULTS) {
    const share = faults[kind] ?? 0;
    if (!(share >= 0 && share <= 1)) {
      throw new RangeError(
        `Cannot create delay handler as 'faults.${kind}' must be a number from 0 to 1: current value is ${share}`,
      );
    }
    sum += share;
  }
  if (sum > 1 + 1e-9) {
    throw new RangeError(
      `Cannot create delay handler as the fault shares must add up to at most 1: current sum is ${sum}`,
    );
  }
  if (sum === 0) return () => undefined;
  const random = mulberry32(seed ^ FAULT_STREAM);
  return () => {
    let draw = random();
    for (const kind of FAULTS) {
      const share = faults[kind] ?? 0;
      if (draw < share) return kind;
      draw -= share;
    }
    return undefined;
  };
}

/** The Mulberry32 generator: 32 bits of state, uniform numbers in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What ends pending waits: a request's signal, or a server's shutdown. */
interface Cancel {
  readonly aborted: boolean;
  add(stop: () => void): void;
  delete(stop: () => void): void;
}

function signalCancel(signal: AbortSignal): Cancel {
  return {
    get aborted() {
      return signal.aborted;
    },
    add: (stop) => signal.addEventListener("abort", stop, { once: true }),
    delete: (stop) => signal.removeEventListener("abort", stop),
  };
}

/** A server's shutdown: unlike an AbortSignal's listeners, its waits come and go in O(1). */
class Closing implements Cancel {
  #aborted = false;
  #stops = new Set<() => void>();

  get aborted(): boolean {
    return this.#aborted;
  }

  add(stop: () => void): void {
    this.#stops.add(stop);
  }

  delete(stop: () => void): void {
    this.#stops.delete(stop);
  }

  close(): void {
    this.#aborted = true;
    for (const stop of this.#stops) stop();
    this.#stops.clear();
  }
}

/** Resolves true after `ms` (never, for Infinity, so no timer), or false once `cancel` fires. */
function sleep(ms: number, cancel: Cancel): Promise<boolean> {
  if (cancel.aborted) return Promise.resolve(false);
  const { promise, resolve } = Promise.withResolvers<boolean>();
  const stop = () => {
    clearTimeout(timer);
    resolve(false);
  };
  const timer = ms === Infinity ? undefined : setTimeout(() => {
    cancel.delete(stop);
    resolve(true);
  }, ms);
  cancel.add(stop);
  return promise;
}

const USAGE = `Usage: deno run --allow-net server.ts [options]

Serves GET /{name}: after a seeded random delay, 200 with a DELAY header and a small HTML body.

Options:
  --port N         port to listen on, 0 for any free one (default 8080)
  --hostname H     address to bind (default 127.0.0.1)
  --max-delay S    largest delay in seconds; whole seconds when an integer (default 3)
  --seed N         seed of the delays and the faults (default 1)
  --error R        share of requests answered 500 or 503 (default 0)
  --drop R         share of connections dropped without a usable response (default 0)
  --hang R         share of requests never answered (default 0)
  --truncate R     share of bodies cut short (default 0)
  --slow R         share of bodies sent in 10 chunks over --slow-ms (default 0)
  --slow-ms MS     how long a slow body takes to drip, in milliseconds (default 1000)
  -h, --help       print this help`;

const NUMBER_FLAGS = ["port", "max-delay", "seed", "slow-ms", ...FAULTS] as const;

/** Turns the CLI's flags into options, or undefined for `--help`; throws on bad usage. */
function parseFlags(args: string[]): ServeDelayOptions | undefined {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      hostname: { type: "string", default: "127.0.0.1" },
      help: { type: "boolean", short: "h" },
      ...Object.fromEntries(NUMBER_FLAGS.map((flag) => [flag, { type: "string" }])) as Record<
        typeof NUMBER_FLAGS[number],
        { type: "string" }
      >,
    },
  });
  if (values.help) return undefined;
  const numbers: Partial<Record<typeof NUMBER_FLAGS[number], number>> = {};
  for (const flag of NUMBER_FLAGS) {
    const text = values[flag];
    if (text === undefined) continue;
    const value = Number(text);
    if (text.trim() === "" || Number.isNaN(value)) {
      throw new TypeError(`Cannot parse '--${flag}' as a number: current value is '${text}'`);
    }
    numbers[flag] = value;
  }
  const { port = 8080, "max-delay": maxDelay = 3, seed = 1, "slow-ms": slowMs, ...faults } =
    numbers;
  const options: ServeDelayOptions = { hostname: values.hostname, port, maxDelay, seed, faults };
  if (slowMs !== undefined) options.slowMs = slowMs;
  return options;
}

async function main(args: string[]): Promise<number> {
  let server: DelayServer;
  try {
    const options = parseFlags(args);
    if (options === undefined) {
      console.log(USAGE);
      return 0;
    }
    server = serveDelay({
      ...options,
      onAcceptError: (error) => console.error(`Accepting failed, listening again: ${error}`),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`error: ${message.split("\n", 1)[0]}`);
    return error instanceof TypeError || error instanceof RangeError ? 2 : 1;
  }
  console.log(`Listening on ${server.url}`);
  const { promise: interrupted, resolve: interrupt } = Promise.withResolvers<void>();
  Deno.addSignalListener("SIGINT", interrupt);
  Deno.addSignalListener("SIGTERM", interrupt);
  try {
    await Promise.race([interrupted, server.finished]);
  } finally {
    Deno.removeSignalListener("SIGINT", interrupt);
    Deno.removeSignalListener("SIGTERM", interrupt);
    await server.shutdown();
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
