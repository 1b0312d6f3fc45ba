// The undici peer for `deno task bench`, run by Node: C async workers, each awaiting one
// `undici.request` and its whole body at a time, through one Agent with as many connections as
// workers. The same loop as bench/fetch_loop.ts, with Node's fastest client.
//
// node bench/undici_loop.mjs UNDICI_ENTRY URL_TEMPLATE COUNT CONCURRENCY
// prints {"count":N,"seconds":S,"requestsPerSecond":R}; `{}` in the template becomes the index.
// UNDICI_ENTRY is the installed package's entry file (the bench installs it with npm into a
// cache folder, never into this repository).

import process from "node:process";
import { pathToFileURL } from "node:url";

const [entry, template, countText, concurrencyText] = process.argv.slice(2);
const count = Number(countText);
const concurrency = Number(concurrencyText);
if (!entry || !template || !(count >= 0) || !(concurrency >= 1)) {
  console.error("usage: undici_loop.mjs UNDICI_ENTRY URL_TEMPLATE COUNT CONCURRENCY");
  process.exit(2);
}
const { Agent, request } = await import(pathToFileURL(entry).href);
const dispatcher = new Agent({ connections: concurrency });
let next = 0;
let failed = 0;
async function worker() {
  while (next < count) {
    const url = template.replace("{}", String(next++));
    const { statusCode, body } = await request(url, { dispatcher });
    await body.arrayBuffer();
    if (statusCode < 200 || statusCode > 299) failed++;
  }
}
const started = performance.now();
await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
const seconds = (performance.now() - started) / 1000;
await dispatcher.close();
console.log(
  JSON.stringify({ count, failed, seconds, requestsPerSecond: Math.round(count / seconds) }),
);
