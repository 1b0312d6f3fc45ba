/**
 * The live view of a run. On a terminal, one line redrawn four times a
 * second: done of the total (or the time left), in flight, failures, the
 * rate of the last second against the target, late requests and those
 * behind the schedule (due, not sent yet: still behind at the end, they are
 * the dropped), and p50/p99 of the last few seconds (not of the whole run). Elsewhere (a CI log), the same line
 * as plain text every 10 s, so a long run is visibly alive.
 *
 * @module
 */

import { Histogram } from "../report/histogram.ts";
import type { RequestRecord } from "../runner/types.ts";
import type { RateSchedule } from "../pace/rate_schedule.ts";

/** How often the line is redrawn on a terminal. */
export const PROGRESS_INTERVAL_MS = 250;
/** How often a plain line is written when stderr is not a terminal. */
export const PLAIN_INTERVAL_MS = 10_000;
/** The latency shown is of the requests finished in this many last seconds. */
const WINDOW_SECONDS = 5;

/** Options for {@linkcode Progress}. */
export interface ProgressOptions {
  /** Requests the run makes, when known. */
  total?: number | undefined;
  /** Milliseconds the run dispatches for (`--duration`), for the time left. */
  durationMs?: number | undefined;
  /** The run's rate schedule (`--rate`), read for the target and the requests behind it. */
  schedule?: RateSchedule | undefined;
  /** How many requests are in flight now. */
  inFlight?: () => number;
  /** Whether to redraw one line (a terminal) or write a plain line every `intervalMs`. */
  terminal: boolean;
  /**
   * How often to draw.
   *
   * @default {PROGRESS_INTERVAL_MS on a terminal, PLAIN_INTERVAL_MS elsewhere}
   */
  intervalMs?: number;
  /**
   * Where the text goes.
   *
   * @default {writing to stderr}
   */
  write?: (text: string) => void;
  /**
   * The clock, in milliseconds.
   *
   * @default {performance.now}
   */
  clock?: () => number;
  /**
   * The width to cut a terminal's line to.
   *
   * @default {the terminal's columns}
   */
  columns?: () => number;
}

/**
 * The live view of a run: feed it each record with {@linkcode Progress.add}.
 *
 * @example A plain line for a log
 * ```ts
 * import { Progress } from "./progress.ts";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const progress = new Progress({ total: 2, terminal: false, write: (text) => lines.push(text) });
 * progress.add({ index: 0, url: "http://a/", status: 200, start: Date.now(), ms: 12, bytes: 1, attempts: 1 });
 * assert.match(progress.line(), /^1\/2 done, 0 failed, .* p50 12\.0 ms, p99 12\.0 ms \(last 5 s\)/);
 * progress.close();
 * ```
 */
export class Progress {
  #total: number | undefined;
  #durationMs: number | undefined;
  #schedule: RateSchedule | undefined;
  #inFlight: (() => number) | undefined;
  #terminal: boolean;
  #write: (text: string) => void;
  #columns: () => number;
  #clock: () => number;
  #started: number;
  #timer: ReturnType<typeof setInterval>;
  #count = 0;
  #failed = 0;
  #late = 0;
  /** One latency histogram per second, the last `WINDOW_SECONDS` of them, by the second. */
  #seconds: { second: number; latency: Histogram; count: number }[] = [];

  /**
   * Starts drawing.
   *
   * @param options The {@linkcode ProgressOptions}.
   */
  constructor(options: ProgressOptions) {
    const encoder = new TextEncoder();
    const {
      terminal,
      intervalMs = terminal ? PROGRESS_INTERVAL_MS : PLAIN_INTERVAL_MS,
      write = (text: string) => void Deno.stderr.writeSync(encoder.encode(text)),
      columns = () => Deno.consoleSize().columns,
      clock = () => performance.now(),
    } = options;
    this.#clock = clock;
    this.#started = clock();
    this.#total = options.total;
    this.#durationMs = options.durationMs;
    this.#schedule = options.schedule;
    this.#inFlight = options.inFlight;
    this.#terminal = terminal;
    this.#write = write;
    this.#columns = columns;
    this.#timer = setInterval(() => this.#draw(), intervalMs);
  }

