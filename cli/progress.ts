/**
 * The one-line progress display on a terminal: done so far, the current
 * rate, p99 so far, errors and elapsed time, cut to the terminal's width.
 *
 * @module
 */

import type { Summary } from "../report/summary.ts";

export const PROGRESS_INTERVAL_MS = 250;
/** The current rate is over this many of the last draws: about a second. */
const RATE_WINDOW = 4;

/** A one-line progress display on a terminal's stderr. */
export class Progress {
  #summary: Summary;
  #total: number | undefined;
  #started = performance.now();
  #timer: ReturnType<typeof setInterval>;
  #encoder = new TextEncoder();
  /** Counts and times of the last draws, for the current rate. */
  #counts: number[] = new Array(RATE_WINDOW).fill(0);
  #times: number[] = new Array(RATE_WINDOW).fill(this.#started);
  #draws = 0;

  constructor(summary: Summary, total: number | undefined) {
    this.#summary = summary;
    this.#total = total;
    this.#timer = setInterval(() => this.#draw(), PROGRESS_INTERVAL_MS);
  }

  #draw(): void {
    const { count, ok, failed } = this.#summary;
    const now = performance.now();
    const slot = this.#draws++ % RATE_WINDOW;
    const rate = (count - this.#counts[slot]!) / ((now - this.#times[slot]!) / 1000);
    this.#counts[slot] = count;
    this.#times[slot] = now;
    const elapsed = (now - this.#started) / 1000;
    const of = this.#total === undefined ? "" : `/${this.#total}`;
    const p99 = ok === 0 ? "-" : `${Math.round(this.#summary.percentile(99) ?? 0)} ms`;
    const line = `${count}${of} done, ${ok} ok, ${failed} failed, ${Math.round(rate)} req/s now, ` +
      `p99 ${p99}, ${elapsed.toFixed(1)} s`;
    const columns = Deno.stderr.isTerminal() ? Deno.consoleSize().columns : 80;
    Deno.stderr.writeSync(this.#encoder.encode(`\r\x1b[K${line.slice(0, columns - 1)}`));
  }

  close(): void {
    clearInterval(this.#timer);
    Deno.stderr.writeSync(this.#encoder.encode("\r\x1b[K"));
  }
}
