/**
 * The shapes of a `Timeline` (`timeline.ts`): its options, its plain-data form
 * for the HTML report, and its state for crossing threads.
 *
 * @module
 */

import type { HistogramState } from "./histogram.ts";

/** Options for `Timeline` (`timeline.ts`). */
export interface TimelineOptions {
  /**
   * The most buckets kept; past it, buckets double in width.
   *
   * @default {600}
   */
  maxBuckets?: number;
  /**
   * The narrowest bucket in milliseconds.
   *
   * @default {1000}
   */
  bucketMs?: number;
}

/** The timeline as plain data: one array entry per bucket, oldest first. */
export interface TimelineJson {
  /** The width of a bucket in milliseconds. */
  bucketMs: number;
  /** When the first bucket starts, in milliseconds since the epoch. */
  startMs: number;
  /** Requests started in each bucket. */
  started: number[];
  /** Requests finished in each bucket. */
  finished: number[];
  /** The mean number of requests in flight over each bucket. */
  inFlight: number[];
  /**
   * Latency percentiles (ms) of the successful requests started in each
   * bucket, from their due time when they had one; null when none.
   */
  p50: (number | null)[];
  /** 90th percentile, as `p50`. */
  p90: (number | null)[];
  /** 99th percentile, as `p50`. */
  p99: (number | null)[];
  /** Requests finished in each bucket by outcome: an HTTP status, or an error kind without one. */
  outcomes: Record<string, number[]>;
  /** Body bytes of the requests finished in each bucket. */
  bytes: number[];
  /** With a rate: requests started in each bucket more than 2 ms after their due time. */
  late: number[];
  /**
   * With a rate: requests due in each bucket that were never sent (see
   * `Timeline.addDropped`).
   */
  dropped: number[];
  /** The earliest start, in ms since the epoch: the first bucket may begin before it. */
  firstMs: number;
  /** The latest end, in ms since the epoch: the last bucket may end after it. */
  endMs: number;
}

/** A `Timeline` (`timeline.ts`) as plain data, for `postMessage`; see `Timeline.toState`. */
export interface TimelineState {
  /** The most buckets kept. */
  maxBuckets: number;
  /** The current bucket width in milliseconds. */
  bucketMs: number;
  /** The outcomes seen. */
  outcomes: string[];
  /** Each bucket: its key (start / width), counts, busy time, latency and outcomes. */
  buckets: {
    key: number;
    started: number;
    finished: number;
    busyMs: number;
    latency: HistogramState;
    outcomes: [string, number][];
    bytes: number;
    late: number;
    dropped: number;
  }[];
  /** The earliest start and the latest end, in ms since the epoch. */
  span: [number, number];
}
