import assert from "node:assert/strict";
import { attempt, type AttemptContext } from "../../runner/attempt.ts";
import { Deadlines } from "../../async/deadline.ts";
import { RetryableError } from "../../runner/read.ts";
import type { Outgoing, Transport } from "../../runner/transport.ts";
import { replyOf } from "../../engine/fetch.ts";

/** A transport that answers from a table, noting what it was asked. */
function tableTransport(answer: (request: Outgoing) => Response) {
  const sent: Outgoing[] = [];
  const send: Transport = (request, signal) => {
    signal.throwIfAborted();
    sent.push(request);
    return Promise.resolve(replyOf(answer(request)));
  };
  return { send, sent };
}

function contextOf<T>(
  send: Transport,
  deadlines: Deadlines,
  more: Partial<AttemptContext<T>> = {},
): AttemptContext<T> {
  return {
    send,
    deadlines,
    signal: undefined,
    read: undefined,
    sink: undefined,
    maxBytes: Infinity,
    maxRedirects: 20,
    denied: undefined,
    ...more,
  };
}

const url = "http://example.test/a";
const spec = { index: 7, url };

Deno.test("attempt() goes through the transport it is given, redirects included", async () => {
  using deadlines = new Deadlines(5_000);
  const { send, sent } = tableTransport((request) =>
    request.url === url
      ? new Response(null, { status: 303, headers: { location: "/b" } })
      : new Response("hello", { headers: { delay: "0.5" } })
  );
  const outgoing = { url, method: "POST", body: "x" };
  const result = await attempt({ spec, outgoing, retriesLeft: 0 }, contextOf(send, deadlines));
  assert.deepEqual(result, { ok: true, status: 200, bytes: 5, retryAfter: 0, delay: 0.5 });
  assert.deepEqual(sent.map((request) => [request.url, request.method, request.body]), [
    [url, "POST", "x"],
    ["http://example.test/b", "GET", undefined],
  ]);
});

Deno.test("attempt() asks for a retry of a transient status only while retries are left", async () => {
  using deadlines = new Deadlines(5_000);
  const { send } = tableTransport(() =>
    new Response("slow down", {
      status: 429,
      statusText: "Too Many Requests",
      headers: { "retry-after": "2" },
    })
  );
  const reads: string[] = [];
  const read = async (response: Response) => {
    reads.push(await response.text());
    return "read";
  };
  const context = contextOf(send, deadlines, { read });
  const outgoing = { url, method: "GET" };
  const first = await attempt({ spec, outgoing, retriesLeft: 1 }, context);
  // Not the answer yet: read does not see it.
  assert.deepEqual(first, {
    ok: false,
    status: 429,
    bytes: 9,
    retryAfter: 2000,
    error: "http_status",
    detail: "HTTP 429 Too Many Requests",
    retry: true,
  });
  const last = await attempt({ spec, outgoing, retriesLeft: 0 }, context);
  assert.equal(last.ok, false);
  assert.equal(last.ok || last.retry, false);
  assert.equal(last.value, "read");
  assert.deepEqual(reads, ["slow down"]);
});

Deno.test("attempt() names a failed transport and a failed read, and which may be retried", async (t) => {
  using deadlines = new Deadlines(5_000);
  const outgoing = { url, method: "GET" };
  await t.step("refused: retried", async () => {
    const send: Transport = () =>
      Promise.reject(new TypeError("client error (Connect): Connection refused (os error 111)"));
    const result = await attempt({ spec, outgoing, retriesLeft: 1 }, contextOf(send, deadlines));
    assert.deepEqual(
      result.ok ? undefined : [result.error, result.retry, result.status],
      ["refused", true, 0],
    );
  });
  await t.step("a read that asks for a retry, and one that does not", async () => {
    const { send } = tableTransport(() => new Response("{"));
    for (
      const [error, retry] of [[new RetryableError("empty"), true], [
        new Error("bad"),
        false,
      ]] as const
    ) {
      const read = () => Promise.reject(error);
      const result = await attempt(
        { spec, outgoing, retriesLeft: 1 },
        contextOf(send, deadlines, { read }),
      );
      assert.deepEqual(result.ok ? undefined : [result.error, result.retry], ["read", retry]);
    }
  });
  await t.step("denied: not sent, not retried", async () => {
    const { send, sent } = tableTransport(() => new Response("no"));
    const denied = () => true;
    const result = await attempt(
      { spec, outgoing, retriesLeft: 3 },
      contextOf(send, deadlines, { denied }),
    );
    assert.deepEqual(result.ok ? undefined : [result.error, result.retry], ["permission", false]);
    assert.equal(sent.length, 0);
  });
  await t.step("the run aborted: aborted, whatever the error", async () => {
    const send: Transport = () => Promise.reject(new TypeError("connection reset"));
    const signal = AbortSignal.abort();
    const result = await attempt(
      { spec, outgoing, retriesLeft: 3 },
      contextOf(send, deadlines, { signal }),
    );
    assert.deepEqual(result.ok ? undefined : [result.error, result.retry], ["aborted", false]);
  });
});
