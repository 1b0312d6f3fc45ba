import assert from "node:assert/strict";
import { RateSchedule } from "../../pace/rate_schedule.ts";

Deno.test("RateSchedule spaces tickets 1/rate apart from the start", () => {
  const schedule = new RateSchedule(200, { start: 1000 });
  const due = Array.from({ length: 5 }, () => schedule.next());
  assert.deepEqual(due, [1000, 1005, 1010, 1015, 1020]);
  assert.equal(schedule.taken, 5);
});

Deno.test("RateSchedule ramps linearly: tickets due by t match the integral of the rate", () => {
  const rate = 100;
  const ramp = 2000;
  const schedule = new RateSchedule(rate, { ramp, start: 0 });
  // During the ramp, k(t) = rate * t² / (2 * ramp): t = 1 s holds 25 tickets, t = 2 s holds 100.
  assert.equal(schedule.dueAt(0), 0);
  assert.ok(Math.abs(schedule.dueAt(25) - 1000) < 1e-9);
  assert.ok(Math.abs(schedule.dueAt(100) - 2000) < 1e-9);
  // After the ramp, one ticket every 10 ms.
  assert.ok(Math.abs(schedule.dueAt(200) - 3000) < 1e-9);
  // Due times never go backwards.
  for (let k = 1; k < 400; k++) assert.ok(schedule.dueAt(k) > schedule.dueAt(k - 1));
});

Deno.test("RateSchedule starts when its first ticket is taken", () => {
  const schedule = new RateSchedule(10);
  assert.equal(schedule.start, undefined);
  const before = performance.timeOrigin + performance.now();
  const first = schedule.next();
  const after = performance.timeOrigin + performance.now();
  assert.ok(first >= before - 1 && first <= after + 1);
  assert.equal(schedule.start, first);
  assert.equal(schedule.next(), first + 100);
});

Deno.test("RateSchedule shares tickets and start through its buffer", () => {
  const a = new RateSchedule(1000);
  const b = new RateSchedule(1000, { buffer: a.buffer });
  const first = a.next();
  assert.equal(b.next(), first + 1);
  assert.equal(a.next(), first + 2);
  assert.equal(b.taken, 3);
});

Deno.test("RateSchedule shares one schedule across workers", async () => {
  const schedule = new RateSchedule(1000, { start: 0 });
  const source = new URL("../../pace/rate_schedule.ts", import.meta.url).href;
  const blob = new Blob([
    `import { RateSchedule } from ${JSON.stringify(source)};
     self.onmessage = ({ data }) => {
       const schedule = new RateSchedule(1000, { buffer: data });
       const due = [];
       for (let i = 0; i < 500; i++) due.push(schedule.next());
       self.postMessage(due);
     };
     self.postMessage("ready");`,
  ], { type: "application/javascript" });
  const url = URL.createObjectURL(blob);
  const workers: Worker[] = [];
  try {
    // One at a time: under `deno test` each worker's module is type-checked as it loads, and the
    // second finds the first one's check done. Then both draw at once.
    for (let i = 0; i < 2; i++) {
      const worker = new Worker(url, { type: "module" });
      workers.push(worker);
      await new Promise((resolve) => worker.onmessage = resolve);
    }
    const results = await Promise.all(workers.map((worker) => {
      const { promise, resolve } = Promise.withResolvers<number[]>();
      worker.onmessage = ({ data }) => resolve(data);
      worker.postMessage(schedule.buffer);
      return promise;
    }));
    const all = results.flat().sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: 1000 }, (_, k) => k));
  } finally {
    for (const worker of workers) worker.terminate();
    URL.revokeObjectURL(url);
  }
});

Deno.test("RateSchedule rejects a rate or ramp out of range", () => {
  for (const rate of [0, -1, NaN, Infinity]) {
    assert.throws(() => new RateSchedule(rate), RangeError);
  }
  for (const ramp of [-1, NaN, Infinity]) {
    assert.throws(() => new RateSchedule(1, { ramp }), RangeError);
  }
  assert.throws(() => new RateSchedule(1, { buffer: new SharedArrayBuffer(8) }), RangeError);
});

Deno.test("RateSchedule dueBefore() counts the tickets due before a time, ramp included", () => {
  for (const [rate, ramp] of [[200, 0], [100, 2000], [7.5, 300], [15000, 0], [3, 5000]]) {
    const schedule = new RateSchedule(rate!, { ramp: ramp!, start: 0 });
    for (const ms of [1, 10, 299, 300, 1000, 1999, 2000, 2001, 4000, 10_000]) {
      let k = 0;
      while (schedule.dueAt(k) < ms) k++;
      assert.equal(schedule.dueBefore(ms), k, `rate ${rate}, ramp ${ramp}, ${ms} ms`);
    }
  }
  assert.equal(new RateSchedule(10).dueBefore(0), 0);
});
