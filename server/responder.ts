/**
 * What the delay server answers: the next delay, the next fault, and the
 * bodies that break or drip; and the waits a request or a shutdown cancels.
 * Internal to `server.ts`.
 *
 * @module
 */

import { type Cancel, sleep } from "../async/sleep.ts";
import {
  checkSequenceOptions,
  createDelaySequence,
  createFaultSequence,
  type DelaySequenceOptions,
  type FaultOptions,
  MAX_DELAY_SECONDS,
} from "./delays.ts";

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
  slowDuration?: number;
  /**
   * The `Retry-After` of the server's 503 answers, in whole seconds (the header's unit, and
   * with `maxDelay` the library's one exception to durations in milliseconds): 0 lets a client
   * retry at once, as tests want.
   *
   * @default {1}
   */
  retryAfter?: number;
}

const SLOW_CHUNKS = 10;
const HTML = "text/html; charset=utf-8";
/** More header lines than `fetch` (hyper) accepts in a response head. */
const DROP_PADDING: [string, string][] = Array.from({ length: 100 }, (_, i) => [`x-drop-${i}`, ""]);
/** The error a faulty body fails with; `serveDelay` does not log it. */
export const INJECTED = new Error("Injected fault");
const encoder = new TextEncoder();

/** Answers a request; `cancel` ends its delay, hang or slow body early. */
export type Responder = (request: Request, cancel: Cancel) => Promise<Response>;

/**
 * Creates what answers `GET /{name}` and `HEAD /{name}` after the next delay, with the next fault.
 *
 * @param options The delays, the seed and the faults.
 * @returns The responder.
 * @throws {RangeError} If an option is out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createResponder } from "./responder.ts";
 * import { signalCancel } from "../async/sleep.ts";
 *
 * const respond = createResponder({ maxDelay: 0 });
 * const response = await respond(new Request("http://localhost/a"), signalCancel(new AbortController().signal));
 * assert.equal(await response.text(), "<html><body>a with delay 0</body></html>");
 * ```
 */
export function createResponder(options: DelayHandlerOptions): Responder {
  const { maxDelay = 3, seed = 1, faults = {}, slowDuration = 1000, retryAfter = 1 } = options;
  checkSequenceOptions("delay handler", maxDelay, seed);
  if (!(slowDuration >= 0 && slowDuration <= MAX_DELAY_SECONDS * 1000)) {
    throw new RangeError(
      `Cannot create delay handler as 'slowDuration' must be a number from 0 to ${
        MAX_DELAY_SECONDS * 1000
      }: current value is ${slowDuration}`,
    );
  }
  if (!(Number.isInteger(retryAfter) && retryAfter >= 0 && retryAfter <= MAX_DELAY_SECONDS)) {
    throw new RangeError(
      `Cannot create delay handler as 'retryAfter' must be an integer from 0 to ${MAX_DELAY_SECONDS}: current value is ${retryAfter}`,
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
    if (delay > 0 && !await sleep(delay * 1000, cancel)) return unavailable(retryAfter);
    const name = new URL(request.url).pathname.slice(1);
    const headers: [string, string][] = [["content-type", HTML], ["delay", String(delay)]];
    switch (fault) {
      case "error": {
        const status = errors++ % 2 === 0 ? 500 : 503;
        if (status === 503) headers.push(["retry-after", String(retryAfter)]);
        return new Response(`<html><body>${name} failed with status ${status}</body></html>`, {
          status,
          headers,
        });
      }
      case "drop":
        return new Response(failingBody(), { headers: [...DROP_PADDING, ...headers] });
      case "hang":
        await sleep(Infinity, cancel);
        return unavailable(retryAfter);
    }
    const body = encoder.encode(`<html><body>${name} with delay ${delay}</body></html>`);
    switch (fault) {
      case "truncate":
        headers.push(["content-length", String(body.length)]);
        return new Response(failingBody(body.subarray(0, body.length >> 1)), { headers });
      case "slow":
        headers.push(["content-length", String(body.length)]);
        return new Response(drippingBody(body, slowDuration / SLOW_CHUNKS, cancel), { headers });
      default:
        return new Response(body, { headers });
    }
  };
}

function unavailable(retryAfter: number): Response {
  const headers = { "retry-after": String(retryAfter) };
  return new Response("Service Unavailable", { status: 503, headers });
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
