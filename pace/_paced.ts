/**
 * The pace that holds requests back: a rate schedule, a duration, a ramp, a
 * cap per origin with a bounded look-ahead, and host-wide backoff. Made by
 * `createPace` in `pace.ts`, which documents it.
 *
 * @module
 */

import { KeyLimiter } from "./key_limiter.ts";
import { Queue } from "../async/queue.ts";
import { sleep } from "../async/sleep.ts";
import { ON_TIME_MS, RateSchedule } from "./rate_schedule.ts";
import { originOf } from "../sources/url_parts.ts";
import type { AttemptReport, Pace, PaceOptions, Permit } from "./pace.ts";

/**
 * Requests held back for busy origins at first, while later ones for other
 * origins go ahead; the lookahead grows by as many every {@linkcode GROW_MS}
 * that it stays full, up to {@linkcode HELD_BYTES}. So a single busy origin
 * is not read far ahead at once for nothing, and a throttled origin sorted
 * first holds back the next only for a moment.
 */
export const LOOKAHEAD = 1000;
/**
 * Memory, in bytes (estimated), that held requests may take: about 150,000
 * URLs of 100 characters. Past it, the source is read no further until a
 * held request leaves: memory stays bounded, and the other origins wait.
 */
export const HELD_BYTES = 32 * 1024 * 1024;
/** Milliseconds a full lookahead waits before it grows by {@linkcode LOOKAHEAD}. */
const GROW_MS = 50;
/** What one held request costs beyond its URL and body: its object, its queue slot. */
const HELD_OVERHEAD = 96;
/** A request this close to its due time (ms) starts at once: timers are not finer. */
const EARLY_MS = 1;
/** The longest pause a `Retry-After` sets, in milliseconds. */
const MAX_PAUSE_MS = 30_000;

/**
 * A pace that holds requests to a rate, a duration, a ramp, a cap per
 * origin and host-wide backoff.
 *
 * @typeParam T The requests: anything with a `url`.
 *
 * @example A cap of one per origin: the second permit waits for the first
 * ```ts
 * import { PacedAdmission } from "./_paced.ts";
 * import assert from "node:assert/strict";
 *
 * using pace = new PacedAdmission({ perHost: 1, concurrency: 10 });
 * const permits = pace.permits([{ url: "http://a/0" }, { url: "http://a/1" }]);
 * const iterator = (permits as AsyncIterable<{ item: unknown } & Disposable>)[Symbol.asyncIterator]();
 * const first = (await iterator.next()).value!;
 * const second = iterator.next();
 * first[Symbol.dispose]();
 * assert.deepEqual((await second).value!.item, { url: "http://a/1" });
 * await iterator.return?.();
 * ```
 */
export class PacedAdmission<T extends { url: string }> implements Pace<T> {
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
  /** What this pace's permits share. */
  #shared: Shared;

