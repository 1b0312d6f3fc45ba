/**
 * The pace of a run, between the request source and the pool: an arrival
 * rate (one {@linkcode RateSchedule}, shareable across threads), a duration,
 * a ramp (of the rate, or of the concurrency when there is no rate), a cap
 * per origin with a bounded look-ahead past requests for a busy origin, and
 * host-wide backoff (a 429, or a 503 with `Retry-After`, pauses the origin
 * and halves its concurrency, which recovers step by step on successes).
 *
 * @module
 */

import { KeyLimiter } from "./key_limiter.ts";
import { RateSchedule } from "./rate_schedule.ts";
import { originOf } from "../sources/url_parts.ts";

/** Options for {@linkcode Pace.from}. */
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
   * Whether a 429 or 503 with `Retry-After` pauses and slows the origin.
   *
   * @default {false}
   */
  backoff?: boolean;
  /** The run's concurrency: the ramp's target, and the origin cap when `perHost` is not set. */
  concurrency: number;
  /** Ends dispatching, waking any wait. */
  halt?: AbortSignal | undefined;
}

/** A request let through, with when it was due and whether it started late. */
export interface Paced<T> {
  /** The request. */
  item: T;
  /** With a rate: when it was due, in milliseconds since the epoch. */
  due?: number;
  /** With a rate: no slot was free at its due time. */
  late?: boolean;
}

/** Requests held back for a busy origin, at most, while later ones go ahead. */
export const LOOKAHEAD = 1000;
/** A request this close to its due time (ms) starts at once: timers are not finer. */
const EARLY_MS = 1;
/**
 * A request is late when its slot came more than this (ms) after its due
 * time: event-loop jitter below that is not counted, though it is in the
 * latency from the scheduled start.
 */
const LATE_MS = 2;
/** The longest pause a `Retry-After` sets, in milliseconds. */
const MAX_PAUSE_MS = 30_000;

/** Requests held for one origin, oldest first. */
interface Held<T> {
  items: (T | undefined)[];
  head: number;
}

/**
 * Lets requests through at the pace asked for. Make one with
 * {@linkcode Pace.from}, feed the pool from {@linkcode Pace.source}, and run
 * each request through {@linkcode Pace.wrap}; with a per-origin gate the
 * request gives its origin slot back after each attempt
 * ({@linkcode Pace.release}) and takes one again before a retry
 * ({@linkcode Pace.readmit}).
 *
 * @typeParam T The requests: anything with a `url`.
 *
 * @example Five requests at 100 per second take about 40 ms
 * ```ts
 * import { Pace } from "./pace.ts";
 * import assert from "node:assert/strict";
 *
 * using pace = Pace.from({ rate: 100, concurrency: 10 })!;
 * const items = [0, 1, 2, 3, 4].map((index) => ({ url: `http://a/${index}` }));
 * const due: number[] = [];
 * for await (const paced of pace.source(items)) due.push(paced.due!);
 * assert.deepEqual(due.map((time) => Math.round(time - due[0]!)), [0, 10, 20, 30, 40]);
 * ```
 */
export class Pace<T extends { url: string }> implements Disposable {
  #schedule: RateSchedule | undefined;
  #ramp: number;
  #duration: number | undefined;
  #concurrency: number;
  #halt: AbortSignal | undefined;
  #gate: KeyLimiter | undefined;
  /** When the run started, for the duration and the concurrency ramp (ms since the epoch). */
  #start = now();
  #inFlight = 0;
  #wake: (() => void) | undefined;

  /**
   * Makes a pace for these options, or nothing when they ask for none.
   *
   * @typeParam T The requests.
   * @param options The {@linkcode PaceOptions}.
   * @returns The pace, or `undefined`.
   * @throws {RangeError} When an option is out of range.
   */
  static from<T extends { url: string }>(options: PaceOptions): Pace<T> | undefined {
    const { rate, ramp, duration, perHost, backoff = false } = options;
    if (rate === undefined && ramp === undefined && duration === undefined) {
      if (perHost === undefined && !backoff) return undefined;
    }
    return new Pace(options);
  }

