/**
 * The clients of the `read` measurement: the runner with a `read` that parses JSON, the runner
 * counting bodies, and bare fetch loops (C async workers, one HTTP client) that parse the JSON
 * or read the body whole.
 *
 * `deno run -A bench/read_loop.ts MODE URL_TEMPLATE COUNT CONCURRENCY` prints
 * `{"mode":M,"count":N,"seconds":S,"requestsPerSecond":R}`; MODE is `runner-read`,
 * `runner-read-fetch` (the same read on `engine: "fetch"`), `runner-count`, `bare-json` or
 * `bare-body`; `{}` in the template becomes the index.
 *
 * @module
 */

import { runRequests } from "../runner/run.ts";
import { requestsFromTemplate } from "../sources/requests.ts";

/** The modes. */
export const MODES = [
  "runner-read",
  "runner-read-fetch",
  "runner-count",
  "bare-json",
  "bare-body",
] as const;

/**
 * Makes `count` requests in one mode.
 *
 * @param mode The client.
 * @param template The URL, with `{}` replaced by the request's index.
 * @param count The number of requests.
 * @param concurrency The limit.
 * @returns The seconds the requests took; throws when one failed.
 */
export async function readLoop(
  mode: typeof MODES[number],
  template: string,
  count: number,
  concurrency: number,
): Promise<number> {
  const started = performance.now();
  if (mode === "runner-read" || mode === "runner-read-fetch" || mode === "runner-count") {
    const read = mode === "runner-count" ? {} : { read: (r: Response) => r.json() };
    const engine = mode === "runner-read-fetch" ? "fetch" : "auto";
    const options = { concurrency, engine, ...read } as const;
    for await (const record of runRequests(requestsFromTemplate(template, count), options)) {
      if (record.error) throw new Error(`${record.url}: ${record.error} ${record.detail}`);
    }
  } else {
    using client = Deno.createHttpClient({ poolMaxIdlePerHost: concurrency });
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const response = await fetch(template.replace("{}", String(next++)), { client });
        if (mode === "bare-json") await response.json();
        else await response.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  }
  return (performance.now() - started) / 1000;
}

if (import.meta.main) {
  const [mode, template, count, concurrency] = Deno.args;
  if (!MODES.includes(mode as typeof MODES[number]) || template === undefined) {
    console.error(`usage: read_loop.ts ${MODES.join("|")} URL_TEMPLATE COUNT CONCURRENCY`);
    Deno.exit(2);
  }
  const seconds = await readLoop(
    mode as typeof MODES[number],
    template,
    Number(count),
    Number(concurrency),
  );
  console.log(
    JSON.stringify({
      mode,
      count: Number(count),
      seconds,
      requestsPerSecond: Math.round(Number(count) / seconds),
    }),
  );
}
