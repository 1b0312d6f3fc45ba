/**
 * Waiting for an event in tests, instead of sleeping a fixed time.
 *
 * @module
 */

import assert from "node:assert/strict";

/** How long a test waits for an event before it fails. */
const WAIT_TIMEOUT_MS = 30_000;

/**
 * Waits for `condition` to hold, checking every 10 ms: a test waits for the event, not a fixed
 * time. Fails the test after 30 s.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
): Promise<void> {
  const deadline = performance.now() + WAIT_TIMEOUT_MS;
  while (!await condition()) {
    assert.ok(performance.now() < deadline, `waited too long for this: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