  /**
   * Counts one finished request.
   *
   * @param record Its record.
   */
  add(record: RequestRecord): void {
    this.#count++;
    if (record.error !== undefined) this.#failed++;
    if (record.late) this.#late++;
    const bucket = this.#bucket();
    bucket.count++;
    if (record.error === undefined) {
      const due = record.due;
      bucket.latency.record(
        due === undefined ? record.ms : Math.max(record.ms, record.start + record.ms - due),
      );
    }
  }

  /** The current second's bucket, dropping those older than the window. */
  #bucket(): { second: number; latency: Histogram; count: number } {
    const second = Math.floor((this.#clock() - this.#started) / 1000);
    const last = this.#seconds.at(-1);
    if (last?.second === second) return last;
    while (this.#seconds.length > 0 && this.#seconds[0]!.second <= second - WINDOW_SECONDS) {
      this.#seconds.shift();
    }
    const bucket = { second, latency: new Histogram({ precision: 3 }), count: 0 };
    this.#seconds.push(bucket);
    return bucket;
  }

  /**
   * The line as drawn now.
   *
   * @returns One line, without a newline.
   */
  line(): string {
    const now = this.#clock();
    const elapsed = (now - this.#started) / 1000;
    this.#bucket();
    // The last whole second's rate, or the current one's so far in the first second.
    const second = Math.floor(elapsed);
    const previous = this.#seconds.find((bucket) => bucket.second === second - 1);
    const rate = previous
      ? previous.count
      : Math.round((this.#seconds.at(-1)?.count ?? 0) / Math.max(elapsed, 0.001));
    const window = new Histogram({ precision: 3 });
    for (const bucket of this.#seconds) window.merge(bucket.latency);
    const ms = (value: number) =>
      `${value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(1) : value.toFixed(2)} ms`;
    const latency = window.count === 0
      ? "no ok request"
      : `p50 ${ms(window.percentile(50))}, p99 ${ms(window.percentile(99))}`;
    const done = this.#total === undefined ? `${this.#count}` : `${this.#count}/${this.#total}`;
    const inFlight = this.#inFlight === undefined ? "" : `, ${this.#inFlight()} in flight`;
    const schedule = this.#schedule;
    const target = schedule === undefined ? "" : ` of ${Number(schedule.rate.toFixed(2))}/s target`;
    const late = schedule === undefined ? "" : `, ${this.#late} late, ${this.#behind()} behind`;
    const left = this.#durationMs === undefined
      ? ""
      : `, ${Math.ceil(Math.max(0, this.#durationMs / 1000 - elapsed))} s left`;
    return `${done} done${inFlight}, ${this.#failed} failed, ${rate}/s now${target}${late}, ` +
      `${latency} ` +
      `(last ${WINDOW_SECONDS} s), ${elapsed.toFixed(1)} s${left}`;
  }

  /**
   * Requests due by now (before the end of `--duration`, within the total)
   * that no thread has taken from the schedule yet: those still behind when
   * the run ends are its dropped.
   */
  #behind(): number {
    const schedule = this.#schedule!;
    if (schedule.start === undefined) return 0;
    const sinceStart = performance.timeOrigin + performance.now() - schedule.start;
    const due = Math.min(
      schedule.dueBefore(Math.min(sinceStart, this.#durationMs ?? Infinity)),
      this.#total ?? Infinity,
    );
    return Math.max(0, due - schedule.taken);
  }

  #draw(): void {
    const line = this.line();
    if (this.#terminal) {
      this.#write(`\r\x1b[K${line.slice(0, this.#columns() - 1)}`);
    } else {
      this.#write(`progress: ${line}\n`);
    }
  }

  /** Stops drawing and clears a terminal's line. */
  close(): void {
    clearInterval(this.#timer);
    if (this.#terminal) this.#write("\r\x1b[K");
  }
}
