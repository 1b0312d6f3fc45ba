/**
 * Timeouts for very many requests at a low cost: requests that start within
 * the same short window share one abort signal, so a run keeps a few dozen
 * timers alive instead of one per request.
 *
 * @module
 */

/**
 * Hands out abort signals that fire between `timeout` and
 * `timeout + granularity` milliseconds after {@linkcode Deadlines.signal} is
 * called, with `granularity` a twentieth of the timeout, at most 250 ms. The
 * signals also abort when `parent` does.
 *
 * @example
 * ```ts
 * import { Deadlines } from "./deadline.ts";
 * import assert from "node:assert/strict";
 *
 * using deadlines = new Deadlines(20);
 * const signal = deadlines.signal();
 * await new Promise((resolve) => signal.addEventListener("abort", resolve));
 * assert.equal(signal.reason.name, "TimeoutError");
 * assert.equal(signal.reason.message, "no answer within the 20 ms timeout");
 * ```
 */
export class Deadlines implements Disposable {
  #timeout: number;
  #granularity: number;
  #parent: AbortSignal | undefined;
  #current: AbortController | undefined;
  #currentUntil = 0;
  #pending = new Map<ReturnType<typeof setTimeout>, AbortController>();
  #onParentAbort = () => {
    for (const controller of this.#pending.values()) controller.abort(this.#parent!.reason);
  };

  /**
   * Creates the signal source.
   *
   * @param timeout Milliseconds until a signal aborts with a `TimeoutError`.
   * @param parent A signal that aborts every signal handed out.
   */
  constructor(timeout: number, parent?: AbortSignal) {
    this.#timeout = timeout;
    this.#granularity = Math.min(250, timeout / 20);
    this.#parent = parent;
    parent?.addEventListener("abort", this.#onParentAbort, { once: true });
  }

  /**
   * A signal for a request that starts now.
   *
   * @returns The signal.
   */
  signal(): AbortSignal {
    const now = performance.now();
    if (this.#current === undefined || now >= this.#currentUntil) {
      const controller = new AbortController();
      if (this.#parent?.aborted) controller.abort(this.#parent.reason);
      const timer = setTimeout(() => {
        this.#pending.delete(timer);
        const timeout = this.#timeout >= 1000 ? `${this.#timeout / 1000} s` : `${this.#timeout} ms`;
        controller.abort(
          new DOMException(`no answer within the ${timeout} timeout`, "TimeoutError"),
        );
      }, this.#timeout + this.#granularity);
      this.#pending.set(timer, controller);
      this.#current = controller;
      this.#currentUntil = now + this.#granularity;
    }
    return this.#current.signal;
  }

  /** Clears the pending timers; signals handed out no longer time out. */
  [Symbol.dispose](): void {
    for (const timer of this.#pending.keys()) clearTimeout(timer);
    this.#pending.clear();
    this.#current = undefined;
    this.#parent?.removeEventListener("abort", this.#onParentAbort);
  }
}
