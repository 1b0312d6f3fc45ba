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
export * from "./sources.ts";
export * from "./summary.ts";
export * from "./summary_text.ts";
export * from "./html_report.ts";
export * from "./svg_chart.ts";
export * from "./thresholds.ts";
export * from "./timeline.ts";
export * from "./top_keys.ts";
export * from "./histogram.ts";
export { runTemplateInWorkers, type WorkersOptions } from "./workers.ts";
export * from "./runner.ts";
export { RateSchedule, type RateScheduleOptions } from "./rate_schedule.ts";
export {
  KeyLimiter,
  type KeyLimiterAcquireOptions,
  type KeyLimiterOptions,
} from "./key_limiter.ts";
export * from "./classify.ts";
export { readFailureKind, RetryableError } from "./read.ts";
export { type ByteCount, readChunks, TooLargeError } from "./chunks.ts";
export { bodySaver, savedPath, type SaveOptions } from "./save.ts";
export { checkHeader, FORBIDDEN_HEADERS, parseTarget, requestsFromTargets } from "./targets.ts";
