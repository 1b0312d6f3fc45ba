/**
 * The summary of a run as plain data: what `--json` prints, what `report`
 * and the HTML report read, and what `--fail-if` thresholds are checked on.
 *
 * @module
 */

/**
 * The latency of successful requests, in milliseconds: from each request's
 * due time in a run with a rate, else from its send.
 */
export interface LatencyJson {
  /** Fastest. */
  min: number;
  /** Mean. */
  mean: number;
  /** Median. */
  p50: number;
  /** 90th percentile. */
  p90: number;
  /** 95th percentile. */
  p95: number;
  /** 99th percentile. */
  p99: number;
  /** 99.9th percentile. */
  "p99.9": number;
  /** 99.99th percentile. */
  "p99.99": number;
  /** Slowest. */
  max: number;
  /**
   * The distribution: `counts[i]` requests took from `boundsMs[i]` up to
   * `boundsMs[i + 1]` milliseconds; the counts add up to `ok`.
   */
  histogram: { boundsMs: number[]; counts: number[] };
}

/** One row of the per-host table. */
export interface HostJson {
  /** The host (with its port when the URL names one), or "other" for the rest lumped. */
  host: string;
  /** Requests finished. */
  requests: number;
  /** Of those, successful. */
  ok: number;
  /** Of those, failed. */
  failed: number;
  /** Body bytes received. */
  bytes: number;
  /** The 99th percentile latency of its successful requests, within 6%. */
  p99Ms: number;
}

/** The summary of a run, as `--json` prints it. */
export interface SummaryJson {
  /** Requests finished. */
  count: number;
  /** 2xx responses whose body was read whole. */
  ok: number;
  /** Everything else. */
  failed: number;
  /**
   * With a rate: requests the schedule called for before the run ended that
   * were never sent (no free slot, a saturated client, the duration over);
   * `null` when it cannot be known: a report over a rate run's records,
   * which hold the requests sent, not those the schedule called for.
   */
  dropped: number | null;
  /** From the first request's start to the last one's end. */
  seconds: number;
  /** `count / seconds`. */
  requestsPerSecond: number;
  /** The concurrency limit actually used, when known. */
  concurrency: number | null;
  /** The HTTP version spoken (`http/1.1`, `h2`), when the CLI knows it. */
  protocol?: string;
  /**
   * The latency of successful requests; `null` when none succeeded. With a
   * rate it is timed from each request's due time (as wrk2 does), so a
   * stalled server cannot hide behind requests the client held back
   * (coordinated omission); without one, from the send.
   */
  latencyMs: LatencyJson | null;
  /**
   * With a rate: the service time of successful requests, from the actual
   * send (`null` when none succeeded); absent without a rate, where
   * `latencyMs` is the service time.
   */
  serviceLatencyMs?: LatencyJson | null;
  /** Counts by HTTP status; `0` counts requests that got no response. */
  status: Record<string, number>;
  /** Counts by {@linkcode ErrorKind}. */
  errors: Record<string, number>;
  /** The most common `detail`s of each error kind, most common first, the rest as "other". */
  errorDetails: Record<string, { detail: string; count: number }[]>;
  /** Requests that needed more than one attempt. */
  retried: number;
  /** Attempts sent in all, retries included: at least `count`. */
  attempts: number;
  /** Body bytes received in all. */
  bytes: number;
  /** The busiest hosts by requests, the rest lumped as "other". */
  hosts: HostJson[];
  /** With a rate: requests that started more than 2 ms after their due time (no free slot). */
  late?: number;
}
