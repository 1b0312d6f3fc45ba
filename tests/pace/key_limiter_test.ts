import assert from "node:assert/strict";
import { KeyLimiter } from "../../pace/key_limiter.ts";

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

Deno.test("KeyLimiter holds at most max per key and keys apart", () => {
  using limiter = new KeyLimiter(2);
  assert.ok(limiter.tryAcquire("a"));
  assert.ok(limiter.tryAcquire("a"));
  assert.equal(limiter.tryAcquire("a"), false);
  assert.ok(limiter.tryAcquire("b"));
  assert.equal(limiter.active("a"), 2);
  limiter.release("a");
  assert.ok(limiter.tryAcquire("a"));
});

Deno.test("KeyLimiter serves waiters first come first served, ahead of tryAcquire", async () => {
  const available: string[] = [];
  using limiter = new KeyLimiter(1, { onAvailable: (key) => available.push(key) });
  assert.ok(limiter.tryAcquire("a"));
  const order: number[] = [];
  const waiters = [0, 1, 2].map((n) => limiter.acquire("a").then(() => order.push(n)));
  await settle();
  assert.deepEqual(order, []);
  limiter.release("a");
  await settle();
  assert.deepEqual(order, [0]);
  assert.equal(limiter.tryAcquire("a"), false);
  limiter.release("a");
  limiter.release("a");
  await Promise.all(waiters);
  assert.deepEqual(order, [0, 1, 2]);
  assert.deepEqual(available, []);
  limiter.release("a");
  assert.deepEqual(available, ["a"]);
  assert.equal(limiter.size, 0);
});

Deno.test("KeyLimiter pauses a key until the time given, then wakes its waiters", async () => {
  const available: string[] = [];
  using limiter = new KeyLimiter(3, { onAvailable: (key) => available.push(key) });
  const start = Date.now();
  limiter.pause("a", start + 80);
  limiter.pause("a", start + 10); // never shortens
  assert.equal(limiter.tryAcquire("a"), false);
  assert.ok(limiter.tryAcquire("b"));
  await limiter.acquire("a");
  assert.ok(Date.now() - start >= 79, `woke after ${Date.now() - start} ms`);
  assert.deepEqual(available, ["a"]);
  assert.ok(limiter.tryAcquire("a"));
});

Deno.test("KeyLimiter halves once per outcome and recovers one step per window", () => {
  using limiter = new KeyLimiter(16);
  const before = Date.now() - 1;
  assert.equal(limiter.decrease("a", before + 1), true);
  assert.equal(limiter.limit("a"), 8);
  // A holder that took its slot before that decrease does not lower the limit again.
  assert.equal(limiter.decrease("a", before), false);
  assert.equal(limiter.limit("a"), 8);
  for (let i = 0; i < 3; i++) limiter.decrease("a");
  assert.equal(limiter.limit("a"), 1);
  limiter.decrease("a");
  assert.equal(limiter.limit("a"), 1);
  limiter.increase("a");
  assert.equal(limiter.limit("a"), 2);
  limiter.increase("a");
  limiter.increase("a");
  assert.equal(limiter.limit("a"), 3);
  for (let i = 0; i < 200; i++) limiter.increase("a");
  assert.equal(limiter.limit("a"), 16);
});

Deno.test("KeyLimiter halves from the holders when they are fewer than the limit", () => {
  using limiter = new KeyLimiter(100);
  for (let i = 0; i < 10; i++) assert.ok(limiter.tryAcquire("a"));
  limiter.decrease("a");
  assert.equal(limiter.limit("a"), 5);
});

Deno.test("KeyLimiter admits no more than its lowered limit", () => {
  using limiter = new KeyLimiter(4);
  for (let i = 0; i < 4; i++) assert.ok(limiter.tryAcquire("a"));
  limiter.decrease("a");
  assert.equal(limiter.limit("a"), 2);
  for (let i = 0; i < 3; i++) limiter.release("a");
  assert.ok(limiter.tryAcquire("a"));
  assert.equal(limiter.tryAcquire("a"), false);
});

Deno.test("KeyLimiter acquire() gives up when its signal aborts, leaving no waiter", async () => {
  using limiter = new KeyLimiter(1);
  assert.ok(limiter.tryAcquire("a"));
  const controller = new AbortController();
  const waiting = limiter.acquire("a", { signal: controller.signal });
  controller.abort(new Error("stop"));
  await assert.rejects(waiting, /stop/);
  limiter.release("a");
  assert.equal(limiter.size, 0);
  await assert.rejects(limiter.acquire("a", { signal: controller.signal }), /stop/);
});

Deno.test("KeyLimiter refuses a bad max and a release without a slot", () => {
  for (const max of [0, -1, 1.5, NaN, Infinity]) {
    assert.throws(() => new KeyLimiter(max), RangeError);
  }
  using limiter = new KeyLimiter(1);
  assert.throws(() => limiter.release("a"), /no slot/);
});
