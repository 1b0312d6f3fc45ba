/**
 * The warm-up before a rate schedule starts: the engine opens the
 * connections the schedule's first moments need, so that its first requests
 * do not each open one (on demand, hundreds of connects at once hold up the
 * requests already sent, and the latency from the due time shows it).
 *
 * @module
 */

import type { Engine } from "../engine/engine.ts";
import type { RequestSpec } from "./types.ts";

/**
 * Seconds of requests at the target rate that warm connections are opened
 * for: at 5,000 per second, 250 connections; enough for the first requests
 * of a server answering within 50 ms.
 */
export const WARM_SECONDS = 0.05;
/** The longest the warm-up may take (ms): past it, the schedule starts, and the requests connect. */
export const WARM_MS = 1000;

/**
 * Opens warm connections to the origin of the first request of `specs`, as
 * many as {@linkcode WARM_SECONDS} of the rate call for (at most
 * `concurrency`), then hands back the requests, the first included. It waits
 * at most {@linkcode WARM_MS}, and not past `signal`; a connect that fails is
 * left to the requests to meet and record.
 *
 * @param specs The run's requests.
 * @param engine The engine that will send them.
 * @param rate The target rate, requests per second.
 * @param concurrency The most requests in flight at once.
 * @param signal Ends the warm-up early.
 * @returns The same requests.
 *
 * @example
 * ```ts
 * import { warmFirst } from "./warm.ts";
 * import { H1Engine } from "../engine/h1.ts";
 * import assert from "node:assert/strict";
 *
 * await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("hi"));
 * const engine = new H1Engine();
 * const url = `http://127.0.0.1:${server.addr.port}/`;
 * const specs = await warmFirst([{ index: 0, url }], engine, 200, 100);
 * assert.equal(engine.connections, 10);
 * assert.deepEqual(await Array.fromAsync(specs), [{ index: 0, url }]);
 * engine.close();
 * ```
 */
export async function warmFirst(
  specs: Iterable<RequestSpec> | AsyncIterable<RequestSpec>,
  engine: Engine,
  rate: number,
  concurrency: number,
  signal?: AbortSignal,
): Promise<AsyncIterable<RequestSpec>> {
  const iterator = Symbol.asyncIterator in specs
    ? specs[Symbol.asyncIterator]()
    : (specs as Iterable<RequestSpec>)[Symbol.iterator]();
  const first = await iterator.next();
  if (!first.done) {
    const count = Math.min(concurrency, Math.ceil(rate * WARM_SECONDS));
    const timeout = AbortSignal.timeout(WARM_MS);
    await engine.warm(
      first.value.url,
      count,
      signal ? AbortSignal.any([signal, timeout]) : timeout,
    );
  }
  return withFirst(first, iterator);
}

/** The first result, then the rest of the iterator; ending early ends the iterator. */
async function* withFirst(
  first: IteratorResult<RequestSpec>,
  iterator: Iterator<RequestSpec> | AsyncIterator<RequestSpec>,
): AsyncGenerator<RequestSpec> {
  let done = first.done ?? false;
  try {
    if (done) return;
    yield first.value;
    while (true) {
      const next = await iterator.next();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await iterator.return?.();
  }
}
