/**
 * Spreads a templated run over Web Workers when one JavaScript thread is the
 * ceiling. The limit stays global: the workers split the concurrency slots
 * between them and every free slot, in any worker, takes the next index from
 * one shared atomic counter, so dispatch is the same greedy list scheduling
 * as in one thread. Records come back to the caller in batches.
 *
 * Pace holds across workers: with a `rate`, every worker takes due times
 * from one shared {@linkcode RateSchedule} (and `duration` counts from its
 * start); `perHost` is split between the workers so their shares add up to
 * it exactly (no more workers than `perHost`); a concurrency ramp ramps each
 * worker's share. Host-wide backoff is per worker: each pauses and slows an
 * origin on the 429s it sees itself.
 *
 * @module
 */

import type { Bitset } from "../output/bitset.ts";
import type { RequestRecord } from "./types.ts";
import type { RunSettings } from "./options.ts";
import type { SaveOptions } from "./save.ts";
import type { Shard } from "../sources/requests.ts";
import { RateSchedule } from "../pace/rate_schedule.ts";

/** Options for {@linkcode runTemplateInWorkers}: the run's {@linkcode RunSettings}, and the workers'. */
export interface WorkersOptions extends Omit<RunSettings, "rate"> {
  /**
   * Requests per second in all (see {@linkcode RunSettings.rate}), or the
   * {@linkcode RateSchedule} the workers share, to read it while they run.
   */
  rate?: number | RateSchedule | undefined;
  /**
   * How many workers to run.
   *
   * @default {2}
   */
  workers?: number;
  /** Save bodies to files, as `bodySaver` does: each worker writes its own; `onError` is called here. */
  save?: SaveOptions;
  /** Take only this shard's indices. */
  shard?: Shard;
  /**
   * Leave out these indices, as finished by an earlier run.
   *
   * @ignore The CLI's `--resume`: the bitset's shape may change in any release.
   */
  skip?: Bitset;
  /** Stops the run: requests in flight are cancelled and yield records with the error `aborted`. */
  signal?: AbortSignal;
  /** Stops dispatching gracefully: requests in flight finish and yield their records. */
  stop?: AbortSignal;
  /**
   * Called on this thread every {@linkcode IN_FLIGHT_MS} and before each
   * batch of records, with how many requests are in flight in all workers.
   */
  onInFlight?: (inFlight: number) => void;
}

/** How often `onInFlight` is told the requests in flight in all workers, in milliseconds. */
export const IN_FLIGHT_MS = 100;

/** A message from a runner worker. */
export type WorkerReport =
  | { type: "records"; records: RequestRecord[] }
  | { type: "done" }
  | { type: "error"; message: string }
  | { type: "save-error"; message: string };

/** A message to a runner worker. */
export type WorkerCommand =
  | {
    type: "start";
    template: string;
    count: number;
    shard: Shard;
    /** The worker's share of the run: its concurrency and per-origin cap. */
    settings: RunSettings;
    /** Save bodies to files (its `onError` stays with the caller). */
    save?: Omit<SaveOptions, "onError">;
    /** The run's rate schedule, shared: its rate, ramp and buffer. */
    schedule?: { rate: number; ramp: number; buffer: SharedArrayBuffer };
    /**
     * [next k, stop flag, requests in flight in all workers]: index `k` of the shard is
     * `shard.index + k * shard.total`.
     */
    counter: SharedArrayBuffer;
    /** The bits of a {@linkcode Bitset} of indices to leave out. */
    skip?: SharedArrayBuffer;
  }
  | { type: "ack" }
  | { type: "stop" }
  | { type: "abort" };

/**
 * Makes `count` requests from a URL template (every `{}` replaced by the
 * index) across `workers` Web Workers, with at most `concurrency` in flight
 * in all, and yields one record per request as the batches arrive.
 *
 * @param template An http or https URL template.
 * @param count How many requests.
 * @param options The {@linkcode WorkersOptions}.
 * @returns The records, in no particular order.
 * @throws {Error} When a worker cannot start (it needs read permission for its module).
 *
 * @example
 * ```ts
 * import { runTemplateInWorkers } from "./workers.ts";
 * import { serveDelay } from "../server.ts";
 * import assert from "node:assert/strict";
 *
 * await using server = serveDelay({ maxDelay: 0 });
 * const records = await Array.fromAsync(
 *   runTemplateInWorkers(`${server.url}{}`, 100, { workers: 2, concurrency: 10 }),
 * );
 * assert.deepEqual(records.map((r) => r.index).sort((a, b) => a - b), [...Array(100).keys()]);
 * ```
 */
