/**
 * A per-key limiter: at most a few holders per key at once, a key can be
 * paused until a given time, and each key's limit adapts (AIMD: it halves on
 * {@linkcode KeyLimiter.decrease} and climbs back one step per window of
 * {@linkcode KeyLimiter.increase}s). Nothing here knows about HTTP.
 *
 * @module
 */

/** Options for {@linkcode KeyLimiter}. */
export interface KeyLimiterOptions {
  /**
   * Called when a key may have a free slot again: a release, the end of a
   * pause, a raised limit. Lets a dispatcher that uses
   * {@linkcode KeyLimiter.tryAcquire} know when to look again.
   */
  onAvailable?: (key: string) => void;
}

/** Options for {@linkcode KeyLimiter.acquire}. */
export interface KeyLimiterAcquireOptions {
  /** Gives up waiting when it aborts: the promise rejects with its reason. */
  signal?: AbortSignal;
}

interface Entry {
  active: number;
  limit: number;
  /** Increases since the limit last rose. */
  credit: number;
  /** Until when the key is paused, in ms since the epoch. */
  pausedUntil: number;
  /** When the limit was last lowered, in ms since the epoch. */
  decreasedAt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Waiters in arrival order (a Set keeps insertion order and deletes in O(1)). */
  waiters: Set<() => void>;
}

/**
 * Limits holders per key. A key with nothing held, nothing waiting, no pause
 * and its full limit is forgotten, so memory grows with the keys in use, not
 * with the keys ever seen.
 *
 * @example At most two per key, and a pause
 * ```ts
 * import { KeyLimiter } from "./key_limiter.ts";
 * import assert from "node:assert/strict";
 *
 * using limiter = new KeyLimiter(2);
 * assert.ok(limiter.tryAcquire("a"));
 * assert.ok(limiter.tryAcquire("a"));
 * assert.equal(limiter.tryAcquire("a"), false);
 * assert.ok(limiter.tryAcquire("b"));
 * limiter.release("a");
 * limiter.pause("a", Date.now() + 60_000);
 * assert.equal(limiter.tryAcquire("a"), false);
 * ```
 *
 * @example The limit halves, then recovers one step per window of successes
 * ```ts
 * import { KeyLimiter } from "./key_limiter.ts";
 * import assert from "node:assert/strict";
 *
 * using limiter = new KeyLimiter(8);
 * limiter.decrease("a");
 * assert.equal(limiter.limit("a"), 4);
 * for (let i = 0; i < 4; i++) limiter.increase("a");
 * assert.equal(limiter.limit("a"), 5);
 * ```
 */
export class KeyLimiter implements Disposable {
  /** The most holders per key, and the limit each key recovers to. */
  readonly max: number;
  #entries = new Map<string, Entry>();
  #onAvailable: ((key: string) => void) | undefined;

