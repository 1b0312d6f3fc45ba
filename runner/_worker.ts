/**
 * The inside of a runner worker, started by `runTemplateInWorkers` in
 * `workers.ts`: it takes indices from the shared counter, runs them through
 * {@linkcode runRequests} and sends the records back in batches, holding
 * back new requests while too many batches are unacknowledged.
 *
 * @module
 */

import { Bitset } from "../output/bitset.ts";
import { RateSchedule } from "../pace/rate_schedule.ts";
import { runRequests } from "./run.ts";
import { bodySaver } from "./save.ts";
import { Semaphore } from "../semaphore.ts";
import { templateSource } from "../sources/requests.ts";
import type { WorkerCommand, WorkerReport } from "./workers.ts";
import type { RequestRecord, RequestSpec, RunOptions } from "./run.ts";

/** Records per message. */
const BATCH_SIZE = 256;
/** How often a partial batch may go out, in milliseconds. */
const BATCH_MS = 50;
/** Batches sent and not yet acknowledged, at most. */
const BATCHES_IN_FLIGHT = 4;

const scope = globalThis as unknown as Worker;
const credits = new Semaphore(BATCHES_IN_FLIGHT);
const abort = new AbortController();

scope.onmessage = async ({ data }: MessageEvent<WorkerCommand>) => {
  if (data.type === "ack") return credits.release();
  if (data.type === "abort") return abort.abort();
  if (data.type !== "start") return;
  try {
    await run(data);
    report({ type: "done" });
  } catch (error) {
    report({ type: "error", message: error instanceof Error ? error.message : String(error) });
  }
};

function report(message: WorkerReport): void {
  scope.postMessage(message);
}

async function run(command: Extract<WorkerCommand, { type: "start" }>): Promise<void> {
  let batch: RequestRecord[] = [];
  function post(): void {
    report({ type: "records", records: batch });
    batch = [];
  }
  // A partial batch goes out when a credit is free, so slow runs report promptly.
  const flusher = setInterval(() => {
    if (batch.length > 0 && credits.tryAcquire()) post();
  }, BATCH_MS);
  try {
    const { settings, save, schedule } = command;
    const onError = (error: Error) => report({ type: "save-error", message: error.message });
    // Each change of this worker's count, added to the count of all.
    const slots = new BigInt64Array(command.counter);
    let inFlight = 0;
    const options: RunOptions = {
      ...settings,
      signal: abort.signal,
      onInFlight: (now) => {
        Atomics.add(slots, 2, BigInt(now - inFlight));
        inFlight = now;
      },
    };
    if (save) options.sink = bodySaver({ ...save, onError });
    if (schedule) options.rate = new RateSchedule(schedule.rate, schedule);
    for await (const record of runRequests(requestsOf(command), options)) {
      batch.push(record);
      if (batch.length >= BATCH_SIZE) {
        await credits.acquire();
        post();
      }
    }
  } finally {
    clearInterval(flusher);
  }
  if (batch.length > 0) {
    await credits.acquire();
    post();
  }
}

/** This worker's share of the requests: whatever index the shared counter hands out next. */
function requestsOf(command: Extract<WorkerCommand, { type: "start" }>): Iterable<RequestSpec> {
  const { template, count, shard } = command;
  const counter = new BigInt64Array(command.counter);
  return templateSource(template, count, {
    shard,
    skip: command.skip && new Bitset(command.skip),
    // Past the end once the run stops.
    next: () => Atomics.load(counter, 1) === 0n ? Number(Atomics.add(counter, 0, 1n)) : Infinity,
  });
}
