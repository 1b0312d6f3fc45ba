import assert from "node:assert/strict";
import { Closing, sleep } from "../../async/sleep.ts";

Deno.test("sleep() waits its time, or ends early on an AbortSignal or a Closing", async (t) => {
  await t.step("its time", async () => {
    const started = performance.now();
    assert.equal(await sleep(20), true);
    assert.ok(performance.now() - started >= 19);
  });
  await t.step("already aborted", async () => {
    assert.equal(await sleep(60_000, AbortSignal.abort()), false);
  });
  await t.step("aborted while waiting, with no listener left", async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort();
    assert.equal(await waiting, false);
  });
  await t.step("a Closing ends every wait, Infinity included", async () => {
    const closing = new Closing();
    const waits = [sleep(Infinity, closing), sleep(60_000, closing)];
    closing.close();
    assert.deepEqual(await Promise.all(waits), [false, false]);
    assert.equal(await sleep(60_000, closing), false);
  });
  await t.step("a wait that ended leaves its Closing", async () => {
    const closing = new Closing();
    assert.equal(await sleep(1, closing), true);
    closing.close();
  });
});
