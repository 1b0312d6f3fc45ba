/**
 * The leak check's subprocess (run by `leak_test.ts` with `--v8-flags=--expose-gc`): a local
 * server and {@linkcode runRequests} into a {@linkcode Summary} in one process; at every
 * checkpoint a full garbage collection, then the V8 heap in use (with external memory) and the
 * open descriptors.
 *
 * `deno run -A --v8-flags=--expose-gc tests/runner/__leak_probe.ts COUNT EVERY`
 * prints `{"heap":[bytes...],"fds":[n...],"ok":N}`, one entry per checkpoint.
 *
 * @module
 */

import { runRequests } from "../../runner/run.ts";
import { Summary } from "../../report/summary.ts";

const [count, every] = Deno.args.map(Number) as [number, number];
const gc = (globalThis as unknown as { gc?: () => void }).gc;
if (!gc || !(count > 0) || !(every > 0)) {
  console.error("usage: deno run --v8-flags=--expose-gc _leak_probe.ts COUNT EVERY");
  Deno.exit(2);
}
await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
  return new Response("ok");
});
const base = `http://127.0.0.1:${server.addr.port}/`;
function* urls(): Generator<string> {
  for (let i = 0; i < count; i++) yield `${base}${i}`;
}
const heap: number[] = [], fds: number[] = [];
const summary = new Summary();
for await (const record of runRequests(urls(), { concurrency: 50 })) {
  summary.add(record);
  if (summary.count % every === 0) {
    gc();
    const { heapUsed, external } = Deno.memoryUsage();
    heap.push(heapUsed + external);
    fds.push(Array.from(Deno.readDirSync("/proc/self/fd")).length);
  }
}
console.log(JSON.stringify({ heap, fds, ok: summary.ok }));
