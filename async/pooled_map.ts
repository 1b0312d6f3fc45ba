/**
 * Lazy bounded-concurrency mapping with the shapes of `@std/async`:
 * {@linkcode pooledMap} and {@linkcode pooledMapSettled}. Nothing here knows
 * about HTTP.
 *
 * @module
 */

import { Queue } from "./queue.ts";

/** Options for {@linkcode pooledMap}. */
export interface PooledMapOptions {
  /**
   * The most items in flight at once; also the most finished results held for
   * a slow reader.
   */
  poolLimit: number;
  /**
   * Stops the mapping: no new item starts, the calls in flight finish and
   * their results are yielded, then the iteration throws the abort reason
   * (as `@std/async`'s `pooledMapSettled` does).
   */
  signal?: AbortSignal;
  /**
   * Yield results in input order (`true`, as `@std/async` does) or as they
   * finish (`false`), which lets a free slot start the next item at once.
   *
   * @default {true}
   */
  ordered?: boolean;
}

/** One started item: its outcome once settled. */
interface Task<R> {
  settled: boolean;
  value?: R;
  error?: unknown;
  failed: boolean;
}

/**
 * Maps `items` through `fn` with at most `poolLimit` calls in flight, pulling
 * items lazily and yielding results in input order (or completion order with
 * `ordered: false`).
 *
 * Unlike the stable `@std/async` version it is safe to `break` out of (input
 * stops being pulled and in-flight calls are awaited), it applies
 * backpressure (a slow reader holds back new work: at most `poolLimit`
 * results wait unread) and it does O(1) work per item.
 *
 * When `fn` rejects, no further items are started; calls already running
 * finish and their results are still yielded, then an `AggregateError`
 * holding every rejection, in the order they happened, is thrown. When
 * pulling an item throws, the same happens and that error is thrown instead.
 * An async source is pulled while results are read, so a source that waits
 * for its next item holds back neither finished results nor an abort.
 *
 * It takes both of `@std/async`'s call forms: this newer
 * `pooledMap(items, fn, poolLimit | options)` and the stable
 * `pooledMap(poolLimit, items, fn)`.
 *
 * @typeParam T The type of the items.
 * @typeParam R The type of the results.
 * @param items The items, an Iterable or AsyncIterable, pulled only when a slot is free.
 * @param fn The function to run on each item.
 * @param options The pool limit, or {@linkcode PooledMapOptions}.
 * @returns An async iterator of the results.
 * @throws {RangeError} When `poolLimit` is not a positive integer.
 *
 * @example Completion order with a pool of two
 * ```ts
 * import { pooledMap } from "./pooled_map.ts";
 * import assert from "node:assert/strict";
 *
 * const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
 * const results = pooledMap([30, 10, 20], async (ms) => {
 *   await sleep(ms);
 *   return ms;
 * }, { poolLimit: 2, ordered: false });
 * assert.deepEqual(await Array.fromAsync(results), [10, 30, 20]);
 * ```
 */
export function pooledMap<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  fn: (item: T) => Promise<R>,
  options: number | PooledMapOptions,
): AsyncGenerator<R, void, undefined>;
/**
 * {@linkcode pooledMap} in the stable call form of `@std/async`, the pool limit first.
 *
 * @typeParam T The type of the items.
 * @typeParam R The type of the results.
 * @param poolLimit The most calls in flight at once.
 * @param items The items, an Iterable or AsyncIterable, pulled only when a slot is free.
 * @param fn The function to run on each item.
 * @returns An async iterator of the results, in input order.
 * @throws {RangeError} When `poolLimit` is not a positive integer.
 *
 * @example
 * ```ts
 * import { pooledMap } from "./pooled_map.ts";
 * import assert from "node:assert/strict";
 *
 * const doubled = pooledMap(2, [1, 2, 3], (n) => Promise.resolve(n * 2));
 * assert.deepEqual(await Array.fromAsync(doubled), [2, 4, 6]);
 * ```
 */
export function pooledMap<T, R>(
  poolLimit: number,
  items: Iterable<T> | AsyncIterable<T>,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R, void, undefined>;
export function pooledMap<T, R>(
  ...args: NewerForm<T, R> | StableForm<T, R>
): AsyncGenerator<R, void, undefined> {
  if (typeof args[0] !== "number") return mapPooled(...(args as NewerForm<T, R>));
  const [poolLimit, items, fn] = args as StableForm<T, R>;
  return mapPooled(items, fn, poolLimit);
}

/** Items to map: pulled lazily from a sync or async iterable. */
type Source<T> = Iterable<T> | AsyncIterable<T>;
/** `pooledMap(items, fn, poolLimit | options)`. */
type NewerForm<T, R> = [Source<T>, (item: T) => Promise<R>, number | PooledMapOptions];
/** `pooledMap(poolLimit, items, fn)`, the stable form of `@std/async`. */
type StableForm<T, R> = [number, Source<T>, (item: T) => Promise<R>];

/** Options for {@linkcode pooledMapSettled}. */
export interface PooledMapSettledOptions {
  /** The most items in flight at once; also the most finished results held for a slow reader. */
  poolLimit: number;
  /**
   * Stops the mapping: no new item starts, the calls in flight finish and
   * their outcomes are yielded, then the iteration throws the abort reason.
   */
  signal?: AbortSignal;
}

/**
 * Like {@linkcode pooledMap}, but never fails fast: every item is mapped, and
 * each outcome is yielded as a `PromiseSettledResult` in input order, as
 * `@std/async`'s unstable `pooledMapSettled` does. Only the source failing to
 * produce an item, or the signal, ends the iteration with an error.
 *
 * @typeParam T The type of the items.
 * @typeParam R The type of the results.
 * @param items The items, an Iterable or AsyncIterable, pulled only when a slot is free.
 * @param fn The function to run on each item.
 * @param options The {@linkcode PooledMapSettledOptions}.
 * @returns An async iterator of the settled results, in input order.
 * @throws {RangeError} When `poolLimit` is not a positive integer.
 *
 * @example Failures do not stop the others
 * ```ts
 * import { pooledMapSettled } from "./pooled_map.ts";
 * import assert from "node:assert/strict";
 *
 * const results = pooledMapSettled([1, 2, 3], async (n) => {
 *   if (n === 2) throw new Error("two");
 *   return n;
 * }, { poolLimit: 2 });
 * const statuses = (await Array.fromAsync(results)).map((result) => result.status);
 * assert.deepEqual(statuses, ["fulfilled", "rejected", "fulfilled"]);
 * ```
 */
export function pooledMapSettled<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  fn: (item: T) => Promise<R>,
  options: PooledMapSettledOptions,
): AsyncGenerator<PromiseSettledResult<R>, void, undefined> {
  return mapPooled(items, (item) => settleCall(fn, item), options);
}

