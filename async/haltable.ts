/**
 * A source, sync or async, that ends as soon as a signal aborts: a sync
 * source stays sync, and an async one waiting for its next item is not waited
 * for once the signal aborts.
 *
 * @module
 */

/**
 * Maps the items of `source` (with their positions) and ends as soon as
 * `halt` aborts.
 *
 * @typeParam T The source's items.
 * @typeParam U The items yielded.
 * @param source The items, sync or async.
 * @param halt Ends the iteration when it aborts.
 * @param map Makes each item, from the source's item and its position.
 * @returns The mapped items, sync when `source` is.
 *
 * @example
 * ```ts
 * import { haltable } from "./haltable.ts";
 * import assert from "node:assert/strict";
 *
 * const halt = new AbortController();
 * const items = haltable(["a", "b"], halt.signal, (item, i) => `${i}:${item}`);
 * assert.deepEqual([...(items as Iterable<string>)], ["0:a", "1:b"]);
 * ```
 */
export function haltable<T, U>(
  source: Iterable<T> | AsyncIterable<T>,
  halt: AbortSignal | undefined,
  map: (item: T, position: number) => U,
): Iterable<U> | AsyncIterable<U> {
  if (!(Symbol.asyncIterator in source)) return numbered(source, halt, map);
  const items = source[Symbol.asyncIterator]();
  let position = 0;
  let pending = false;
  const iterator: AsyncIterableIterator<U> = {
    next() {
      if (halt?.aborted) return Promise.resolve({ done: true, value: undefined });
      const { promise, resolve, reject } = Promise.withResolvers<IteratorResult<U>>();
      const onHalt = () => resolve({ done: true, value: undefined });
      halt?.addEventListener("abort", onHalt, { once: true });
      pending = true;
      items.next().then((next) => {
        pending = false;
        halt?.removeEventListener("abort", onHalt);
        resolve(next.done ? next : { done: false, value: map(next.value, position++) });
      }, (error) => {
        pending = false;
        halt?.removeEventListener("abort", onHalt);
        reject(error);
      });
      return promise;
    },
    async return() {
      // A source still waiting for its next item would hold `return()` back.
      if (!pending) await items.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

function* numbered<T, U>(
  source: Iterable<T>,
  halt: AbortSignal | undefined,
  map: (item: T, position: number) => U,
): Generator<U> {
  let position = 0;
  for (const item of source) {
    if (halt?.aborted) return;
    yield map(item, position++);
  }
}
