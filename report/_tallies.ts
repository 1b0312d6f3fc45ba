/**
 * The summary's bounded tables: the busiest hosts (with their latency) and, per error kind, the
 * most common failure details, each a {@linkcode TopKeys} with what lies past it lumped together.
 *
 * @module
 */

import { Histogram, type HistogramState } from "./histogram.ts";
import { TopKeys } from "./top_keys.ts";

/** Hosts tracked at once; any host with more than 1/64 of the requests is among them. */
export const HOSTS_TRACKED = 64;
/** Hosts listed in the summary; the rest are lumped as "other". */
export const HOSTS_SHOWN = 10;
/** Distinct details tracked per error kind. */
export const DETAILS_TRACKED = 16;
/** Details listed per error kind; the rest are lumped as "other". */
export const DETAILS_SHOWN = 5;
/** Per-host latency: 8 sub-buckets per power of two, p99 within 6%, 2.5 KiB a host. */
export const HOST_PRECISION = 3;

export interface HostStats {
  requests: number;
  ok: number;
  bytes: number;
  latency: Histogram;
}

export type HostState = Omit<HostStats, "latency"> & { latency: HistogramState };

export const hostOptions = {
  capacity: HOSTS_TRACKED,
  create: (): HostStats => ({
    requests: 0,
    ok: 0,
    bytes: 0,
    latency: new Histogram({ precision: HOST_PRECISION }),
  }),
  fold: (into: HostStats, from: HostStats) => {
    into.requests += from.requests;
    into.ok += from.ok;
    into.bytes += from.bytes;
    into.latency.merge(from.latency);
  },
};

export function detailOptions() {
  return {
    capacity: DETAILS_TRACKED,
    create: () => ({ count: 0 }),
    fold: (into: { count: number }, from: { count: number }) => void (into.count += from.count),
  };
}

export interface ErrorStats {
  count: number;
  details: TopKeys<{ count: number }>;
}

export function detailRows(stats: ErrorStats): { detail: string; count: number }[] {
  const entries = stats.details.entries().sort((a, b) =>
    b.value.count - a.value.count || (a.key < b.key ? -1 : 1)
  );
  const rows = entries.slice(0, DETAILS_SHOWN).map((entry) => ({
    detail: entry.key,
    count: entry.value.count,
  }));
  let rest = stats.details.rest.count;
  for (const entry of entries.slice(DETAILS_SHOWN)) rest += entry.value.count;
  if (rest > 0) rows.push({ detail: "other", count: rest });
  return rows;
}
