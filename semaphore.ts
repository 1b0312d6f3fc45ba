/**
 * A FIFO {@linkcode Semaphore} with the shape of `@std/async`'s, and, re-exported
 * from `async/pooled_map.ts`, {@linkcode pooledMap} and {@linkcode pooledMapSettled}.
 * Nothing here knows about HTTP.
 *
 * @example Map over items with at most two in flight
 * ```ts
 * import { pooledMap } from "./semaphore.ts";
 * import assert from "node:assert/strict";
 *
 * const doubled = await Array.fromAsync(pooledMap([1, 2, 3], (n) => Promise.resolve(n * 2), 2));
 * assert.deepEqual(doubled, [2, 4, 6]);
 * ```
 *
 * @module
 */

import { Queue } from "./async/queue.ts";

export {
  pooledMap,
  type PooledMapOptions,
  pooledMapSettled,
  type PooledMapSettledOptions,
} from "./async/pooled_map.ts";

/**
 * A counting semaphore. Waiters are served first come first served.
 *
 * @example Hold a permit for the length of a block
 * ```ts
 * import { Semaphore } from "./semaphore.ts";
 * import assert from "node:assert/strict";
 *
 * const semaphore = new Semaphore(1);
 * {
 *   using _permit = await semaphore.acquire();
 *   assert.equal(semaphore.tryAcquire(), null);
 * }
 * assert.notEqual(semaphore.tryAcquire(), null);
 * ```
 */
export class Semaphore {
  #available: number;
  #max: number;
  /** Waiters in arrival order; a waiter whose signal aborted stays as a tombstone until passed. */
  #waiters = new Queue<Waiter>();
  #waiting = 0;

  /**
   * Creates a semaphore with `max` permits.
   *
   * @param max The number of permits, a positive integer.
   * @throws {RangeError} When `max` is not a positive integer.
   */
  constructor(max = 1) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(
        `Cannot create semaphore as 'max' must be a positive integer: current value is ${max}`,
      );
    }
    this.#available = max;
    this.#max = max;
  }

  /** The number of permits that can be acquired without waiting. */
  get available(): number {
    return this.#available;
  }

  /** The number of callers waiting in {@linkcode Semaphore.acquire}. */
  get waiting(): number {
    return this.#waiting;
  }

  /**
   * Waits for a permit. Dispose of the result (or call
   * {@linkcode Semaphore.release}) to give it back.
   *
   * @param options `signal` gives up waiting: the promise rejects with its reason.
   * @returns A promise for a permit that releases itself, once, when disposed of.
   */
  acquire(options: SemaphoreAcquireOptions = {}): Promise<Disposable> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#available > 0) {
      this.#available--;
      return Promise.resolve(this.#permit());
    }
    const { promise, resolve, reject } = Promise.withResolvers<Disposable>();
    const onAbort = () => {
      waiter.cancelled = true;
      this.#waiting--;
      reject(signal!.reason);
    };
    const waiter: Waiter = {
      cancelled: false,
      grant: () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(this.#permit());
      },
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#waiters.push(waiter);
    this.#waiting++;
    return promise;
  }

  /**
   * Takes a permit if one is free, without waiting.
   *
   * @returns A permit that releases itself, once, when disposed of, or `null` when none is free.
   */
  tryAcquire(): Disposable | null {
    if (this.#available === 0) return null;
    this.#available--;
    return this.#permit();
  }

  /**
   * Gives a permit back, handing it straight to the longest waiter if there is one.
   *
   * @throws {Error} When more permits are released than were acquired.
   */
  release(): void {
    for (let waiter = this.#waiters.shift(); waiter; waiter = this.#waiters.shift()) {
      if (waiter.cancelled) continue;
      this.#waiting--;
      return waiter.grant();
    }
    if (this.#available === this.#max) {
      throw new Error("Cannot release semaphore as no permit is held");
    }
    this.#available++;
  }

  #permit(): Disposable {
    let held = true;
    return {
      [Symbol.dispose]: () => {
        if (!held) return;
        held = false;
        this.release();
      },
    };
  }
}

/** Options for {@linkcode Semaphore.acquire}. */
export interface SemaphoreAcquireOptions {
  /** Gives up waiting when it aborts. */
  signal?: AbortSignal;
}

interface Waiter {
  cancelled: boolean;
  grant(): void;
}
