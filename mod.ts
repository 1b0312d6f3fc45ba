/**
 * Make very many HTTP requests with bounded concurrency: a lazy request
 * source goes through {@linkcode pooledMap} into the network, and every
 * request yields exactly one {@linkcode RequestRecord}, success or classified
 * failure. The HTML report is in `./report`, the delay server's handler in
 * `./server`; the guide is `docs/library.md`.
 *
 * @example Ten requests against the bundled delay server
 * ```ts
 * import { requestsFromTemplate, runRequests, serveDelay, Summary } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * await using server = serveDelay({ port: 0, maxDelay: 0 });
 * const summary = new Summary();
 * for await (const record of runRequests(requestsFromTemplate(`${server.url}{}`, 10))) {
 *   summary.add(record);
 * }
 * assert.equal(summary.ok, 10);
 * ```
 *
 * @module
 */

// The runner: one record per request.
export { runRequests } from "./runner/run.ts";
export type { BodySink, RequestRecord, RequestSpec } from "./runner/types.ts";
export type { RunOptions, RunSettings } from "./runner/options.ts";
export { ERROR_KINDS, type ErrorKind } from "./runner/errors.ts";
export { RetryableError } from "./runner/read.ts";
export { bodySaver, type SaveOptions } from "./runner/save.ts";
export { runTemplateInWorkers, type WorkersOptions } from "./runner/workers.ts";
export { RateSchedule, type RateScheduleOptions } from "./pace/rate_schedule.ts";

// What to request.
export { requestsFromLines, requestsFromTemplate, type Shard } from "./sources/requests.ts";
export { requestsFromTargets } from "./sources/targets.ts";

// The summary.
export { Summary } from "./report/summary.ts";
export type { HostJson, LatencyJson, SummaryJson } from "./report/summary_types.ts";
export { formatSummary } from "./report/text.ts";

// Bounded concurrency, nothing about HTTP.
export {
  pooledMap,
  type PooledMapOptions,
  pooledMapSettled,
  type PooledMapSettledOptions,
  Semaphore,
  type SemaphoreAcquireOptions,
} from "./semaphore.ts";

// The delay server.
export {
  type DelayHandlerOptions,
  type DelaySequenceOptions,
  type DelayServer,
  type FaultOptions,
  serveDelay,
  type ServeDelayOptions,
  spawnDelayServer,
  type SpawnedDelayServer,
} from "./server.ts";