  /**
   * Makes a pace.
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
    this.#shared = {
      gate: this.#gate,
      backoff,
      end: () => {
        this.#inFlight--;
        if (this.#ramp > 0) this.#wake?.();
      },
    };
    halt?.addEventListener("abort", this.#onHalt);
  }

  /**
   * The permits for the requests of `items` at the pace: each waits for its
   * due time (with a rate), for a slot in the concurrency ramp, and for its
   * origin. A request for a busy origin is held (up to {@linkcode LOOKAHEAD},
   * growing while it stays full, up to {@linkcode HELD_BYTES}) while later
   * requests for other origins go ahead; each origin's requests keep their
   * order.
   *
   * @param items The requests, pulled one at a time.
   * @returns The permits of the requests let through.
   */
  async *permits(
    items: Iterable<T> | AsyncIterable<T>,
  ): AsyncGenerator<Permit<T>, void, undefined> {
    const iterator = Symbol.asyncIterator in items
      ? items[Symbol.asyncIterator]()
      : (items as Iterable<T>)[Symbol.iterator]();
    // Requests held for each busy origin, oldest first.
    const held = new Map<string, Queue<T>>();
    let holding = 0;
    let holdingBytes = 0;
    let lookahead = LOOKAHEAD;
    let fullSince: number | undefined;
    let sourceDone = false;
    try {
      while (!this.#halt?.aborted) {
        const end = this.#end();
        // A ticket due before the end goes out if the loop is back within the jitter allowed.
        if (end !== undefined && now() >= end + (this.#schedule ? ON_TIME_MS : 0)) return;
        if (this.#ramp > 0 && !(await this.#rampSlot())) continue;
        let due: number | undefined;
        let late = false;
        if (this.#schedule) {
          due = this.#schedule.next();
          const end = this.#end()!;
          if (due >= end) return;
          const wait = due - now();
          if (wait < -ON_TIME_MS) late = true;
          else if (wait > EARLY_MS) await sleep(wait, this.#halt); // slots freeing up do not matter here
          if (this.#halt?.aborted) return;
        }
        let item: T | undefined;
        let key: string | undefined;
        if (!this.#gate) {
          const next = await iterator.next();
          if (next.done) {
            sourceDone = true;
            return;
          }
          item = next.value;
        } else {
          while (true) {
            [item, key] = this.#admitHeld(held);
            if (item !== undefined) {
              holding--;
              holdingBytes -= heldCost(item);
              break;
            }
            if (holding < lookahead) fullSince = undefined;
            else if (holdingBytes < HELD_BYTES && fullSince !== undefined) {
              if (now() - fullSince >= GROW_MS) {
                lookahead += LOOKAHEAD;
                fullSince = undefined;
              }
            } else fullSince ??= now();
            if (!sourceDone && holding < lookahead && holdingBytes < HELD_BYTES) {
              const next = await iterator.next();
              if (next.done) {
                sourceDone = true;
                continue;
              }
              key = originOf(next.value.url);
              const queue = held.get(key);
              if (queue === undefined && this.#gate.tryAcquire(key)) {
                item = next.value;
                break;
              }
              const waiting = queue ?? new Queue<T>();
              waiting.push(next.value);
              if (!queue) held.set(key, waiting);
              holding++;
              holdingBytes += heldCost(next.value);
              continue;
            }
            if (sourceDone && holding === 0) return;
            // A full lookahead under the memory budget grows if it is still full in a moment.
            const until = this.#end();
            fullSince ??= now();
            const lookAgain = !sourceDone && holdingBytes < HELD_BYTES
              ? fullSince + GROW_MS
              : undefined;
            await this.#change(
              lookAgain === undefined || until !== undefined && until < lookAgain
                ? until
                : lookAgain,
            );
            if (this.#halt?.aborted) return;
            const end = this.#end();
            if (end !== undefined && now() >= end) return;
            if (due !== undefined && now() > due + ON_TIME_MS) late = true;
          }
        }
        this.#inFlight++;
        const rounded = due === undefined ? undefined : Math.round(due * 1000) / 1000;
        yield new PacedPermit(this.#shared, item, key, rounded, late);
      }
    } finally {
      if (!sourceDone) await iterator.return?.();
    }
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

  /** The first held request whose origin has a free slot, taken out and admitted, with its origin. */
  #admitHeld(held: Map<string, Queue<T>>): [T, string] | [undefined, undefined] {
    for (const [key, queue] of held) {
      if (!this.#gate!.tryAcquire(key)) continue;
      const item = queue.shift()!;
      if (queue.size === 0) held.delete(key);
      return [item, key];
    }
    return [undefined, undefined];
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
}

/** What the permits of one pace share. */
interface Shared {
  /** The per-origin gate, when there is one. */
  gate: KeyLimiter | undefined;
  /** Whether a 429, or a 503 with `Retry-After`, backs the origin off. */
  backoff: boolean;
  /** Called when a request ends: it leaves the concurrency ramp. */
  end: () => void;
}

/** A request let through by a {@linkcode PacedAdmission}: it may hold its origin's slot. */
class PacedPermit<T extends { url: string }> implements Permit<T> {
  readonly item: T;
  readonly due: number | undefined;
  readonly late: boolean;
  #shared: Shared;
  /** The origin, with a gate. */
  #key: string | undefined;
  /** Whether the permit holds a slot of its origin. */
  #holding: boolean;
  /** When the slot was taken, in milliseconds since the epoch. */
  #since: number;

  constructor(
    shared: Shared,
    item: T,
    key: string | undefined,
    due: number | undefined,
    late: boolean,
  ) {
    this.#shared = shared;
    this.item = item;
    this.#key = key;
    this.#holding = key !== undefined;
    this.#since = key === undefined ? 0 : Date.now();
    this.due = due;
    this.late = late;
  }

  report(attempt: AttemptReport): void {
    const { gate, backoff } = this.#shared;
    const key = this.#key;
    if (!this.#holding || gate === undefined || key === undefined) return;
    this.#holding = false;
    const { status, retryAfter, ok } = attempt;
    if (backoff && (status === 429 || status === 503)) {
      if (status === 429) gate.decrease(key, this.#since);
      if (retryAfter > 0) gate.pause(key, Date.now() + Math.min(retryAfter, MAX_PAUSE_MS));
    }
    if (ok) gate.increase(key);
    gate.release(key);
  }

  async retry(signal?: AbortSignal): Promise<boolean> {
    const { gate } = this.#shared;
    const key = this.#key;
    if (gate === undefined || key === undefined || this.#holding) return !signal?.aborted;
    try {
      await gate.acquire(key, signal ? { signal } : {});
    } catch (error) {
      if (signal?.aborted) return false;
      throw error;
    }
    this.#holding = true;
    this.#since = Date.now();
    return true;
  }

  [Symbol.dispose](): void {
    if (this.#holding) this.#shared.gate!.release(this.#key!);
    this.#holding = false;
    this.#shared.end();
  }
}

/** The memory a held request takes, estimated: its URL's characters, its body's bytes, its object. */
function heldCost(item: { url: string; body?: unknown }): number {
  const { body } = item;
  const bodyBytes = typeof body === "string"
    ? body.length * 2
    : body instanceof Uint8Array
    ? body.byteLength
    : 0;
  return HELD_OVERHEAD + item.url.length * 2 + bodyBytes;
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
