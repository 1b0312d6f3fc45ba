import assert from "node:assert/strict";
import { Deadlines } from "../../async/deadline.ts";

Deno.test("Deadlines share one signal within a window and time out after the timeout", async () => {
  using deadlines = new Deadlines(400);
  const first = deadlines.signal();
  assert.equal(deadlines.signal(), first);
  const started = performance.now();
  await new Promise((resolve) => first.addEventListener("abort", resolve));
  const elapsed = performance.now() - started;
  // The window is a twentieth of the timeout; a busy machine may fire the timer late.
  assert.ok(elapsed >= 399 && elapsed < 400 + 20 + 200, `${elapsed} ms`);
  assert.equal(first.reason.name, "TimeoutError");
  assert.notEqual(deadlines.signal(), first);
});

Deno.test("Deadlines abort with the parent's reason", () => {
  const parent = new AbortController();
  using deadlines = new Deadlines(10_000, parent.signal);
  const signal = deadlines.signal();
  parent.abort(new Error("stop"));
  assert.equal(signal.aborted, true);
  assert.equal(signal.reason.message, "stop");
  assert.equal(deadlines.signal().aborted, true, "signals handed out later are aborted too");
});

Deno.test("Deadlines leave no timer behind once disposed", () => {
  const deadlines = new Deadlines(60_000);
  deadlines.signal();
  deadlines[Symbol.dispose](); // the op sanitizer fails the test if a timer is left
});
