/**
 * When and how soon a failed attempt is tried again: idempotent methods only,
 * transient statuses, exponential backoff with full jitter, `Retry-After`
 * honoured, all capped at 30 s.
 *
 * @module
 */

const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);
const TRANSIENT_STATUSES = new Set([408, 429, 502, 503, 504]);
/** The longest wait before a retry, in milliseconds. */
export const MAX_BACKOFF = 30_000;

/**
 * Whether a request with this method may be sent again.
 *
 * @param method An HTTP method, in any case.
 * @returns Whether it is GET, HEAD, OPTIONS, PUT, DELETE or TRACE.
 *
 * @example
 * ```ts
 * import { isIdempotent } from "./retry_policy.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isIdempotent("put"));
 * assert.ok(!isIdempotent("POST"));
 * ```
 */
export function isIdempotent(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method.toUpperCase());
}

/**
 * Whether a response with this status is worth retrying.
 *
 * @param status An HTTP status.
 * @returns Whether it is 408, 429, 502, 503 or 504.
 *
 * @example
 * ```ts
 * import { isTransientStatus } from "./retry_policy.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isTransientStatus(503));
 * assert.ok(!isTransientStatus(404));
 * ```
 */
export function isTransientStatus(status: number): boolean {
  return TRANSIENT_STATUSES.has(status);
}

/**
 * How long to wait before the next attempt: a random share of a ceiling that
 * starts at `retryDelay` and doubles per attempt (full jitter), but no less
 * than the server asked for.
 *
 * @param attempts Attempts made so far, from 1.
 * @param retryDelay The first ceiling, in milliseconds.
 * @param retryAfter What the server asked for, in milliseconds (0 for nothing).
 * @returns Milliseconds to wait, at most {@linkcode MAX_BACKOFF}.
 *
 * @example
 * ```ts
 * import { backoffDelay } from "./retry_policy.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(backoffDelay(3, 100, 0) < 400);
 * assert.equal(backoffDelay(1, 100, 2000), 2000);
 * ```
 */
export function backoffDelay(attempts: number, retryDelay: number, retryAfter: number): number {
  const ceiling = Math.min(MAX_BACKOFF, retryDelay * 2 ** (attempts - 1));
  return Math.max(Math.random() * ceiling, retryAfter);
}

/**
 * `Retry-After` in milliseconds, from seconds or an HTTP date.
 *
 * @param value The header's value, or `null`.
 * @returns Milliseconds from now, at most {@linkcode MAX_BACKOFF}; 0 when absent or invalid.
 *
 * @example
 * ```ts
 * import { parseRetryAfter } from "./retry_policy.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseRetryAfter("2"), 2000);
 * assert.equal(parseRetryAfter("soon"), 0);
 * ```
 */
export function parseRetryAfter(value: string | null): number {
  if (value === null) return 0;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.min(MAX_BACKOFF, Math.max(0, ms)) : 0;
}