  /**
   * Makes a pace; {@linkcode Pace.from} makes none when nothing is asked for.
   *
   * @param options The {@linkcode PaceOptions}.
   * @throws {RangeError} When an option is out of range.
   */
  constructor(options: PaceOptions) {
    const { rate, ramp = 0, duration, perHost, backoff = false, concurrency, halt } = options;
    if (duration !== undefined) {
      check("duration", duration, duration > 0 && Number.isFinite(duration), "a positive number");
    }
    check(
      "ramp",
      ramp,
      ramp >= 0 && ramp <= (duration ?? Infinity) && Number.isFinite(ramp),
      "a non-negative number no longer than the duration",
    );
    if (perHost !== undefined) {
      check(
        "perHost",
        perHost,
        Number.isInteger(perHost) && perHost >= 1,
        "a positive integer",
      );
    }
    this.#schedule = typeof rate === "number" ? new RateSchedule(rate, { ramp }) : rate;
    this.#ramp = this.#schedule ? 0 : ramp;
    this.#duration = duration;
    this.#concurrency = concurrency;
    this.#halt = halt;
    if (perHost !== undefined || backoff) {
      this.#gate = new KeyLimiter(Math.min(perHost ?? concurrency, concurrency), {
        onAvailable: () => this.#wake?.(),
      });
    }
    halt?.addEventListener("abort", this.#onHalt);
  }

  /** Whether requests go through a per-origin gate (perHost, backoff). */
  get gated(): boolean {
    return this.#gate !== undefined;
  }

  /**
   * The requests of `items` at the pace: each waits for its due time (with a
   * rate), for a slot in the concurrency ramp, and for its origin. A request
   * for a busy origin is held (up to {@linkcode LOOKAHEAD} in all) while
   * later requests for other origins go ahead; each origin's requests keep
   * their order.
   *
   * @param items The requests, pulled one at a time.
   * @returns The requests let through.
   */
  async *source(items: Iterable<T> | AsyncIterable<T>): AsyncGenerator<Paced<T>, void, undefined> {
    const iterator = Symbol.asyncIterator in items
      ? items[Symbol.asyncIterator]()
      : (items as Iterable<T>)[Symbol.iterator]();
    const held = new Map<string, Held<T>>();
    let holding = 0;
    let sourceDone = false;
    try {
      while (!this.#halt?.aborted) {
        const end = this.#end();
        if (end !== undefined && now() >= end) return;
        if (this.#ramp > 0 && !(await this.#rampSlot())) continue;
        let due: number | undefined;
        let late = false;
        if (this.#schedule) {
          due = this.#schedule.next();
          const end = this.#end()!;
          if (due >= end) return;
          const wait = due - now();
          if (wait < -LATE_MS) late = true;
          else if (wait > EARLY_MS) await this.#sleep(wait);
          if (this.#halt?.aborted) return;
        }
        let item: T | undefined;
        if (!this.#gate) {
          const next = await iterator.next();
          if (next.done) {
            sourceDone = true;
            return;
          }
          item = next.value;
        } else {
          while (true) {
            item = this.#admitHeld(held);
            if (item !== undefined) {
              holding--;
              break;
            }
            if (!sourceDone && holding < LOOKAHEAD) {
              const next = await iterator.next();
              if (next.done) {
                sourceDone = true;
                continue;
              }
              const key = originOf(next.value.url);
              const queue = held.get(key);
              if (queue === undefined && this.#gate.tryAcquire(key)) {
                item = next.value;
                break;
              }
              if (queue) queue.items.push(next.value);
              else held.set(key, { items: [next.value], head: 0 });
              holding++;
              continue;
            }
            if (sourceDone && holding === 0) return;
            await this.#change(this.#end());
            if (this.#halt?.aborted) return;
            const end = this.#end();
            if (end !== undefined && now() >= end) return;
            if (due !== undefined && now() > due + LATE_MS) late = true;
          }
        }
        const paced: Paced<T> = { item };
        if (due !== undefined) {
          paced.due = Math.round(due * 1000) / 1000;
          if (late) paced.late = true;
        }
        yield paced;
      }
    } finally {
      if (!sourceDone) await iterator.return?.();
    }
  }

  /**
   * Wraps the function that makes a request so it counts toward the
   * concurrency ramp and its record carries `due` and `late`.
   *
   * @typeParam R The record.
   * @param fn Makes one request.
   * @returns The function for the pool.
   */
  wrap<R extends { due?: number; late?: boolean }>(
    fn: (item: T) => Promise<R>,
  ): (paced: Paced<T>) => Promise<R> {
    return async (paced) => {
      this.#inFlight++;
      try {
        const record = await fn(paced.item);
        if (paced.due !== undefined) {
          record.due = paced.due;
          if (paced.late) record.late = true;
        }
        return record;
      } finally {
        this.#inFlight--;
        if (this.#ramp > 0) this.#wake?.();
      }
    };
  }

  /**
   * Gives back the origin slot an attempt held; a success lets the origin's
   * concurrency climb back a step.
   *
   * @param url The request's URL.
   * @param ok Whether the attempt succeeded.
   */
  release(url: string, ok: boolean): void {
    if (!this.#gate) return;
    const key = originOf(url);
    if (ok) this.#gate.increase(key);
    this.#gate.release(key);
  }

  /**
   * Takes an origin slot again for a retry, waiting out the origin's pause.
   *
   * @param url The request's URL.
   * @param signal Gives up waiting.
   * @returns Whether a slot was taken (not when `signal` aborted).
   */
  async readmit(url: string, signal: AbortSignal | undefined): Promise<boolean> {
    if (!this.#gate) return true;
    try {
      await this.#gate.acquire(originOf(url), signal ? { signal } : {});
      return true;
    } catch (error) {
      if (signal?.aborted) return false;
      throw error;
    }
  }

  /**
   * Tells the gate an origin pushed back: a 429 halves its concurrency, and a
   * 429 or 503 with `Retry-After` pauses it (all of its slots) until then.
   *
   * @param url The request's URL.
   * @param status The response's status.
   * @param retryAfter Milliseconds the server asked to wait (0 when it did not say).
   * @param sent When the attempt started, in milliseconds since the epoch.
   */
  backoff(url: string, status: number, retryAfter: number, sent: number): void {
    if (!this.#gate || (status !== 429 && status !== 503)) return;
    const key = originOf(url);
    if (status === 429) this.#gate.decrease(key, sent);
    if (retryAfter > 0) this.#gate.pause(key, Date.now() + Math.min(retryAfter, MAX_PAUSE_MS));
  }

  /** Clears timers; requests already let through are not affected. */
  [Symbol.dispose](): void {
    this.#halt?.removeEventListener("abort", this.#onHalt);
    this.#gate?.[Symbol.dispose]();
    this.#wake?.();
  }

  #onHalt = () => this.#wake?.();

  /** When dispatching ends (ms since the epoch), or `undefined` without a duration. */
  #end(): number | undefined {
    if (this.#duration === undefined) return undefined;
    return (this.#schedule?.start ?? this.#start) + this.#duration;
  }

  /** The first held request whose origin has a free slot, taken out and admitted. */
  #admitHeld(held: Map<string, Held<T>>): T | undefined {
    for (const [key, queue] of held) {
      if (!this.#gate!.tryAcquire(key)) continue;
      const item = queue.items[queue.head]!;
      queue.items[queue.head++] = undefined;
      if (queue.head === queue.items.length) held.delete(key);
      return item;
    }
    return undefined;
  }

  /** Waits until the ramped concurrency has room; false when woken early to look again. */
  async #rampSlot(): Promise<boolean> {
    const elapsed = now() - this.#start;
    if (elapsed >= this.#ramp) {
      this.#ramp = 0;
      return true;
    }
    const limit = Math.max(1, Math.ceil(this.#concurrency * elapsed / this.#ramp));
    if (this.#inFlight < limit) return true;
    // The limit reaches inFlight + 1 at this time, unless a request finishes first.
    await this.#change(this.#start + this.#ramp * (this.#inFlight + 1) / this.#concurrency);
    return false;
  }

  /** Waits for a slot to free up, a pause to end, `until` (ms since the epoch), or the halt. */
  async #change(until: number | undefined): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#wake = resolve;
    const timer = until === undefined ? undefined : setTimeout(resolve, until - now());
    try {
      await promise;
    } finally {
      clearTimeout(timer);
      this.#wake = undefined;
    }
  }

  /** Sleeps `ms`, or until the halt: slots freeing up do not matter here. */
  #sleep(ms: number): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    const done = () => resolve();
    const timer = setTimeout(done, ms);
    this.#halt?.addEventListener("abort", done, { once: true });
    return promise.finally(() => {
      clearTimeout(timer);
      this.#halt?.removeEventListener("abort", done);
    });
  }
}

function now(): number {
  return performance.timeOrigin + performance.now();
}

function check(name: string, value: number, valid: boolean, what: string): void {
  if (!valid) {
    throw new RangeError(
      `Cannot pace requests as '${name}' must be ${what}: current value is ${value}`,
    );
  }
}
