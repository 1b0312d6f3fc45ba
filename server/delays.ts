/**
 * The delay server's seeded sequences: the delays it hands out in arrival
 * order, and the faults it injects at given shares, each from its own
 * Mulberry32 stream so that turning faults on leaves the delays unchanged.
 *
 * @module
 */

/**
 * The largest `maxDelay` accepted, in seconds: one hour.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createDelaySequence, MAX_DELAY_SECONDS } from "./delays.ts";
 *
 * assert.throws(() => createDelaySequence({ maxDelay: MAX_DELAY_SECONDS + 1 }), RangeError);
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
   * Share of requests answered with an error status: 500 and 503 in turn, starting with 500; the
   * 503s carry a `Retry-After` (the handler's `retryAfter`).
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
   * Share of responses whose body drips in 10 chunks, `slowDuration / 10` apart.
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
   * Seconds, not milliseconds: with the server's `retryAfter`, this is the one exception to the
   * library's rule that durations are milliseconds. Both are what the server writes into a
   * header (`DELAY`, `Retry-After`) and both headers count seconds, as the write-up's server and
   * `--max-delay` do.
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

/** The faults the server can inject. */
export const FAULTS = ["error", "drop", "hang", "truncate", "slow"] as const;
/** One fault. */
export type Fault = typeof FAULTS[number];

/** Mixed into the seed of the fault stream, so that it differs from the delay stream. */
const FAULT_STREAM = 0x5bd1e995;

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
 * import { createDelaySequence } from "./delays.ts";
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
 * Checks the options shared by the delay sequence and the handler.
 *
 * @param what What is being created, for the message.
 * @param maxDelay The largest delay, in seconds.
 * @param seed The seed.
 * @throws {RangeError} If either is out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkSequenceOptions } from "./delays.ts";
 *
 * assert.throws(() => checkSequenceOptions("delay handler", -1, 1), RangeError);
 * ```
 */
export function checkSequenceOptions(what: string, maxDelay: number, seed: number): void {
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

/**
 * Creates the sequence of faults a handler injects, one draw per request in arrival order.
 *
 * @param faults The share of requests that get each fault.
 * @param seed The seed, mixed so that the faults' stream differs from the delays'.
 * @returns A function that returns the next request's fault, or undefined for none.
 * @throws {RangeError} If a share is not from 0 to 1, or the shares add up to more than 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createFaultSequence } from "./delays.ts";
 *
 * const next = createFaultSequence({ error: 1 }, 1);
 * assert.equal(next(), "error");
 * ```
 */
export function createFaultSequence(faults: FaultOptions, seed: number): () => Fault | undefined {
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
