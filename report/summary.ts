/**
 * The statistics of a run, in constant memory: counts by status and by error
 * kind with the most common failure details, the latency of successful
 * requests (percentiles and a histogram), bytes, the busiest hosts, and the
 * span of time the requests covered. The same summary comes from a live run or
 * from NDJSON records read back, and summaries merge.
 *
 * @module
 */

import { Histogram, histogramBounds, type HistogramState } from "./histogram.ts";
import type { RequestRecord } from "../runner/types.ts";
import type { HostJson, LatencyJson, SummaryJson } from "./summary_types.ts";
import { authorityEnd, hostOf } from "../sources/url_parts.ts";

export type { HostJson, LatencyJson, SummaryJson } from "./summary_types.ts";
import { TopKeys, type TopKeysState } from "./top_keys.ts";
import {
  detailOptions,
  detailRows,
  type ErrorStats,
  hostOptions,
  HOSTS_SHOWN,
  type HostState,
  type HostStats,
} from "./_tallies.ts";

/** A {@linkcode Summary} as plain data, for `postMessage`; see {@linkcode Summary.toState}. */
export interface SummaryState {
  /** The service time of successful requests, from their send. */
  latency: HistogramState;
  /** Requests finished. */
  count: number;
  /** Counts by status. */
  status: [number, number][];
  /** Counts and details by error kind. */
  errors: [string, number, TopKeysState<number>][];
  /** Requests that needed more than one attempt. */
  retried: number;
  /** Attempts sent in all, retries included. */
  attempts: number;
  /** Body bytes received. */
  bytes: number;
  /** The earliest start, in milliseconds since the epoch. */
  firstStart: number;
  /** The latest end, in milliseconds since the epoch. */
  lastEnd: number;
  /** The host table. */
  hosts: TopKeysState<HostState>;
  /** With a rate: the latency from the due time, the late count and the first due time. */
  scheduled?: { latency: HistogramState; late: number; firstDue: number };
  /** Requests the schedule called for that were never sent. */
  dropped: number;
}

/**
 * Accumulates {@linkcode RequestRecord}s into a summary in bounded memory.
 * Summaries made apart (per worker, per file) {@linkcode Summary.merge} into
 * one, and cross threads as {@linkcode Summary.toState}.
 *
 * @example
 * ```ts
 * import { Summary } from "./summary.ts";
 * import assert from "node:assert/strict";
 *
 * const summary = new Summary();
 * summary.add({ index: 0, url: "http://a/", status: 200, start: 0, ms: 100, bytes: 5, attempts: 1 });
 * const other = new Summary();
 * other.add({ index: 1, url: "http://a/", status: 0, start: 50, ms: 150, bytes: 0, attempts: 1, error: "timeout" });
 * summary.merge(other);
 * const json = summary.toJSON(2);
 * assert.equal(json.failed, 1);
 * assert.equal(json.seconds, 0.2);
 * assert.equal(json.latencyMs?.max, 100);
 * assert.deepEqual(json.errors, { timeout: 1 });
 * ```
 */
export class Summary {
  #latency = new Histogram();
  #count = 0;
  #status = new Map<number, number>();
  #errors = new Map<string, ErrorStats>();
  #retried = 0;
  #attempts = 0;
  #bytes = 0;
  #firstStart = Infinity;
  #lastEnd = -Infinity;
  #hosts = new TopKeys(hostOptions);
  /** The last URL's scheme and authority and its host: most runs aim at one or a few hosts. */
  #lastPrefix = "";
  #lastHost = "";
  /** With a rate (records carry `due`): latency from the due time, late requests. */
  #scheduled: { latency: Histogram; late: number; firstDue: number } | undefined;
  #dropped = 0;

