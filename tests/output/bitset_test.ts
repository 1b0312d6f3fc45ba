import assert from "node:assert/strict";
import { Bitset, MAX_BIT } from "../../output/bitset.ts";

Deno.test("Bitset holds what was added, grows as needed and counts its members", () => {
  const set = new Bitset();
  const values = [0, 7, 8, 63, 64, 1000, 99_999];
  for (const value of values) set.add(value);
  set.add(7);
  assert.equal(set.size, values.length);
  for (const value of values) assert.ok(set.has(value), `${value}`);
  for (const value of [1, 9, 65, 999, 100_000, 10 ** 9]) assert.ok(!set.has(value), `${value}`);
  set.delete(63);
  set.delete(62);
  assert.equal(set.size, values.length - 1);
  assert.deepEqual([...set], values.filter((value) => value !== 63));
});

Deno.test("Bitset refuses what is not an integer from 0 to MAX_BIT", () => {
  const set = new Bitset();
  for (const value of [-1, 1.5, NaN, Infinity, MAX_BIT + 1]) {
    assert.throws(() => set.add(value), RangeError, `${value}`);
  }
});

Deno.test("Bitset shares its bits with a worker-readable copy", () => {
  const set = new Bitset();
  for (let i = 0; i < 10_000_000; i += 3) set.add(i);
  const shared = new Bitset(set.share());
  assert.equal(shared.size, set.size);
  assert.ok(shared.has(9_999_999) && !shared.has(9_999_998));
  // A bit per index: ten million indices in 1.25 MB.
  assert.ok(set.share().byteLength <= 1_250_000, `${set.share().byteLength} bytes`);
});