  /**
   * Creates a limiter of at most `max` holders per key.
   *
   * @param max Holders per key, a positive integer.
   * @param options The {@linkcode KeyLimiterOptions}.
   * @throws {RangeError} When `max` is not a positive integer.
   */
  constructor(max: number, options: KeyLimiterOptions = {}) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(
        `Cannot create key limiter as 'max' must be a positive integer: current value is ${max}`,
      );
    }
    this.max = max;
    this.#onAvailable = options.onAvailable;
  }

  /** Keys remembered now: held, waited for, paused or below their full limit. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The current limit of `key`.
   *
   * @param key The key.
   * @returns Its limit, from 1 to `max`.
   */
  limit(key: string): number {
    return this.#entries.get(key)?.limit ?? this.max;
  }

  /**
   * Holders of `key` now.
   *
   * @param key The key.
   * @returns How many hold it.
   */
  active(key: string): number {
    return this.#entries.get(key)?.active ?? 0;
  }

  /**
   * Until when `key` is paused.
   *
   * @param key The key.
   * @returns Milliseconds since the epoch; in the past (or 0) when it is not paused.
   */
  pausedUntil(key: string): number {
    return this.#entries.get(key)?.pausedUntil ?? 0;
  }

  /**
   * Takes a slot of `key` if one is free, the key is not paused and nobody waits for it.
   *
   * @param key The key.
   * @returns Whether a slot was taken; give it back with {@linkcode KeyLimiter.release}.
   */
  tryAcquire(key: string): boolean {
    const entry = this.#entries.get(key);
    if (!entry) {
      this.#entries.set(key, newEntry(this.max));
      return true;
    }
    if (entry.waiters.size > 0 || !this.#free(entry)) return false;
    entry.active++;
    return true;
  }

  /**
   * Waits for a slot of `key`, first come first served among waiters, ahead of
   * {@linkcode KeyLimiter.tryAcquire}.
   *
   * @param key The key.
   * @param options `signal` gives up waiting.
   * @returns A promise that resolves once a slot is taken.
   */
  acquire(key: string, options: KeyLimiterAcquireOptions = {}): Promise<void> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.tryAcquire(key)) return Promise.resolve();
    const entry = this.#entries.get(key)!;
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const onAbort = () => {
      entry.waiters.delete(grant);
      this.#forget(key, entry);
      reject(signal!.reason);
    };
    const grant = () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    entry.waiters.add(grant);
    return promise;
  }

  /**
   * Gives back a slot of `key`, to its longest waiter if there is one.
   *
   * @param key The key.
   * @throws {Error} When no slot of `key` is held.
   */
  release(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry || entry.active === 0) {
      throw new Error(`Cannot release key '${key}' as no slot of it is held`);
    }
    entry.active--;
    this.#wake(key, entry);
  }

  /**
   * Pauses `key`: no slot is handed out before `until`. A pause never shortens one already set.
   *
   * @param key The key.
   * @param until Milliseconds since the epoch.
   */
  pause(key: string, until: number): void {
    const entry = this.#entry(key);
    if (until <= entry.pausedUntil || until <= Date.now()) return;
    entry.pausedUntil = until;
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      this.#wake(key, entry);
    }, until - Date.now());
  }

  /**
   * Halves the limit of `key` (down to 1), from its holders now when they are
   * fewer than the limit, at most once per outcome: a signal from a holder
   * that took its slot before the last decrease is already accounted for and
   * changes nothing.
   *
   * @param key The key.
   * @param since When the holder that saw the signal took its slot, in ms since the epoch.
   * @returns Whether the limit was lowered.
   */
  decrease(key: string, since: number = Date.now()): boolean {
    const entry = this.#entry(key);
    if (since < entry.decreasedAt) return false;
    const base = entry.active > 0 ? Math.min(entry.limit, entry.active) : entry.limit;
    entry.limit = Math.max(1, Math.floor(base / 2));
    entry.credit = 0;
    entry.decreasedAt = Date.now();
    return true;
  }

  /**
   * Counts a success of `key`: after as many successes as its limit, the limit rises by one.
   *
   * @param key The key.
   */
  increase(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry || entry.limit >= this.max) return;
    if (++entry.credit < entry.limit) return;
    entry.limit++;
    entry.credit = 0;
    this.#wake(key, entry);
  }

  /** Clears the pause timers; waiters are left waiting. */
  [Symbol.dispose](): void {
    for (const entry of this.#entries.values()) clearTimeout(entry.timer);
  }

  #entry(key: string): Entry {
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = newEntry(this.max);
      entry.active = 0;
      this.#entries.set(key, entry);
    }
    return entry;
  }

  #free(entry: Entry): boolean {
    return entry.active < entry.limit && entry.pausedUntil <= Date.now();
  }

  /** Hands free slots to waiters, then tells the dispatcher, then forgets an idle key. */
  #wake(key: string, entry: Entry): void {
    if (entry.timer === undefined && entry.pausedUntil > Date.now()) {
      // Timers can fire a little early: look again when the pause is really over.
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        this.#wake(key, entry);
      }, entry.pausedUntil - Date.now() + 1);
      return;
    }
    for (const grant of entry.waiters) {
      if (!this.#free(entry)) return;
      entry.waiters.delete(grant);
      entry.active++;
      grant();
    }
    if (this.#free(entry)) this.#onAvailable?.(key);
    this.#forget(key, entry);
  }

  #forget(key: string, entry: Entry): void {
    if (
      entry.active === 0 && entry.waiters.size === 0 && entry.limit === this.max &&
      entry.timer === undefined && entry.pausedUntil <= Date.now()
    ) this.#entries.delete(key);
  }
}

function newEntry(max: number): Entry {
  return {
    active: 1,
    limit: max,
    credit: 0,
    pausedUntil: 0,
    decreasedAt: 0,
    timer: undefined,
    waiters: new Set(),
  };
}
