import assert from "node:assert/strict";
import { pooledMap, pooledMapSettled, Semaphore } from "../semaphore.ts";

const INVALID_LIMITS = [0, -1, 1.5, NaN, Infinity];

/** Lets every pending microtask (and promise chain a few deep) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("Semaphore blocks acquire() at the limit until a permit is released", async () => {
  const semaphore = new Semaphore(2);
  await semaphore.acquire();
  await semaphore.acquire();
  let acquired = false;
  const waiting = semaphore.acquire().then(() => acquired = true);
  await settle();
  assert.equal(acquired, false);
  assert.equal(semaphore.waiting, 1);
  semaphore.release();
  await waiting;
  assert.equal(acquired, true);
  assert.equal(semaphore.available, 0);
});

Deno.test("Semaphore serves waiters first come first served", async () => {
  const semaphore = new Semaphore(1);
  await semaphore.acquire();
  const order: number[] = [];
  const waiters = [0, 1, 2, 3].map((n) => semaphore.acquire().then(() => order.push(n)));
  for (let i = 0; i < 4; i++) {
    semaphore.release();
    await settle();
  }
  await Promise.all(waiters);
  assert.deepEqual(order, [0, 1, 2, 3]);
});

Deno.test("Semaphore permits release themselves with using", async () => {
  const semaphore = new Semaphore(1);
  {
    using _permit = await semaphore.acquire();
    assert.equal(semaphore.available, 0);
    assert.equal(semaphore.tryAcquire(), null);
  }
  assert.equal(semaphore.available, 1);
  {
    using permit = semaphore.tryAcquire();
    assert.notEqual(permit, null);
  }
  assert.equal(semaphore.available, 1);
});

Deno.test("Semaphore refuses a max that is not a positive integer", () => {
  for (const max of INVALID_LIMITS) {
    assert.throws(() => new Semaphore(max), RangeError, `max ${max}`);
  }
});

Deno.test("Semaphore refuses to release more permits than were acquired", () => {
  const semaphore = new Semaphore(1);
  assert.throws(() => semaphore.release(), /no permit is held/);
});

Deno.test("pooledMap() keeps at most poolLimit items in flight under random delays", async () => {
  let running = 0;
  let highest = 0;
  const results = pooledMap(Array.from({ length: 200 }, (_, i) => i), async (i) => {
    running++;
    highest = Math.max(highest, running);
    await sleep(Math.random() * 5);
    running--;
    return i;
  }, 7);
  const values = await Array.fromAsync(results);
  assert.equal(highest, 7);
  assert.deepEqual(values, Array.from({ length: 200 }, (_, i) => i));
});

Deno.test("pooledMap() yields in input order, or in completion order when unordered", async () => {
  const delays = [30, 5, 15];
  const delayed = (ms: number) => sleep(ms).then(() => ms);
  assert.deepEqual(await Array.fromAsync(pooledMap(delays, delayed, 3)), [30, 5, 15]);
  const unordered = pooledMap(delays, delayed, { poolLimit: 3, ordered: false });
  assert.deepEqual(await Array.fromAsync(unordered), [5, 15, 30]);
});

Deno.test("pooledMap() stops pulling input on break and waits for work in flight", async () => {
  let pulled = 0;
  let finished = 0;
  let returned = false;
  function* items() {
    try {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield i;
      }
    } finally {
      returned = true;
    }
  }
  for await (
    const value of pooledMap(items(), async (i) => {
      await sleep(1);
      finished++;
      return i;
    }, 4)
  ) {
    if (value === 2) break;
  }
  assert.equal(returned, true);
  assert.ok(pulled <= 4 + 3 + 4, `pulled ${pulled}`);
  assert.equal(finished, pulled);
});

Deno.test("pooledMap() holds back input while the reader is slow", async () => {
  let pulled = 0;
  function* items() {
    for (let i = 0; i < 100; i++) {
      pulled++;
      yield i;
    }
  }
  const iterator = pooledMap(items(), (i) => Promise.resolve(i), { poolLimit: 5, ordered: false });
  assert.equal((await iterator.next()).value, 0);
  await sleep(20); // everything started has finished; nothing more may start unread
  assert.ok(pulled <= 5 + 5, `pulled ${pulled} while the reader read 1`);
  await iterator.return();
});

Deno.test("pooledMap() refuses a poolLimit that is not a positive integer", async () => {
  for (const poolLimit of INVALID_LIMITS) {
    await assert.rejects(
      Array.fromAsync(pooledMap([1], (n) => Promise.resolve(n), poolLimit)),
      RangeError,
    );
  }
});

Deno.test("pooledMap() starts nothing new once aborted, yields what was in flight, then throws the reason", async (t) => {
  await t.step("already aborted", async () => {
    const reason = new Error("stop");
    const results = pooledMap([1], (n) => Promise.resolve(n), {
      poolLimit: 1,
      signal: AbortSignal.abort(reason),
    });
    await assert.rejects(results.next(), (error) => error === reason);
  });
  await t.step("aborted mid-flight", async () => {
    const controller = new AbortController();
    let started = 0;
    const results = pooledMap(Array.from({ length: 50 }, (_, i) => i), async (i) => {
      started++;
      await sleep(5);
      return i;
    }, { poolLimit: 5, signal: controller.signal });
    await results.next();
    const inFlight = started - 1;
    controller.abort(new Error("stop"));
    // The calls in flight finish and are yielded, then the abort reason is thrown.
    const rest: number[] = [];
    await assert.rejects(async () => {
      for await (const value of results) rest.push(value);
    }, /stop/);
    assert.equal(rest.length, inFlight);
    assert.equal(started, inFlight + 1, "nothing new starts once aborted");
  });
  await t.step("aborted after completion is a no-op", async () => {
    const controller = new AbortController();
    const values = await Array.fromAsync(
      pooledMap([1, 2], (n) => Promise.resolve(n), { poolLimit: 2, signal: controller.signal }),
    );
    controller.abort();
    assert.deepEqual(values, [1, 2]);
  });
});

Deno.test("pooledMap() leaves no abort listener behind", async () => {
  const controller = new AbortController();
  let added = 0;
  let removed = 0;
  const signal = controller.signal;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = (...args: Parameters<typeof add>) => (added++, add(...args));
  signal.removeEventListener = (...args: Parameters<typeof remove>) => (removed++, remove(...args));
  await Array.fromAsync(pooledMap([1, 2, 3], (n) => Promise.resolve(n), { poolLimit: 2, signal }));
  assert.equal(added, 1);
  assert.equal(removed, added);
});

Deno.test("pooledMap() finishes work in flight after a failure, then throws AggregateError", async () => {
  let started = 0;
  const seen: number[] = [];
  const results = pooledMap([0, 1, 2, 3, 4, 5, 6, 7], async (i) => {
    started++;
    if (i === 1) throw new Error("one failed");
    await sleep(5);
    return i;
  }, 3);
  const error = await (async () => {
    try {
      for await (const value of results) seen.push(value);
    } catch (error) {
      return error;
    }
  })();
  assert.ok(error instanceof AggregateError);
  assert.deepEqual(error.errors.map((e: Error) => e.message), ["one failed"]);
  assert.equal(started, 3);
  assert.deepEqual(seen, [0, 2]);
});

Deno.test("pooledMap() treats a synchronous throw like a rejection", async () => {
  const results = pooledMap([1, 2], (n) => {
    if (n === 2) throw new Error("sync");
    return Promise.resolve(n);
  }, 1);
  await assert.rejects(Array.fromAsync(results), AggregateError);
});

Deno.test("pooledMap() pulls an async iterable lazily", async () => {
  async function* items() {
    for (let i = 0; i < 5; i++) {
      await sleep(1);
      yield i;
    }
  }
  const values = await Array.fromAsync(pooledMap(items(), (i) => Promise.resolve(i * i), 2));
  assert.deepEqual(values, [0, 1, 4, 9, 16]);
});

Deno.test("Semaphore acquire() gives up waiting when its signal aborts", async (t) => {
  await t.step("already aborted", async () => {
    const semaphore = new Semaphore(1);
    const reason = new Error("no");
    await assert.rejects(
      semaphore.acquire({ signal: AbortSignal.abort(reason) }),
      (e) => e === reason,
    );
    assert.equal(semaphore.available, 1);
  });
  await t.step("aborted while waiting: the permit goes to the next waiter", async () => {
    const semaphore = new Semaphore(1);
    using _held = await semaphore.acquire();
    const controller = new AbortController();
    const abandoned = semaphore.acquire({ signal: controller.signal });
    const next = semaphore.acquire();
    assert.equal(semaphore.waiting, 2);
    controller.abort(new Error("gave up"));
    await assert.rejects(abandoned, /gave up/);
    assert.equal(semaphore.waiting, 1);
    _held[Symbol.dispose]();
    using _next = await next;
    assert.equal(semaphore.waiting, 0);
  });
  await t.step("aborted after acquiring is a no-op", async () => {
    const semaphore = new Semaphore(1);
    const controller = new AbortController();
    const permit = await semaphore.acquire({ signal: controller.signal });
    controller.abort();
    permit[Symbol.dispose]();
    assert.equal(semaphore.available, 1);
  });
});

Deno.test("Semaphore permits release only once however often they are disposed of", async () => {
  const semaphore = new Semaphore(2);
  const permit = await semaphore.acquire();
  await semaphore.acquire();
  permit[Symbol.dispose]();
  permit[Symbol.dispose]();
  assert.equal(semaphore.available, 1);
});

Deno.test("pooledMap() yields finished results and heeds abort while its source waits", async () => {
  const controller = new AbortController();
  const { promise: never } = Promise.withResolvers<void>();
  async function* stalled() {
    yield 1;
    yield 2;
    await never; // a source with nothing more to give yet, like an idle pipe
  }
  const results = pooledMap(stalled(), (n) => Promise.resolve(n * 10), {
    poolLimit: 4,
    signal: controller.signal,
  });
  assert.deepEqual([(await results.next()).value, (await results.next()).value], [10, 20]);
  const third = results.next();
  controller.abort(new Error("stop"));
  await assert.rejects(third, /stop/);
});

Deno.test("pooledMap() drains work in flight, then throws what the source threw", async () => {
  let finished = 0;
  async function* failing() {
    yield 1;
    yield 2;
    throw new Error("source broke");
  }
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (
      const value of pooledMap(failing(), async (n) => {
        await sleep(10);
        finished++;
        return n;
      }, 4)
    ) seen.push(value);
  }, /source broke/);
  assert.equal(finished, 2);
  assert.deepEqual(seen, [1, 2]);
});

Deno.test("pooledMap() keeps slots busy behind a slow head in input order", async () => {
  const head = Promise.withResolvers<number>();
  let started = 0;
  const results = pooledMap([0, 1, 2, 3, 4], (n) => {
    started++;
    return n === 0 ? head.promise : Promise.resolve(n);
  }, 2);
  const first = results.next();
  await sleep(5);
  // The head holds one slot; the other keeps working until poolLimit results wait unread.
  assert.equal(started, 3);
  head.resolve(0);
  assert.equal((await first).value, 0);
  assert.deepEqual(await Array.fromAsync(results), [1, 2, 3, 4]);
});

Deno.test("pooledMap() takes std's stable call form pooledMap(poolLimit, items, fn)", async () => {
  let running = 0;
  let highest = 0;
  const results = pooledMap(3, Array.from({ length: 50 }, (_, i) => i), async (i) => {
    running++;
    highest = Math.max(highest, running);
    await sleep(Math.random() * 3);
    running--;
    return i * 2;
  });
  assert.deepEqual(await Array.fromAsync(results), Array.from({ length: 50 }, (_, i) => i * 2));
  assert.equal(highest, 3);
  for (const limit of INVALID_LIMITS) {
    await assert.rejects(
      Array.fromAsync(pooledMap(limit, [1], (n) => Promise.resolve(n))),
      RangeError,
    );
  }
});

Deno.test("pooledMapSettled() maps every item and yields settled results in input order", async () => {
  let running = 0;
  let highest = 0;
  const results = pooledMapSettled([40, 5, 20, 10, 1], async (ms) => {
    running++;
    highest = Math.max(highest, running);
    await sleep(ms);
    running--;
    if (ms === 5) throw new Error("five");
    if (ms === 10) throw new RangeError("ten");
    return ms;
  }, { poolLimit: 2 });
  const settled = await Array.fromAsync(results);
  assert.equal(highest, 2);
  assert.deepEqual(settled.map((result) => result.status), [
    "fulfilled",
    "rejected",
    "fulfilled",
    "rejected",
    "fulfilled",
  ]);
  assert.deepEqual(
    settled.map((result) => result.status === "fulfilled" ? result.value : result.reason.message),
    [40, "five", 20, "ten", 1],
  );
});

Deno.test("pooledMapSettled() settles a synchronous throw and heeds its signal", async () => {
  const settled = await Array.fromAsync(pooledMapSettled([1, 2], (n) => {
    if (n === 1) throw new Error("sync");
    return Promise.resolve(n);
  }, { poolLimit: 1 }));
  assert.deepEqual(settled.map((result) => result.status), ["rejected", "fulfilled"]);

  const controller = new AbortController();
  let started = 0;
  const results = pooledMapSettled([1, 2, 3, 4], async (n) => {
    started++;
    if (n === 2) controller.abort(new Error("stop"));
    await sleep(1);
    return n;
  }, { poolLimit: 1, signal: controller.signal });
  await assert.rejects(Array.fromAsync(results), { message: "stop" });
  assert.equal(started, 2, "nothing new starts once aborted");
});
