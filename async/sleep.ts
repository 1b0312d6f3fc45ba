/**
 * The one sleep: {@linkcode sleep} waits a number of milliseconds unless a
 * {@linkcode Cancel} (or an `AbortSignal`) fires first. Nothing here knows
 * about HTTP.
 *
 * @module
 */

/**
 * What ends pending waits, such as a request's signal or a server's
 * shutdown; unlike an `AbortSignal`'s listeners, a {@linkcode Closing}'s
 * waits come and go in O(1).
 */
export interface Cancel {
  /** Whether it fired. */
  readonly aborted: boolean;
  /**
   * Calls `stop` when it fires.
   *
   * @param stop What to call.
   */
  add(stop: () => void): void;
  /**
   * Forgets `stop`.
   *
   * @param stop What `add` was given.
   */
  delete(stop: () => void): void;
}

/**
 * A request's signal as a {@linkcode Cancel}.
 *
 * @param signal The signal.
 * @returns The cancel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { signalCancel } from "./sleep.ts";
 *
 * const controller = new AbortController();
 * const cancel = signalCancel(controller.signal);
 * controller.abort();
 * assert.equal(cancel.aborted, true);
 * ```
 */
export function signalCancel(signal: AbortSignal): Cancel {
  return {
    get aborted() {
      return signal.aborted;
    },
    add: (stop) => signal.addEventListener("abort", stop, { once: true }),
    delete: (stop) => signal.removeEventListener("abort", stop),
  };
}

/**
 * A server's shutdown: unlike an AbortSignal's listeners, its waits come and go in O(1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Closing, sleep } from "./sleep.ts";
 *
 * const closing = new Closing();
 * const waiting = sleep(Infinity, closing);
 * closing.close();
 * assert.equal(await waiting, false);
 * ```
 */
export class Closing implements Cancel {
  #aborted = false;
  #stops = new Set<() => void>();

  /** Whether {@linkcode Closing.close} was called. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /**
   * Calls `stop` on close.
   *
   * @param stop What to call.
   */
  add(stop: () => void): void {
    this.#stops.add(stop);
  }

  /**
   * Forgets `stop`.
   *
   * @param stop What `add` was given.
   */
  delete(stop: () => void): void {
    this.#stops.delete(stop);
  }

  /** Ends every pending wait, and every later one at once. */
  close(): void {
    this.#aborted = true;
    for (const stop of this.#stops) stop();
    this.#stops.clear();
  }
}

/**
 * Waits `ms`, unless `cancel` fires first: the one sleep of the toolkit.
 *
 * @param ms Milliseconds; Infinity waits for `cancel` alone, with no timer.
 * @param cancel What ends the wait early: a {@linkcode Cancel} or an `AbortSignal`.
 * @returns True after `ms`, false once `cancel` fired.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Closing, sleep } from "./sleep.ts";
 *
 * assert.equal(await sleep(1, new Closing()), true);
 * assert.equal(await sleep(60_000, AbortSignal.abort()), false);
 * ```
 */
export function sleep(ms: number, cancel?: Cancel | AbortSignal): Promise<boolean> {
  const until = cancel instanceof AbortSignal ? signalCancel(cancel) : cancel;
  if (until?.aborted) return Promise.resolve(false);
  const { promise, resolve } = Promise.withResolvers<boolean>();
  const stop = () => {
    clearTimeout(timer);
    resolve(false);
  };
  const timer = ms === Infinity ? undefined : setTimeout(() => {
    until?.delete(stop);
    resolve(true);
  }, ms);
  until?.add(stop);
  return promise;
}
