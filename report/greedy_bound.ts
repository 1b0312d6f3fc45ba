/**
 * The greedy list-scheduling bound: the shortest time any client that does
 * not know the delays ahead can finish a run in.
 *
 * @module
 */

/**
 * Computes the list-scheduling makespan of `durations` on `slots` parallel
 * slots: each duration, in dispatch order, goes to the slot that frees
 * first. Memory is O(slots), whatever the number of durations.
 *
 * @param durations The durations, in dispatch order.
 * @param slots The number of slots, the concurrency limit.
 * @returns The time the last slot frees, in the durations' unit.
 * @throws {RangeError} When `slots` is not a positive integer.
 *
 * @example
 * ```ts
 * import { greedyMakespan } from "./greedy_bound.ts";
 * import assert from "node:assert/strict";
 *
 * // Slot A runs 3; slot B runs 1, then 1, then 2: B ends at 4.
 * assert.equal(greedyMakespan([3, 1, 1, 2], 2), 4);
 * ```
 */
export function greedyMakespan(durations: Iterable<number>, slots: number): number {
  if (!Number.isInteger(slots) || slots < 1) {
    throw new RangeError(
      `Cannot compute makespan as 'slots' must be a positive integer: current value is ${slots}`,
    );
  }
  const finishTimes = new Float64Array(slots); // a binary min-heap, filled with zeros
  let makespan = 0;
  for (const duration of durations) {
    const finish = finishTimes[0]! + duration;
    if (finish > makespan) makespan = finish;
    siftDown(finishTimes, finish);
  }
  return makespan;
}

/** Replaces the heap's root with `value` and restores the heap order. */
function siftDown(heap: Float64Array, value: number): void {
  let index = 0;
  while (true) {
    const left = 2 * index + 1;
    if (left >= heap.length) break;
    const right = left + 1;
    const child = right < heap.length && heap[right]! < heap[left]! ? right : left;
    if (heap[child]! >= value) break;
    heap[index] = heap[child]!;
    index = child;
  }
  heap[index] = value;
}
