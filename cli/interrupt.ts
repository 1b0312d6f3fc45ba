/**
 * Ctrl-C and SIGTERM: a graceful stop, then an abort, then an immediate exit.
 *
 * @module
 */

/** Seconds in-flight requests get to finish after the first interrupt. */
export const GRACE_SECONDS = 2;

/**
 * Ctrl-C and SIGTERM: the first stops dispatching and gives requests in
 * flight a grace period before aborting them; a second saves what it can
 * (`onForceExit`) and exits at once.
 */
export class Interrupt implements Disposable {
  readonly stop: AbortSignal;
  readonly abort: AbortSignal;
  code = 0;
  #stop = new AbortController();
  #abort = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #deadline: ReturnType<typeof setTimeout> | undefined;
  #listeners: [Deno.Signal, () => void][] = [];
  #onForceExit: () => void;

  constructor(onForceExit: () => void) {
    this.#onForceExit = onForceExit;
    this.stop = this.#stop.signal;
    this.abort = this.#abort.signal;
    const signals: [Deno.Signal, number][] = [["SIGINT", 130], ["SIGTERM", 143]];
    for (const [signal, code] of signals) {
      if (Deno.build.os === "windows" && signal === "SIGTERM") continue;
      const listener = () => this.#interrupt(code);
      Deno.addSignalListener(signal, listener);
      this.#listeners.push([signal, listener]);
    }
  }

  #interrupt(code: number): void {
    if (this.code !== 0) {
      this.#onForceExit();
      Deno.exit(this.code);
    }
    this.code = code;
    console.error(`\ninterrupted: finishing requests in flight (${GRACE_SECONDS} s grace)`);
    this.halt();
  }

  /**
   * Stops dispatching and gives requests in flight the grace period before
   * aborting them, as the first interrupt does, with no message and no exit
   * code: for a run that cannot write its output any more.
   */
  halt(): void {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort();
    this.#timer = setTimeout(
      () =>
        this.#abort.abort(stopped(`the run was stopped and its ${GRACE_SECONDS} s grace ran out`)),
      GRACE_SECONDS * 1000,
    );
  }

  /**
   * Aborts the requests still in flight `ms` from now: the end of a
   * `--duration` run (dispatching stops at the duration, then the grace).
   *
   * @param ms Milliseconds from now.
   * @param why Why, for the aborted requests' `detail`.
   */
  abortAfter(ms: number, why: string): void {
    this.#deadline = setTimeout(() => this.#abort.abort(stopped(why)), ms);
  }

  [Symbol.dispose](): void {
    clearTimeout(this.#timer);
    clearTimeout(this.#deadline);
    for (const [signal, listener] of this.#listeners) Deno.removeSignalListener(signal, listener);
  }
}

/** The reason requests in flight are aborted with: their record's `detail` says the tool stopped them. */
function stopped(why: string): DOMException {
  return new DOMException(`stopped by manyreq: ${why}`, "AbortError");
}