export async function* runTemplateInWorkers(
  template: string,
  count: number,
  options: WorkersOptions = {},
): AsyncGenerator<RequestRecord, void, undefined> {
  const {
    concurrency = 1000,
    workers: wanted = 2,
    shard = { index: 0, total: 1 },
    skip,
    signal,
    stop,
    save,
    onInFlight,
    rate,
    ...settings
  } = options;
  // A function cannot cross to a worker: the workers report save errors, and onError hears them here.
  const { onError: onSaveError, ...saveOptions } = save ?? {};
  const { perHost } = settings;
  // Each worker gets a share of perHost, so the shares add up to it exactly.
  const workerCount = Math.max(1, Math.min(wanted, concurrency, perHost ?? Infinity));
  // One schedule for all: it starts when the first worker takes a ticket.
  const schedule = rate === undefined || rate instanceof RateSchedule
    ? rate
    : new RateSchedule(rate, settings.ramp === undefined ? {} : { ramp: settings.ramp });
  const counter = new SharedArrayBuffer(24);
  const flags = new BigInt64Array(counter);
  const tellInFlight = () => onInFlight?.(Number(Atomics.load(flags, 2)));
  const telling = onInFlight && setInterval(tellInFlight, IN_FLIGHT_MS);
  const skipped = skip && skip.size > 0 ? skip.share() : undefined;
  let batches: { from: Worker; records: RequestRecord[] }[] = [];
  let running = workerCount;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const workers: Worker[] = [];
  function spawn(i: number): Worker {
    const worker = new Worker(new URL("./_worker.ts", import.meta.url).href, {
      type: "module",
    });
    worker.onmessage = ({ data }: MessageEvent<WorkerReport>) => {
      if (data.type === "records") batches.push({ from: worker, records: data.records });
      else if (data.type === "done") running--;
      else if (data.type === "save-error") onSaveError?.(new Error(data.message));
      else {
        failure ??= new Error(data.message);
        running--;
      }
      wake?.();
    };
    worker.onerror = (event) => {
      event.preventDefault();
      failure ??= new Error(`Cannot run the request worker: ${event.message}`);
      running--;
      wake?.();
    };
    const share = (total: number) =>
      Math.floor(total / workerCount) + (i < total % workerCount ? 1 : 0);
    const command: WorkerCommand = {
      type: "start",
      template,
      count,
      shard,
      settings: {
        ...settings,
        ...(schedule ? { rate: schedule.rate } : {}),
        concurrency: share(concurrency),
        ...(perHost === undefined ? {} : { perHost: share(perHost) }),
      },
      ...(save ? { save: saveOptions as Omit<SaveOptions, "onError"> } : {}),
      ...(schedule
        ? { schedule: { rate: schedule.rate, ramp: schedule.ramp, buffer: schedule.buffer } }
        : {}),
      counter,
      ...(skipped ? { skip: skipped } : {}),
    };
    worker.postMessage(command);
    return worker;
  }
  const onStop = () => Atomics.store(flags, 1, 1n);
  const onAbort = () => {
    onStop();
    for (const worker of workers) worker.postMessage({ type: "abort" } satisfies WorkerCommand);
  };
  stop?.addEventListener("abort", onStop);
  signal?.addEventListener("abort", onAbort);
  try {
    for (let i = 0; i < workerCount; i++) workers.push(spawn(i));
    if (stop?.aborted) onStop();
    if (signal?.aborted) onAbort();
    while (running > 0 || batches.length > 0) {
      if (batches.length === 0) {
        const { promise, resolve } = Promise.withResolvers<void>();
        wake = resolve;
        await promise;
        continue;
      }
      const ready = batches;
      batches = [];
      tellInFlight();
      for (const { from, records } of ready) {
        yield* records;
        // Each worker has a few batches unacknowledged at most: this lets it send one more.
        from.postMessage({ type: "ack" } satisfies WorkerCommand);
      }
    }
    if (failure) throw failure;
  } finally {
    clearInterval(telling);
    stop?.removeEventListener("abort", onStop);
    signal?.removeEventListener("abort", onAbort);
    for (const worker of workers) worker.terminate();
  }
}
