/**
 * The caller's `read`: run within the attempt's deadline, what it leaves of
 * the body cancelled, and its failures told apart from the transport's.
 *
 * @module
 */

import { TooLargeError } from "./body.ts";
import { classifyError, type ErrorKind } from "./errors.ts";

/**
 * Thrown by a `read` to fail the attempt (kind `read`, the message as
 * `detail`) and have it retried like a transient failure, when retries
 * remain and the method is idempotent. Anything else a `read` throws fails
 * the request without a retry.
 *
 * @example
 * ```ts
 * import { RetryableError } from "./read.ts";
 *
 * async function read(response: Response) {
 *   const text = await response.text();
 *   if (text === "") throw new RetryableError("empty body");
 *   return JSON.parse(text);
 * }
 * ```
 */
export class RetryableError extends Error {
  /**
   * Creates the error.
   *
   * @param message What went wrong, for the record's `detail`.
   * @param options The error's cause.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RetryableError";
  }
}

/**
 * Runs `read` on a response until `own` aborts (the attempt's deadline): when
 * it aborts first, the attempt fails with its reason, whatever `read` is
 * doing. What `read` leaves of the body is cancelled, through `own` (the
 * signal the fetch was made with) when `read` holds the body's reader.
 *
 * @typeParam T What `read` returns.
 * @typeParam S The request it is given.
 * @param read The caller's read.
 * @param response The final response.
 * @param request The request, passed on to `read`.
 * @param own The controller whose signal the fetch was made with; it aborts at the deadline.
 * @returns What `read` returned.
 * @throws {Error} What `read` threw, or the reason `own` aborted with.
 *
 * @example
 * ```ts
 * import { readWithin } from "./read.ts";
 * import assert from "node:assert/strict";
 *
 * const response = new Response("42");
 * const value = await readWithin(
 *   async (r: Response) => Number(await r.text()),
 *   response,
 *   undefined,
 *   new AbortController(),
 * );
 * assert.equal(value, 42);
 * ```
 */
export async function readWithin<T, S>(
  read: (response: Response, request: S) => T | Promise<T>,
  response: Response,
  request: S,
  own: AbortController,
): Promise<T> {
  const { signal } = own;
  const { promise: expired, reject } = Promise.withResolvers<never>();
  const onAbort = () => reject(signal.reason);
  signal.addEventListener("abort", onAbort);
  try {
    signal.throwIfAborted();
    return await Promise.race([read(response, request), expired]);
  } finally {
    signal.removeEventListener("abort", onAbort);
    // A body read to its end is not affected by either.
    if (response.body?.locked) own.abort();
    else response.body?.cancel().catch(() => {});
  }
}

/**
 * The kind of a failure while `read` ran: `read` for what `read` itself
 * threw, unless it is the transport failing under it (a timeout, a broken
 * body) or a body past its limit.
 *
 * @param error What `readWithin` threw.
 * @returns The {@linkcode ErrorKind}.
 *
 * @example
 * ```ts
 * import { readFailureKind } from "./read.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(readFailureKind(new SyntaxError("Unexpected end of JSON input")), "read");
 * assert.equal(readFailureKind(new DOMException("late", "TimeoutError")), "timeout");
 * ```
 */
export function readFailureKind(error: unknown): ErrorKind {
  if (error instanceof TooLargeError) return "too_large";
  if (error instanceof RetryableError) return "read";
  if (error instanceof DOMException) return classifyError(error, "body");
  if (error instanceof TypeError && /reading a body|connection|os error/i.test(error.message)) {
    return classifyError(error, "body");
  }
  return "read";
}
