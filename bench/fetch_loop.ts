/**
 * The plain `fetch` loop the runner is compared with: C async workers, each awaiting one request
 * and its body at a time, through one HTTP client with a pool as large as C. No records, no
 * statistics, no timeouts.
 *
 * `deno run -A bench/fetch_loop.ts URL_TEMPLATE COUNT CONCURRENCY` prints
 * `{"count":N,"seconds":S,"requestsPerSecond":R}`; `{}` in the template becomes the index.
 *
 * @module
 */

/**
 * Makes `count` GET requests, `concurrency` at a time, reading each body whole.
 *
 * @param template The URL, with `{}` replaced by the request's index.
 * @param count The number of requests.
 * @param concurrency The number of workers.
 * @returns The requests made and the seconds they took.
 */
export async function fetchLoop(
  template: string,
  count: number,
  concurrency: number,
): Promise<{ count: number; seconds: number; requestsPerSecond: number }> {
  using client = Deno.createHttpClient({ poolMaxIdlePerHost: concurrency });
  let next = 0;
  async function worker(): Promise<void> {
    while (next < count) {
      const url = template.replace("{}", String(next++));
      await (await fetch(url, { client })).arrayBuffer();
    }
  }
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { count, seconds, requestsPerSecond: Math.round(count / seconds) };
}

if (import.meta.main) {
  const [template, count, concurrency] = Deno.args;
  if (template === undefined || !(Number(count) >= 0) || !(Number(concurrency) >= 1)) {
    console.error("usage: fetch_loop.ts URL_TEMPLATE COUNT CONCURRENCY");
    Deno.exit(2);
  }
  console.log(JSON.stringify(await fetchLoop(template, Number(count), Number(concurrency))));
}
