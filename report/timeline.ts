/**
 * A run over time in bounded memory: requests started and finished, requests
 * in flight, latency percentiles and outcomes, per time bucket. Buckets start
 * at one second and double in width (merging pairs) whenever the run would
 * need more than a fixed number, so a run of any length keeps at most that
 * many. Records may arrive in any order, as from several files.
 *
 * @module
 */

import { Histogram } from "./histogram.ts";
import type { RequestRecord } from "../runner/types.ts";
import type { TimelineJson, TimelineOptions, TimelineState } from "./timeline_types.ts";

export type { TimelineJson, TimelineOptions, TimelineState } from "./timeline_types.ts";

/** Distinct outcomes kept; further ones count as "other". */
const MAX_OUTCOMES = 24;
/** Per-bucket latency: 8 sub-buckets per power of two, 2.5 KiB a bucket. */
const BUCKET_PRECISION = 3;

class Bucket {
  started = 0;
  finished = 0;
  /** Milliseconds of requests in flight within the bucket, summed. */
  busyMs = 0;
  latency = new Histogram({ precision: BUCKET_PRECISION });
  outcomes = new Map<string, number>();
  bytes = 0;
  late = 0;
  dropped = 0;

  fold(other: Bucket): void {
    this.bytes += other.bytes;
    this.late += other.late;
    this.dropped += other.dropped;
    this.started += other.started;
    this.finished += other.finished;
    this.busyMs += other.busyMs;
    this.latency.merge(other.latency);
    for (const [key, count] of other.outcomes) {
      this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + count);
    }
  }
}

/**
 * Aggregates request records into time buckets for a picture of the run.
 *
 * @example
 * ```ts
 * import { Timeline } from "./timeline.ts";
 * import assert from "node:assert/strict";
 *
 * const timeline = new Timeline();
 * timeline.add({ index: 0, url: "http://a/", status: 200, start: 0, ms: 1500, bytes: 1, attempts: 1 });
 * timeline.add({ index: 1, url: "http://a/", status: 0, start: 200, ms: 10, bytes: 0, attempts: 1, error: "refused" });
 * const json = timeline.toJSON();
 * assert.deepEqual(json.started, [2, 0]);
 * assert.deepEqual(json.finished, [1, 1]);
 * assert.deepEqual(json.inFlight, [1.01, 0.5]);
 * assert.deepEqual(json.outcomes, { "200": [0, 1], refused: [1, 0] });
 * ```
 */
export class Timeline {
  #maxBuckets: number;
  #width: number;
  #buckets = new Map<number, Bucket>();
  #first = Infinity;
  #last = -Infinity;
  #outcomeKeys = new Set<string>();
  #firstMs = Infinity;
  #endMs = -Infinity;

  /**
   * Creates an empty timeline.
   *
   * @param options The {@linkcode TimelineOptions}.
   * @throws {RangeError} When `maxBuckets` is below 2 or `bucketMs` is not positive.
   */
  constructor(options: TimelineOptions = {}) {
    const { maxBuckets = 600, bucketMs = 1000 } = options;
    if (!Number.isInteger(maxBuckets) || maxBuckets < 2) {
      throw new RangeError(
        `Cannot create timeline as 'maxBuckets' must be an integer of at least 2: current value is ${maxBuckets}`,
      );
    }
    if (!(bucketMs > 0)) {
      throw new RangeError(
        `Cannot create timeline as 'bucketMs' must be positive: current value is ${bucketMs}`,
      );
    }
    this.#maxBuckets = maxBuckets;
    this.#width = bucketMs;
  }

