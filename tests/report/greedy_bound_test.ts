import assert from "node:assert/strict";
import { greedyMakespan } from "../../report/greedy_bound.ts";

/** The same schedule by brute force: each duration to the slot that frees first. */
function naiveMakespan(durations: number[], slots: number): number {
  const free = new Array(slots).fill(0);
  for (const duration of durations) {
    const first = free.indexOf(Math.min(...free));
    free[first] += duration;
  }
  return Math.max(...free);
}

Deno.test("greedyMakespan() matches a naive list scheduler", () => {
  let seed = 3;
  for (const slots of [1, 2, 7, 50]) {
    const durations = Array.from({ length: 500 }, () => {
      seed = (seed * 16807) % 2147483647;
      return seed % 4;
    });
    assert.equal(greedyMakespan(durations, slots), naiveMakespan(durations, slots));
  }
});

Deno.test("greedyMakespan() is 0 for no durations and refuses bad slot counts", () => {
  assert.equal(greedyMakespan([], 3), 0);
  for (const slots of [0, -1, 1.5, NaN, Infinity]) {
    assert.throws(() => greedyMakespan([1], slots), RangeError);
  }
});
