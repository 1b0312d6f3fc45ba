import assert from "node:assert/strict";
import { Occupancy } from "../../output/occupancy.ts";

Deno.test("Occupancy counts overlapping intervals once and leaves out long gaps", () => {
  const hour = 3_600_000;
  const busy = new Occupancy(0, hour + 2_000);
  busy.add(0, 1_500);
  busy.add(500, 2_000);
  busy.add(hour, hour + 2_000);
  assert.equal(busy.busy, 4_000);
});

Deno.test("Occupancy of one uninterrupted run is its whole span", () => {
  const busy = new Occupancy(1_000, 61_234);
  for (let start = 1_000; start < 61_000; start += 300) busy.add(start, start + 400);
  busy.add(60_900, 61_234);
  assert.equal(busy.busy, 60_234);
});

Deno.test("Occupancy stays bounded over a long span and refuses a bad one", () => {
  const year = 365 * 86_400_000;
  const busy = new Occupancy(0, 100 * year, { maxSlots: 1000 });
  busy.add(0, 1);
  busy.add(100 * year - 1, 100 * year);
  assert.ok(busy.busy <= 100 * year / 500 + 1, `${busy.busy}`);
  assert.throws(() => new Occupancy(5, 1), RangeError);
  assert.throws(() => new Occupancy(0, Infinity), RangeError);
});