  /**
   * Rebuilds a timeline from {@linkcode Timeline.toState}, such as one a worker posted.
   *
   * @param state The timeline as plain data.
   * @returns The timeline.
   * @ignore Plumbing between threads: the state's shape may change in any release.
   */
  static fromState(state: TimelineState): Timeline {
    const timeline = new Timeline({ maxBuckets: state.maxBuckets, bucketMs: state.bucketMs });
    for (const entry of state.buckets) {
      const bucket = timeline.#bucket(entry.key);
      bucket.started = entry.started;
      bucket.finished = entry.finished;
      bucket.busyMs = entry.busyMs;
      bucket.latency = Histogram.fromState(entry.latency);
      bucket.outcomes = new Map(entry.outcomes);
      bucket.bytes = entry.bytes;
      bucket.late = entry.late;
      bucket.dropped = entry.dropped;
      timeline.#first = Math.min(timeline.#first, entry.key);
      timeline.#last = Math.max(timeline.#last, entry.key);
    }
    for (const key of state.outcomes) timeline.#outcomeKeys.add(key);
    [timeline.#firstMs, timeline.#endMs] = state.span;
    return timeline;
  }

  /**
   * The timeline as plain data that `postMessage` and {@linkcode Timeline.fromState} take.
   *
   * @returns A copy of the timeline's state.
   * @ignore Plumbing between threads: the state's shape may change in any release.
   */
  toState(): TimelineState {
    return {
      maxBuckets: this.#maxBuckets,
      bucketMs: this.#width,
      outcomes: [...this.#outcomeKeys],
      buckets: [...this.#buckets].map(([key, bucket]) => ({
        key,
        started: bucket.started,
        finished: bucket.finished,
        busyMs: bucket.busyMs,
        latency: bucket.latency.toState(),
        outcomes: [...bucket.outcomes],
        bytes: bucket.bytes,
        late: bucket.late,
        dropped: bucket.dropped,
      })),
      span: [this.#firstMs, this.#endMs],
    };
  }

  /** The current width of a bucket in milliseconds. */
  get bucketMs(): number {
    return this.#width;
  }

  #bucket(key: number): Bucket {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = new Bucket();
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Widens buckets until the times `fromMs` to `toMs` fit in at most `maxBuckets`. */
  #cover(fromMs: number, toMs: number): void {
    for (;;) {
      const first = Math.min(this.#first, Math.floor(fromMs / this.#width));
      const last = Math.max(this.#last, Math.floor(toMs / this.#width));
      if (last - first + 1 <= this.#maxBuckets) {
        this.#first = first;
        this.#last = last;
        return;
      }
      this.#widen();
    }
  }

  /** Doubles the width of the buckets, merging pairs. */
  #widen(): void {
    this.#width *= 2;
    const old = this.#buckets;
    this.#buckets = new Map();
    for (const [key, bucket] of old) {
      const merged = this.#buckets.get(Math.floor(key / 2));
      if (merged) merged.fold(bucket);
      else this.#buckets.set(Math.floor(key / 2), bucket);
    }
    if (this.#first !== Infinity) {
      this.#first = Math.floor(this.#first / 2);
      this.#last = Math.floor(this.#last / 2);
    }
  }

  /**
   * Counts one finished request.
   *
   * @param record The request's record.
   */
  add(record: RequestRecord): void {
    const start = record.start;
    const end = start + Math.max(0, record.ms);
    this.#cover(start, end);
    const width = this.#width;
    const startKey = Math.floor(start / width);
    const endKey = Math.floor(end / width);
    const first = this.#bucket(startKey);
    first.started++;
    if (record.late) first.late++;
    if (start < this.#firstMs) this.#firstMs = start;
    if (end > this.#endMs) this.#endMs = end;
    if (record.error === undefined) {
      // With a rate, latency is timed from the due time, as in the summary.
      const due = record.due;
      first.latency.record(due === undefined ? record.ms : Math.max(record.ms, end - due));
    }
    const last = startKey === endKey ? first : this.#bucket(endKey);
    last.finished++;
    last.bytes += record.bytes;
    let outcome = record.error === undefined || record.error === "http_status"
      ? String(record.status)
      : record.error;
    if (!this.#outcomeKeys.has(outcome)) {
      if (this.#outcomeKeys.size >= MAX_OUTCOMES) outcome = "other";
      this.#outcomeKeys.add(outcome);
    }
    last.outcomes.set(outcome, (last.outcomes.get(outcome) ?? 0) + 1);
    // Time in flight, spread over the buckets the request spans (at most maxBuckets).
    for (let key = startKey; key <= endKey; key++) {
      const from = Math.max(start, key * width);
      const to = Math.min(end, (key + 1) * width);
      if (to > from) this.#bucket(key).busyMs += to - from;
    }
  }

  /**
   * Counts a request the rate schedule called for but that was never sent,
   * in the bucket of its due time (it has no record).
   *
   * @param due When it was due, in ms since the epoch.
   *
   * @example
   * ```ts
   * import { Timeline } from "./timeline.ts";
   * import assert from "node:assert/strict";
   *
   * const timeline = new Timeline();
   * timeline.add({ index: 0, url: "http://a/", status: 200, start: 0, ms: 10, bytes: 1, attempts: 1, due: 0 });
   * timeline.addDropped(1500);
   * assert.deepEqual(timeline.toJSON().dropped, [0, 1]);
   * ```
   */
  addDropped(due: number): void {
    this.#cover(due, due);
    this.#bucket(Math.floor(due / this.#width)).dropped++;
    if (due > this.#endMs) this.#endMs = due;
  }

  /**
   * Adds another timeline's buckets to this one; both must have been made
   * with the same `bucketMs`.
   *
   * @param other The timeline to add; it is left as it was.
   */
  merge(other: Timeline): void {
    while (this.#width < other.#width) this.#widen();
    for (const [key, bucket] of other.#buckets) {
      const fromMs = key * other.#width;
      this.#cover(fromMs, fromMs + other.#width - 1);
      const copy = new Bucket();
      copy.fold(bucket);
      this.#bucket(Math.floor(fromMs / this.#width)).fold(copy);
    }
    for (const key of other.#outcomeKeys) this.#outcomeKeys.add(key);
    this.#firstMs = Math.min(this.#firstMs, other.#firstMs);
    this.#endMs = Math.max(this.#endMs, other.#endMs);
  }

  /**
   * The timeline as plain data, every bucket from the first to the last.
   *
   * @returns The {@linkcode TimelineJson}.
   */
  toJSON(): TimelineJson {
    const json: TimelineJson = {
      bucketMs: this.#width,
      startMs: this.#first === Infinity ? 0 : this.#first * this.#width,
      started: [],
      finished: [],
      inFlight: [],
      p50: [],
      p90: [],
      p99: [],
      outcomes: {},
      bytes: [],
      late: [],
      dropped: [],
      firstMs: this.#firstMs === Infinity ? 0 : this.#firstMs,
      endMs: this.#endMs === -Infinity ? 0 : this.#endMs,
    };
    const keys = [...this.#outcomeKeys].sort((a, b) => {
      const numeric = Number(a) - Number(b);
      return Number.isNaN(numeric) ? (a < b ? -1 : 1) : numeric;
    });
    for (const key of keys) json.outcomes[key] = [];
    const round = (value: number) => Math.round(value * 100) / 100;
    for (let key = this.#first; key <= this.#last; key++) {
      const bucket = this.#buckets.get(key) ?? new Bucket();
      json.started.push(bucket.started);
      json.finished.push(bucket.finished);
      json.inFlight.push(round(bucket.busyMs / this.#width));
      const none = bucket.latency.count === 0;
      json.p50.push(none ? null : round(bucket.latency.percentile(50)));
      json.p90.push(none ? null : round(bucket.latency.percentile(90)));
      json.p99.push(none ? null : round(bucket.latency.percentile(99)));
      for (const outcome of keys) json.outcomes[outcome]!.push(bucket.outcomes.get(outcome) ?? 0);
      json.bytes.push(bucket.bytes);
      json.late.push(bucket.late);
      json.dropped.push(bucket.dropped);
    }
    return json;
  }
}

/**
 * Counts per bucket as rates per second. A partial first or last bucket (the
 * run began or ended inside it) is divided by the time it covers, at least a
 * quarter of a bucket, so it is not drawn as a dip.
 *
 * @param timeline The timeline.
 * @param values One count per bucket, such as `timeline.started`.
 * @returns One rate per bucket, to the hundredth.
 *
 * @example The last 300 ms of a run hold 30 requests: 100 a second, not 30
 * ```ts
 * import { ratePerSecond, Timeline } from "./timeline.ts";
 * import assert from "node:assert/strict";
 *
 * const timeline = new Timeline();
 * for (let i = 0; i < 130; i++) {
 *   timeline.add({ index: i, url: "http://a/", status: 200, start: i * 10, ms: 10, bytes: 1, attempts: 1 });
 * }
 * const json = timeline.toJSON();
 * assert.deepEqual(json.started, [100, 30]);
 * assert.deepEqual(ratePerSecond(json, json.started), [100, 100]);
 * ```
 */
export function ratePerSecond(timeline: TimelineJson, values: readonly number[]): number[] {
  const step = timeline.bucketMs;
  return values.map((value, i) => {
    const from = Math.max(timeline.firstMs, timeline.startMs + i * step);
    const to = Math.min(timeline.endMs, timeline.startMs + (i + 1) * step);
    const seconds = Math.max(to - from, step / 4) / 1000;
    return Math.round((value / seconds) * 100) / 100;
  });
}
