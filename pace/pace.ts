/**
 * The pace of a run, the one place a request is admitted: every request
 * gets one {@linkcode Permit} from {@linkcode Pace.permits}, reports each
 * attempt's outcome to it, asks it again before a retry and disposes of it
 * at the end. {@linkcode createPace} gives a pace that lets everything
 * through at once when nothing is asked for, so a runner has one path.
 *
 * What a pace can hold a request to (see `_paced.ts`): an arrival rate (one
 * {@linkcode RateSchedule}, shareable across threads), a duration, a ramp (of
 * the rate, or of the concurrency when there is no rate), a cap per origin
 * with a bounded look-ahead past requests for a busy origin, and host-wide
 * backoff (a 429, or a 503 with `Retry-After`, pauses the origin and halves
 * its concurrency, which recovers step by step on successes).
 *
 * @module
 */

import { PacedAdmission } from "./_paced.ts";
import type { RateSchedule } from "./rate_schedule.ts";

/** Options for {@linkcode createPace}. */
export interface PaceOptions {
  /** Requests per second, or a schedule to share (between worker threads). */
  rate?: number | RateSchedule | undefined;
  /** Milliseconds over which the rate (or, without a rate, the concurrency) rises from 0. */
  ramp?: number | undefined;
  /** Milliseconds after which no request starts. */
  duration?: number | undefined;
  /** The most requests in flight to one origin. */
  perHost?: number | undefined;
  /**
   * Whether a 429, or a 503 with `Retry-After`, pauses and slows the origin.
   *
   * @default {false}
   */
  backoff?: boolean | undefined;
  /** The run's concurrency: the ramp's target, and the origin cap when `perHost` is not set. */
  concurrency: number;
  /** Ends dispatching, waking any wait. */
  halt?: AbortSignal | undefined;
}

/** What a pace needs to hear of one attempt. */
export interface AttemptReport {
  /** Whether the attempt succeeded. */
  ok: boolean;
  /** The response's status, or 0 when none arrived. */
  status: number;
  /** Milliseconds the server asked to wait (`Retry-After`), 0 when it did not say. */
  retryAfter: number;
}

/**
 * One request admitted: it holds what the request was let through with (a
 * slot of its origin, a place in the concurrency ramp) until it is disposed of.
 *
 * @typeParam T The request.
 */
export interface Permit<T> extends Disposable {
  /** The request. */
  readonly item: T;
  /** With a rate: when it was due, in milliseconds since the epoch. */
  readonly due: number | undefined;
  /** With a rate: no slot was free at its due time. */
  readonly late: boolean;
  /**
   * Reports how an attempt ended and gives back the origin slot it held: a
   * success lets the origin's concurrency climb back a step; with backoff, a
   * 429 halves it and a `Retry-After` pauses the origin.
   *
   * @param attempt The attempt's {@linkcode AttemptReport}.
   */
  report(attempt: AttemptReport): void;
  /**
   * Waits to be admitted again for a retry (an origin slot, once the origin's pause is over).
   *
   * @param signal Gives up waiting.
   * @returns Whether the request may go on (not when `signal` aborted).
   */
  retry(signal?: AbortSignal): Promise<boolean>;
}

/**
 * Lets requests through: one {@linkcode Permit} per request.
 *
 * @typeParam T The requests: anything with a `url`.
 */
export interface Pace<T extends { url: string }> extends Disposable {
  /**
   * The permits for the requests of `items`, each when its request may
   * start; sync when nothing holds the requests back and `items` is sync.
   *
   * @param items The requests, pulled one at a time.
   * @returns One permit per request let through.
   */
  permits(items: Iterable<T> | AsyncIterable<T>): Iterable<Permit<T>> | AsyncIterable<Permit<T>>;
}

/**
 * Makes the pace these options ask for: one that lets every request through
 * at once when they ask for nothing.
 *
 * @typeParam T The requests.
 * @param options The {@linkcode PaceOptions}.
 * @returns The pace.
 * @throws {RangeError} When an option is out of range.
 *
 * @example Five requests at 100 per second take about 40 ms
 * ```ts
 * import { createPace } from "./pace.ts";
 * import assert from "node:assert/strict";
 *
 * using pace = createPace({ rate: 100, concurrency: 10 });
 * const items = [0, 1, 2, 3, 4].map((index) => ({ url: `http://a/${index}` }));
 * const due: number[] = [];
 * for await (using permit of pace.permits(items)) due.push(permit.due!);
 * assert.deepEqual(due.map((time) => Math.round(time - due[0]!)), [0, 10, 20, 30, 40]);
 * ```
 *
 * @example Nothing asked: every request at once, in order
 * ```ts
 * import { createPace } from "./pace.ts";
 * import assert from "node:assert/strict";
 *
 * using pace = createPace({ concurrency: 10 });
 * const permits = pace.permits([{ url: "http://a/0" }, { url: "http://a/1" }]);
 * assert.deepEqual([...(permits as Iterable<{ item: unknown }>)].map((p) => p.item), [
 *   { url: "http://a/0" },
 *   { url: "http://a/1" },
 * ]);
 * ```
 */
export function createPace<T extends { url: string }>(options: PaceOptions): Pace<T> {
  const { rate, ramp, duration, perHost, backoff = false } = options;
  const asked = rate !== undefined || ramp !== undefined || duration !== undefined ||
    perHost !== undefined || backoff;
  return asked ? new PacedAdmission<T>(options) : UNPACED as Pace<T>;
}

/** A pace that holds nothing back: its permits do nothing. */
class Unpaced implements Pace<{ url: string }> {
  permits(
    items: Iterable<{ url: string }> | AsyncIterable<{ url: string }>,
  ): Iterable<Permit<{ url: string }>> | AsyncIterable<Permit<{ url: string }>> {
    return Symbol.asyncIterator in items ? permitsOf(items) : syncPermitsOf(items);
  }

  [Symbol.dispose](): void {}
}

const UNPACED = new Unpaced();

/** A permit that holds nothing. */
class FreePermit<T> implements Permit<T> {
  readonly item: T;
  get due(): undefined {
    return undefined;
  }
  get late(): false {
    return false;
  }

  constructor(item: T) {
    this.item = item;
  }

  report(): void {}

  retry(signal?: AbortSignal): Promise<boolean> {
    return Promise.resolve(!signal?.aborted);
  }

  [Symbol.dispose](): void {}
}

function* syncPermitsOf<T>(items: Iterable<T>): Generator<Permit<T>> {
  for (const item of items) yield new FreePermit(item);
}

async function* permitsOf<T>(items: AsyncIterable<T>): AsyncGenerator<Permit<T>> {
  for await (const item of items) yield new FreePermit(item);
}