/** Calls `fn`, turning its outcome (a synchronous throw included) into a settled result. */
async function settleCall<T, R>(
  fn: (item: T) => Promise<R>,
  item: T,
): Promise<PromiseSettledResult<R>> {
  try {
    return { status: "fulfilled", value: await fn(item) };
  } catch (reason) {
    return { status: "rejected", reason };
  }
}

/** {@linkcode pooledMap} in its newer call form. */
async function* mapPooled<T, R>(
  items: Source<T>,
  fn: (item: T) => Promise<R>,
  options: number | PooledMapOptions,
): AsyncGenerator<R, void, undefined> {
  const { poolLimit, signal, ordered = true } = typeof options === "number"
    ? { poolLimit: options }
    : options;
  if (!Number.isInteger(poolLimit) || poolLimit < 1) {
    throw new RangeError(
      `Cannot map items as 'poolLimit' must be a positive integer: current value is ${poolLimit}`,
    );
  }
  signal?.throwIfAborted();

  const asyncIterator = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : undefined;
  const syncIterator = asyncIterator ? undefined : (items as Iterable<T>)[Symbol.iterator]();
  // Started tasks, unread: in input order, or in completion order when unordered.
  const window = new Queue<Task<R>>();
  const errors: unknown[] = [];
  let running = 0;
  let inputDone = false;
  // An async source is pulled while results are read: one pull at a time, never awaited directly.
  let pulling = false;
  let pulled: IteratorResult<T> | undefined;
  let sourceFailed = false;
  let sourceError: unknown;
  let wake: (() => void) | undefined;
  const onAbort = () => wake?.();
  signal?.addEventListener("abort", onAbort, { once: true });

  function canStart(): boolean {
    const unread = ordered ? window.size - running : window.size;
    return !inputDone && errors.length === 0 && !signal?.aborted && running < poolLimit &&
      unread < poolLimit;
  }

  function failSource(error: unknown): void {
    inputDone = true;
    sourceFailed = true;
    sourceError = error;
  }

  function pull(): void {
    if (syncIterator) {
      try {
        const next = syncIterator.next();
        if (next.done) inputDone = true;
        else start(next.value);
      } catch (error) {
        failSource(error);
      }
      return;
    }
    pulling = true;
    let next: Promise<IteratorResult<T>>;
    try {
      next = asyncIterator!.next();
    } catch (error) {
      next = Promise.reject(error);
    }
    next.then((next) => {
      pulling = false;
      pulled = next;
      wake?.();
    }, (error) => {
      pulling = false;
      failSource(error);
      wake?.();
    });
  }

  function start(item: T): void {
    const task: Task<R> = { settled: false, failed: false };
    running++;
    if (ordered) window.push(task);
    let promise: Promise<R>;
    try {
      promise = fn(item);
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (value) => settle(task, value, undefined, false),
      (error) => settle(task, undefined, error, true),
    );
  }

  function settle(task: Task<R>, value: R | undefined, error: unknown, failed: boolean): void {
    running--;
    task.settled = true;
    task.failed = failed;
    if (failed) errors.push(error);
    else task.value = value as R;
    if (!ordered) window.push(task);
    wake?.();
  }

  try {
    while (true) {
      if (pulled) {
        const next = pulled;
        pulled = undefined;
        if (next.done) inputDone = true;
        // An item that arrives once the signal aborted is not started.
        else if (!signal?.aborted) start(next.value);
      }
      while (!pulling && canStart()) pull();
      if (window.peek()?.settled) {
        const task = window.shift()!;
        if (!task.failed) yield task.value as R;
        continue;
      }
      const ended = inputDone || errors.length > 0 || signal?.aborted;
      if (window.size === 0 && running === 0 && ended) break;
      // Wait for a call to settle, a pull to finish, or the signal.
      const { promise, resolve } = Promise.withResolvers<void>();
      wake = resolve;
      await promise;
      wake = undefined;
    }
    // Calls in flight when the signal aborted have finished and been yielded.
    signal?.throwIfAborted();
    if (sourceFailed) throw sourceError;
    if (errors.length > 0) {
      throw new AggregateError(errors, "Cannot finish mapping as one or more calls failed");
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    if (!inputDone) {
      // A pending pull would hold `return()` back: let it finish in its own time.
      const returned = asyncIterator?.return?.() ?? syncIterator?.return?.();
      if (!pulling) await returned;
      else Promise.resolve(returned).catch(() => {});
    }
    while (running > 0) {
      const { promise, resolve } = Promise.withResolvers<void>();
      wake = resolve;
      await promise;
    }
  }
}
