/**
 * A test server for pacing: it notes when each request arrives and how many
 * are in flight, and can play a rate-limited API (429 with `Retry-After`
 * past a number of requests per window).
 *
 * @module
 */

/** Options for {@linkcode serveCounting}. */
export interface CountingOptions {
  /** Milliseconds each answer takes. @default {0} */
  delayMs?: number;
  /** Answer 429 (with `Retry-After` to the window's end) past `requests` per `windowMs`. */
  limit?: { requests: number; windowMs: number };
  /** Answer this status, with this `Retry-After` in seconds, to the request that arrives `nth` (from 1). */
  pushBack?: { nth: number; status: number; retryAfter: number };
  /** Stall once: hold every request that arrives from `afterMs` after the first until `forMs` later. */
  stall?: { afterMs: number; forMs: number };
}

/** A running counting server. */
export interface CountingServer extends AsyncDisposable {
  /** The server's URL, ending with `/`. */
  url: string;
  /** Arrival times, ms since the epoch, in order. */
  arrivals: number[];
  /** Requests answered 429 or by `pushBack`, and when each answer was sent. */
  pushedBack: number[];
  /** The most requests in flight at once. */
  maxInFlight: number;
  /** Requests in flight now. */
  inFlight: number;
}

/**
 * Starts a counting server on a free loopback port.
 *
 * @param options The {@linkcode CountingOptions}.
 * @returns The server.
 */
export function serveCounting(options: CountingOptions = {}): CountingServer {
  const { delayMs = 0, limit, pushBack, stall } = options;
  const started = Date.now();
  const windows = new Map<number, number>();
  const state: Omit<CountingServer, "url" | typeof Symbol.asyncDispose> = {
    arrivals: [],
    pushedBack: [],
    maxInFlight: 0,
    inFlight: 0,
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    const now = Date.now();
    const nth = state.arrivals.push(now);
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    try {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (stall) {
        const stallEnd = state.arrivals[0]! + stall.afterMs + stall.forMs;
        if (now >= stallEnd - stall.forMs && now < stallEnd) {
          await new Promise((resolve) => setTimeout(resolve, stallEnd - now));
        }
      }
      if (pushBack && nth === pushBack.nth) {
        state.pushedBack.push(Date.now());
        return new Response("wait", {
          status: pushBack.status,
          headers: { "retry-after": String(pushBack.retryAfter) },
        });
      }
      if (limit) {
        const window = Math.floor((now - started) / limit.windowMs);
        const count = (windows.get(window) ?? 0) + 1;
        windows.set(window, count);
        if (count > limit.requests) {
          state.pushedBack.push(Date.now());
          const wait = ((window + 1) * limit.windowMs - (now - started)) / 1000;
          return new Response("slow down", {
            status: 429,
            headers: { "retry-after": wait.toFixed(3) },
          });
        }
      }
      return new Response("ok");
    } finally {
      state.inFlight--;
    }
  });
  return Object.assign(state, {
    url: `http://127.0.0.1:${server.addr.port}/`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  });
}
