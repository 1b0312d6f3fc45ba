import assert from "node:assert/strict";
import { checkHeader, parseTarget, requestsFromTargets } from "../../sources/targets.ts";

Deno.test("parseTarget() refuses what is not a vegeta JSON target", () => {
  const bad: [string, RegExp][] = [
    ["[1]", /not a JSON object/],
    ['{"method":"GET"}', /'url' is not a string/],
    ['{"url":"ftp://127.0.0.1/"}', /not http or https/],
    ['{"url":"http://127.0.0.1/","method":"G T"}', /'method'/],
    ['{"url":"http://127.0.0.1/","header":{"X":[1]}}', /header 'X'/],
    ['{"url":"http://127.0.0.1/","header":{"Host":["a"]}}', /Host.*sets or rewrites/],
    ['{"url":"http://127.0.0.1/","body":"%%%"}', /base64/],
    ['{"url":"http://127.0.0.1/","body":5}', /'body' is not a string/],
  ];
  for (const [line, message] of bad) assert.throws(() => parseTarget(line, 0), message, line);
});

Deno.test("requestsFromTargets() numbers targets by position, shards them and names a bad line", async () => {
  const text = [
    '{"url":"http://127.0.0.1/0"}',
    "",
    '{"url":"http://127.0.0.1/1"}',
    '{"url":"http://127.0.0.1/2"}',
  ].join("\n");
  const shard = await Array.fromAsync(
    requestsFromTargets(new Blob([text]).stream(), { index: 1, total: 2 }),
  );
  assert.deepEqual(shard, [{ index: 1, url: "http://127.0.0.1/1" }]);
  const broken = `${text}\n{"url":`;
  await assert.rejects(
    Array.fromAsync(requestsFromTargets(new Blob([broken]).stream())),
    /^TypeError: Line 5: /,
  );
});

Deno.test("checkHeader() refuses the headers fetch sets itself, in any case", () => {
  for (
    const name of [
      "Host",
      "content-length",
      "CONNECTION",
      "Transfer-Encoding",
      "Keep-Alive",
      "Upgrade",
      "TE",
      "Trailer",
    ]
  ) {
    assert.throws(() => checkHeader(name, "x"), /sets or rewrites/);
  }
  assert.throws(() => checkHeader("X-A", "a\nb"), /control character/);
  checkHeader("X-A", "a\tb");
});
