/**
 * A first-in first-out queue for the concurrency primitives: O(1) at both ends.
 *
 * @module
 */

/**
 * A first-in first-out queue with O(1) `push` and `shift`, as a singly linked list.
 *
 * @typeParam T The type of the values.
 *
 * @example
 * ```ts
 * import { Queue } from "./queue.ts";
 * import assert from "node:assert/strict";
 *
 * const queue = new Queue<number>();
 * queue.push(1);
 * queue.push(2);
 * assert.equal(queue.shift(), 1);
 * assert.equal(queue.size, 1);
 * ```
 */
export class Queue<T> {
  #head: QueueNode<T> | undefined;
  #tail: QueueNode<T> | undefined;
  /** Values in the queue. */
  size = 0;

  /** Adds `value` at the back. */
  push(value: T): void {
    const node: QueueNode<T> = { value, next: undefined };
    if (this.#tail) this.#tail.next = node;
    else this.#head = node;
    this.#tail = node;
    this.size++;
  }

  /** The value at the front, left in place; `undefined` when empty. */
  peek(): T | undefined {
    return this.#head?.value;
  }

  /** Removes and returns the value at the front; `undefined` when empty. */
  shift(): T | undefined {
    const node = this.#head;
    if (!node) return undefined;
    this.#head = node.next;
    if (!this.#head) this.#tail = undefined;
    this.size--;
    return node.value;
  }
}

interface QueueNode<T> {
  value: T;
  next: QueueNode<T> | undefined;
}