  /**
   * Rebuilds a summary from {@linkcode Summary.toState}, such as one a worker posted.
   *
   * @param state The summary as plain data.
   * @returns The summary.
   * @ignore Plumbing between threads: the state's shape may change in any release.
   */
  static fromState(state: SummaryState): Summary {
    const summary = new Summary();
    summary.#latency = Histogram.fromState(state.latency);
    summary.#count = state.count;
    summary.#status = new Map(state.status);
    for (const [kind, count, details] of state.errors) {
      summary.#errors.set(kind, {
        count,
        details: TopKeys.fromState(details, detailOptions(), (count) => ({ count })),
      });
    }
    summary.#retried = state.retried;
    summary.#attempts = state.attempts;
    summary.#bytes = state.bytes;
    summary.#firstStart = state.firstStart;
    summary.#lastEnd = state.lastEnd;
    summary.#hosts = TopKeys.fromState(state.hosts, hostOptions, (host) => ({
      ...host,
      latency: Histogram.fromState(host.latency),
    }));
    if (state.scheduled) {
      summary.#scheduled = {
        latency: Histogram.fromState(state.scheduled.latency),
        late: state.scheduled.late,
        firstDue: state.scheduled.firstDue,
      };
    }
    summary.#dropped = state.dropped;
    return summary;
  }

  /** Requests added so far. */
  get count(): number {
    return this.#count;
  }

  /** Successful requests added so far. */
  get ok(): number {
    return this.#latency.count;
  }

  /** Failed requests added so far. */
  get failed(): number {
    return this.#count - this.ok;
  }

  /** Requests the schedule called for that were never sent, as {@linkcode Summary.addDropped} counted. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Whether records came with due times (a run with a rate): latency is then timed from them. */
  get scheduled(): boolean {
    return this.#scheduled !== undefined;
  }

  /** With a rate: when the first request was due (the schedule's start), in ms since the epoch. */
  get firstDue(): number | undefined {
    return this.#scheduled?.firstDue;
  }

  /**
   * The latency of the successful requests added so far: from their due time
   * when they had one (a run with a rate), else from their send; or, with
   * `service`, from their send in any case.
   *
   * @param p The percentile, from 0 to 100.
   * @param service Whether to give the service time (from the send).
   * @returns The percentile in milliseconds, or `null` when none succeeded.
   */
  percentile(p: number, service = false): number | null {
    const histogram = service || !this.#scheduled ? this.#latency : this.#scheduled.latency;
    return histogram.count === 0 ? null : histogram.percentile(p);
  }

  /**
   * Counts requests the schedule called for that were never sent.
   *
   * @param count How many.
   */
  addDropped(count: number): void {
    this.#dropped += count;
  }

  /**
   * Counts one finished request.
   *
   * @param record The request's record.
   */
  add(record: RequestRecord): void {
    this.#count++;
    this.#status.set(record.status, (this.#status.get(record.status) ?? 0) + 1);
    const host = this.#hosts.get(this.#hostOf(record.url));
    host.requests++;
    if (record.due !== undefined) this.#addScheduled(record, record.due);
    if (record.error === undefined) {
      this.#latency.record(record.ms);
      host.ok++;
      // The headline latency: from the due time with a rate.
      host.latency.record(
        record.due === undefined ? record.ms : fromDue(record, record.due),
      );
    } else {
      let stats = this.#errors.get(record.error);
      if (stats === undefined) {
        stats = { count: 0, details: new TopKeys(detailOptions()) };
        this.#errors.set(record.error, stats);
      }
      stats.count++;
      if (record.detail) stats.details.get(record.detail).count++;
    }
    this.#bytes += record.bytes;
    host.bytes += record.bytes;
    if (record.attempts > 1) this.#retried++;
    this.#attempts += record.attempts;
    if (record.start < this.#firstStart) this.#firstStart = record.start;
    const end = record.start + record.ms;
    if (end > this.#lastEnd) this.#lastEnd = end;
  }

  #addScheduled(record: RequestRecord, due: number): void {
    this.#scheduled ??= { latency: new Histogram(), late: 0, firstDue: due };
    if (due < this.#scheduled.firstDue) this.#scheduled.firstDue = due;
    if (record.late) this.#scheduled.late++;
    if (record.error === undefined) this.#scheduled.latency.record(fromDue(record, due));
  }

  /** The host of a URL, reusing the last one's without allocating when the prefix matches. */
  #hostOf(url: string): string {
    const end = this.#lastPrefix.length;
    if (end > 0 && url.startsWith(this.#lastPrefix)) {
      const code = url.charCodeAt(end);
      if (Number.isNaN(code) || code === 47 || code === 63 || code === 35) return this.#lastHost;
    }
    const to = authorityEnd(url);
    this.#lastPrefix = url.slice(0, to);
    this.#lastHost = hostOf(url, to);
    return this.#lastHost;
  }

  /**
   * Adds everything another summary counted to this one.
   *
   * @param other The summary to add; it is left as it was.
   */
  merge(other: Summary): void {
    this.#latency.merge(other.#latency);
    this.#count += other.#count;
    for (const [status, count] of other.#status) {
      this.#status.set(status, (this.#status.get(status) ?? 0) + count);
    }
    for (const [kind, stats] of other.#errors) {
      let mine = this.#errors.get(kind);
      if (mine === undefined) {
        mine = { count: 0, details: new TopKeys(detailOptions()) };
        this.#errors.set(kind, mine);
      }
      mine.count += stats.count;
      mine.details.merge(stats.details);
    }
    this.#retried += other.#retried;
    this.#attempts += other.#attempts;
    this.#bytes += other.#bytes;
    this.#firstStart = Math.min(this.#firstStart, other.#firstStart);
    this.#lastEnd = Math.max(this.#lastEnd, other.#lastEnd);
    this.#hosts.merge(other.#hosts);
    if (other.#scheduled) {
      const { firstDue } = other.#scheduled;
      this.#scheduled ??= { latency: new Histogram(), late: 0, firstDue };
      this.#scheduled.latency.merge(other.#scheduled.latency);
      this.#scheduled.late += other.#scheduled.late;
      this.#scheduled.firstDue = Math.min(this.#scheduled.firstDue, firstDue);
    }
    this.#dropped += other.#dropped;
  }

  /**
   * The summary as plain data that `postMessage` and {@linkcode Summary.fromState} take.
   *
   * @returns A copy of the summary's state.
   * @ignore Plumbing between threads: the state's shape may change in any release.
   */
  toState(): SummaryState {
    const state: SummaryState = {
      latency: this.#latency.toState(),
      count: this.#count,
      status: [...this.#status],
      errors: [...this.#errors].map((
        [kind, { count, details }],
      ) => [kind, count, details.toState((detail) => detail.count)]),
      retried: this.#retried,
      attempts: this.#attempts,
      bytes: this.#bytes,
      firstStart: this.#firstStart,
      lastEnd: this.#lastEnd,
      hosts: this.#hosts.toState((host) => ({ ...host, latency: host.latency.toState() })),
      dropped: this.#dropped,
    };
    if (this.#scheduled) {
      state.scheduled = {
        latency: this.#scheduled.latency.toState(),
        late: this.#scheduled.late,
        firstDue: this.#scheduled.firstDue,
      };
    }
    return state;
  }

  /**
   * The summary as plain data.
   *
   * @param concurrency The concurrency limit used, when known.
   * @returns The {@linkcode SummaryJson}.
   */
  toJSON(concurrency: number | null = null): SummaryJson {
    const seconds = this.#count === 0 ? 0 : (this.#lastEnd - this.#firstStart) / 1000;
    const json: SummaryJson = {
      count: this.#count,
      ok: this.ok,
      failed: this.failed,
      dropped: this.#dropped,
      seconds: round(seconds),
      requestsPerSecond: seconds > 0 ? Math.round(this.#count / seconds) : 0,
      concurrency,
      latencyMs: latencyJson(this.#scheduled?.latency ?? this.#latency),
      status: Object.fromEntries([...this.#status].sort(([a], [b]) => a - b)),
      errors: Object.fromEntries(
        [...this.#errors].map(([kind, stats]) => [kind, stats.count] as const).sort(byKey),
      ),
      errorDetails: Object.fromEntries(
        [...this.#errors].map(([kind, stats]) => [kind, detailRows(stats)] as const)
          .filter(([, rows]) => rows.length > 0).sort(byKey),
      ),
      retried: this.#retried,
      attempts: this.#attempts,
      bytes: this.#bytes,
      hosts: this.#hostRows(),
    };
    if (this.#scheduled) {
      json.serviceLatencyMs = latencyJson(this.#latency);
      json.late = this.#scheduled.late;
    }
    return json;
  }

  #hostRows(): HostJson[] {
    const row = (host: string, stats: HostStats): HostJson => ({
      host,
      requests: stats.requests,
      ok: stats.ok,
      failed: stats.requests - stats.ok,
      bytes: stats.bytes,
      p99Ms: round(stats.latency.percentile(99)),
    });
    const entries = this.#hosts.entries().sort((a, b) =>
      b.value.requests - a.value.requests || (a.key < b.key ? -1 : 1)
    );
    const rows = entries.slice(0, HOSTS_SHOWN).map((entry) => row(entry.key, entry.value));
    const other = hostOptions.create();
    hostOptions.fold(other, this.#hosts.rest);
    for (const entry of entries.slice(HOSTS_SHOWN)) hostOptions.fold(other, entry.value);
    if (other.requests > 0) rows.push(row("other", other));
    return rows;
  }
}

/** The latency in milliseconds from the due time: never less than the service time. */
function fromDue(record: RequestRecord, due: number): number {
  return Math.max(record.ms, record.start + record.ms - due);
}

/** A histogram's figures, or `null` when it is empty. */
function latencyJson(latency: Histogram): LatencyJson | null {
  if (latency.count === 0) return null;
  const bounds = histogramBounds(latency.min, latency.max);
  return {
    min: round(latency.min),
    mean: round(latency.mean),
    p50: round(latency.percentile(50)),
    p90: round(latency.percentile(90)),
    p95: round(latency.percentile(95)),
    p99: round(latency.percentile(99)),
    "p99.9": round(latency.percentile(99.9)),
    "p99.99": round(latency.percentile(99.99)),
    max: round(latency.max),
    histogram: { boundsMs: bounds, counts: latency.countBetween(bounds) },
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function byKey<T>([a]: readonly [string, T], [b]: readonly [string, T]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
