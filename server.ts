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

import { createResponder, type DelayHandlerOptions } from "./server/responder.ts";
import { signalCancel } from "./async/sleep.ts";
import { type DelayServer, ListeningServer } from "./server/listener.ts";
import { ask, type SpawnedDelayServer, SpawnedServer } from "./server/spawned.ts";
import { FAULTS } from "./server/delays.ts";

export {
  createDelaySequence,
  type DelaySequenceOptions,
  type FaultOptions,
  MAX_DELAY_SECONDS,
} from "./server/delays.ts";

export type { DelayHandlerOptions } from "./server/responder.ts";
export type { DelayServer } from "./server/listener.ts";
export type { SpawnedDelayServer } from "./server/spawned.ts";

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
  const server = new ListeningServer(hostname, port, createResponder(rest), onAcceptError);
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
  options: Omit<ServeDelayOptions, "signal" | "onListen" | "onAcceptError"> = {},
): Promise<SpawnedDelayServer> {
  const worker = new Worker(new URL("./server/worker.ts", import.meta.url).href, {
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
  --retry-after S  the Retry-After of 503 answers, in whole seconds (default 1)
  -h, --help       print this help`;

const NUMBER_FLAGS = ["port", "max-delay", "seed", "slow-ms", "retry-after", ...FAULTS] as const;

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
  const {
    port = 8080,
    "max-delay": maxDelay = 3,
    seed = 1,
    "slow-ms": slowDuration,
    "retry-after": retryAfter,
    ...faults
  } = numbers;
  const options: ServeDelayOptions = { hostname: values.hostname, port, maxDelay, seed, faults };
  if (slowDuration !== undefined) options.slowDuration = slowDuration;
  if (retryAfter !== undefined) options.retryAfter = retryAfter;
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
