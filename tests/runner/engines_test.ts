/**
 * The runner on both engines: the same requests, run once with h1 and once
 * with fetch, give the same records (status, kind, bytes, attempts, value,
 * and the detail where it does not quote the transport's own message).
 */
import assert from "node:assert/strict";
import { requestsFromTemplate, runRequests, serveDelay } from "../../mod.ts";
import type { RequestRecord } from "../../runner/types.ts";
import type { RunOptions } from "../../runner/options.ts";
import type { RequestSpec } from "../../runner/types.ts";

/** Details written by the runner itself, the same whatever the engine. */
const OWN_DETAILS = new Set(["http_status", "redirects", "too_large", "read", "invalid_url"]);

function comparable(record: RequestRecord) {
  const { index, url, status, attempts, error, value, delay } = record;
  // A body cut short: h1 counts the bytes that arrived; fetch, reading a small body in one go,
  // loses them. Both name it `truncated`. Past maxBytes, the count stops at the chunk that
  // crossed it, and chunks are the transport's.
  const bytes = error === "truncated" || error === "too_large" ? error : record.bytes;
  const detail = error !== undefined && OWN_DETAILS.has(error) ? record.detail : undefined;
  return { index, url, status, bytes, attempts, error, detail, value, delay };
}

async function bothEngines<T>(
  requests: (string | RequestSpec)[],
  options: RunOptions<T> = {},
) {
  const run = async (engine: "h1" | "fetch") => {
    const records = await Array.fromAsync(runRequests(requests, { ...options, engine }));
    return records.sort((a, b) => a.index - b.index).map(comparable);
  };
  const h1 = await run("h1");
  assert.deepEqual(h1, await run("fetch"));
  return h1;
}

Deno.test("runRequests() gives the same records on h1 and fetch for the delay server's faults", async () => {
  for (const faults of [{ error: 0.5 }, { truncate: 0.5 }, { hang: 0.5 }]) {
    // A server of the same seed for each engine, one request at a time: the same faults in turn.
    const run = async (engine: "h1" | "fetch") => {
      await using server = serveDelay({ maxDelay: 0, seed: 5, faults });
      const requests = requestsFromTemplate(`${server.url}{}`, 8);
      // Only a hang needs the timeout; the others get room for a loaded machine.
      const options = { concurrency: 1, timeout: "hang" in faults ? 300 : 5000, engine };
      return (await Array.fromAsync(runRequests(requests, options))).map(comparable)
        .map((record) => ({ ...record, url: new URL(record.url).pathname }));
    };
    const records = await run("h1");
    assert.deepEqual(records, await run("fetch"), JSON.stringify(faults));
    assert.ok(records.some((record) => record.error !== undefined), JSON.stringify(faults));
    assert.ok(records.some((record) => record.error === undefined), JSON.stringify(faults));
  }
});

Deno.test("runRequests() gives the same records on h1 and fetch for redirects, reads, limits and retries", async () => {
  let busy = 0;
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const path = new URL(request.url).pathname;
      if (path.startsWith("/hop/")) {
        const n = Number(path.slice(5));
        return new Response(null, {
          status: 302,
          headers: { location: n > 1 ? `/hop/${n - 1}` : "/end" },
        });
      }
      if (path === "/loop") {
        return new Response(null, {
          status: 301,
          headers: { location: "/loop" },
        });
      }
      if (path === "/see-other") {
        return new Response(null, {
          status: 303,
          headers: { location: "/end" },
        });
      }
      if (path === "/big") return new Response(new Uint8Array(300_000));
      if (path === "/busy") {
        return new Response("busy", {
          status: busy++ % 2 === 0 ? 503 : 200,
          headers: { "retry-after": "0" },
        });
      }
      if (path === "/gone") return new Response("gone", { status: 410 });
      return new Response(`${request.method} ${path} ${await request.text()}`);
    },
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  await bothEngines([
    `${base}/hop/3`,
    `${base}/hop/9`,
    `${base}/loop`,
    `${base}/gone`,
    `${base}/big`,
  ], {
    maxRedirects: 5,
    retries: 1,
    retryDelay: 1,
  });
  await bothEngines([`${base}/big`], { maxBytes: 100_000 });
  await bothEngines([`${base}/busy`, `${base}/busy`], {
    retries: 2,
    retryDelay: 1,
    concurrency: 1,
  });
  const read = (response: Response) => response.text();
  const records = await bothEngines(
    [`${base}/hop/2`, { index: 1, url: `${base}/see-other`, method: "POST", body: "x" }, {
      index: 2,
      url: `${base}/echo`,
      method: "PUT",
      body: "payload",
    }],
    { read },
  );
  assert.deepEqual(records.map((record) => record.value), [
    "GET /end ",
    "GET /end ",
    "PUT /echo payload",
  ]);
});

Deno.test("runRequests() names the same transport failures on h1 and fetch", async () => {
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (closed.addr as Deno.NetAddr).port;
  closed.close();
  const records = await bothEngines([`http://127.0.0.1:${port}/`, "http://127.0.0.1:99999/"], {
    retries: 1,
    retryDelay: 1,
  });
  assert.deepEqual(records.map((record) => record.error), ["refused", "invalid_url"]);
});
