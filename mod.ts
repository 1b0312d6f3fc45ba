/**
 * Make very many HTTP requests with bounded concurrency: a lazy request
 * source goes through {@linkcode pooledMap} into `fetch`, and every request
 * yields exactly one {@linkcode RequestRecord}, success or classified failure.
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

export {
  pooledMap,
  type PooledMapOptions,
  pooledMapSettled,
  type PooledMapSettledOptions,
  Semaphore,
  type SemaphoreAcquireOptions,
} from "./semaphore.ts";
export * from "./server.ts";
export * from "./sources/requests.ts";
export * from "./report/summary.ts";
export * from "./report/text.ts";
export * from "./report/html.ts";
export * from "./report/_svg_chart.ts";
export * from "./report/thresholds.ts";
export * from "./report/timeline.ts";
export * from "./report/top_keys.ts";
export * from "./report/histogram.ts";
export { runTemplateInWorkers, type WorkersOptions } from "./runner/workers.ts";
export * from "./runner/run.ts";
export { RateSchedule, type RateScheduleOptions } from "./pace/rate_schedule.ts";
export {
  KeyLimiter,
  type KeyLimiterAcquireOptions,
  type KeyLimiterOptions,
} from "./pace/key_limiter.ts";
export * from "./runner/errors.ts";
export { readFailureKind, RetryableError } from "./runner/read.ts";
export { type ByteCount, readChunks, TooLargeError } from "./runner/body.ts";
export { bodySaver, savedPath, type SaveOptions } from "./runner/save.ts";
export {
  checkHeader,
  FORBIDDEN_HEADERS,
  parseTarget,
  requestsFromTargets,
} from "./sources/targets.ts";
