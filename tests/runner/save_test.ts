import assert from "node:assert/strict";
import { runRequests } from "../../runner/run.ts";
import { bodySaver } from "../../runner/save.ts";

Deno.test("a body that cannot be written locally fails as write, not truncated, and is not retried", async () => {
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    return new Response("x".repeat(100_000));
  });
  const errors: Error[] = [];
  // A directory under a file: every body's file is refused by the local file system.
  const sink = bodySaver({ dir: "/dev/null/bodies", onError: (error) => errors.push(error) });
  const url = `http://127.0.0.1:${server.addr.port}/`;
  const records = await Array.fromAsync(runRequests([url, url], { sink, retries: 3 }));
  for (const record of records) {
    assert.equal(record.error, "write");
    assert.equal(record.attempts, 1);
    assert.ok(!record.detail!.includes("/dev/null"), record.detail);
  }
  assert.equal(errors.length, 2);
  assert.match(errors[0]!.message, /^Cannot save a body to '\/dev\/null\/bodies\/0\/\d\.part'/);
});
