/**
 * The one-line progress display on a terminal.
 *
 * @module
 */

import type { Summary } from "../summary.ts";

export const PROGRESS_INTERVAL_MS = 250;

/** A one-line progress display on a terminal's stderr. */
export class Progress {
  #summary: Summary;
  #total: number | undefined;
  #started = performance.now();
  #timer: ReturnType<typeof setInterval>;
  #encoder = new TextEncoder();

  constructor(summary: Summary, total: number | undefined) {
    this.#summary = summary;
    this.#total = total;
    this.#timer = setInterval(() => this.#draw(), PROGRESS_INTERVAL_MS);
  }

  #draw(): void {
    const { count, ok, failed } = this.#summary;
    const elapsed = (performance.now() - this.#started) / 1000;
    const of = this.#total === undefined ? "" : `/${this.#total}`;
    const line = `\r\x1b[K${count}${of} done, ${ok} ok, ${failed} failed, ` +
      `${Math.round(count / elapsed)} requests/s, ${elapsed.toFixed(1)} s`;
    Deno.stderr.writeSync(this.#encoder.encode(line));
  }

  close(): void {
    clearInterval(this.#timer);
    Deno.stderr.writeSync(this.#encoder.encode("\r\x1b[K"));
  }
}
