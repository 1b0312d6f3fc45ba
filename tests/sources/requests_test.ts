import assert from "node:assert/strict";
import {
  checkHttpUrl,
  parseShard,
  requestsFromLines,
  requestsFromTemplate,
  templateSource,
} from "../../sources/requests.ts";
import { Bitset } from "../../output/bitset.ts";
import { readLines } from "../../output/ndjson.ts";

function streamOf(text: string, chunkSize = 3): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset += chunkSize));
    },
  });
}

Deno.test("requestsFromTemplate() replaces every {} with the index", () => {
  const urls = [...requestsFromTemplate("http://127.0.0.1/{}/x?i={}", 3)].map((r) => r.url);
  assert.deepEqual(urls, [
    "http://127.0.0.1/0/x?i=0",
    "http://127.0.0.1/1/x?i=1",
    "http://127.0.0.1/2/x?i=2",
  ]);
  assert.deepEqual([...requestsFromTemplate("http://127.0.0.1/", 2)].map((r) => r.url), [
    "http://127.0.0.1/",
    "http://127.0.0.1/",
  ]);
});

Deno.test("requestsFromTemplate() refuses bad templates and counts", () => {
  for (const template of ["ftp://127.0.0.1/{}", "not a url {}", "/relative/{}", ""]) {
    assert.throws(() => requestsFromTemplate(template, 1), TypeError, template);
  }
  for (const count of [-1, 1.5, NaN, Infinity]) {
    assert.throws(() => requestsFromTemplate("http://127.0.0.1/", count), RangeError);
  }
});

Deno.test("shards of a template cover every index exactly once", () => {
  const seen: number[] = [];
  for (let index = 0; index < 4; index++) {
    for (const request of requestsFromTemplate("http://127.0.0.1/{}", 10, { index, total: 4 })) {
      assert.equal(request.index % 4, index);
      seen.push(request.index);
    }
  }
  assert.deepEqual(seen.sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

Deno.test("parseShard() reads I/N and refuses anything else", () => {
  assert.deepEqual(parseShard("0/1"), { index: 0, total: 1 });
  assert.deepEqual(parseShard("3/4"), { index: 3, total: 4 });
  for (const text of ["4/4", "1/0", "-1/4", "1.5/4", "a/b", "1", "1/2/3", ""]) {
    assert.throws(() => parseShard(text), RangeError, text);
  }
});

Deno.test("checkHttpUrl() accepts http and https only", () => {
  assert.equal(checkHttpUrl("https://127.0.0.1/"), "https://127.0.0.1/");
  assert.throws(() => checkHttpUrl("file:///etc/passwd"), /scheme/);
  assert.throws(() => checkHttpUrl("127.0.0.1"), /absolute/);
});

Deno.test("readLines() splits a list across chunk boundaries and keeps a last line without newline", async () => {
  const text = "alpha\nbeta\r\n\ngamma";
  const lines = (await Array.fromAsync(readLines(streamOf(text)))).map((line) => line.text);
  assert.deepEqual(lines, ["alpha", "beta\r", "", "gamma"]);
});

Deno.test("requestsFromLines() skips blanks and comments and shards by URL index", async () => {
  const text = "# list\nhttp://127.0.0.1/a\n\n  http://127.0.0.1/b  \n# x\nhttp://127.0.0.1/c\r\n";
  const all = await Array.fromAsync(requestsFromLines(streamOf(text)));
  assert.deepEqual(all, [
    { index: 0, url: "http://127.0.0.1/a" },
    { index: 1, url: "http://127.0.0.1/b" },
    { index: 2, url: "http://127.0.0.1/c" },
  ]);
  const second = await Array.fromAsync(requestsFromLines(streamOf(text), { index: 1, total: 2 }));
  assert.deepEqual(second, [{ index: 1, url: "http://127.0.0.1/b" }]);
});

Deno.test("requestsFromLines() names the line number of a malformed URL", async () => {
  const text = "http://127.0.0.1/a\n# fine\nftp://127.0.0.1/b\n";
  await assert.rejects(Array.fromAsync(requestsFromLines(streamOf(text))), /^TypeError: Line 3:/);
});

Deno.test("templateSource() shared by two consumers hands out every index of the shard once", () => {
  let taken = 0;
  const next = () => taken++;
  const skip = new Bitset();
  skip.add(4);
  const shard = { index: 0, total: 2 };
  const a = templateSource("http://127.0.0.1/{}", 11, { shard, skip, next })[Symbol.iterator]();
  const b = templateSource("http://127.0.0.1/{}", 11, { shard, skip, next })[Symbol.iterator]();
  const seen: number[] = [];
  for (let turn = 0; turn < 10; turn++) {
    const item = (turn % 2 === 0 ? a : b).next();
    if (!item.done) seen.push(item.value.index);
  }
  assert.deepEqual(seen.sort((x, y) => x - y), [0, 2, 6, 8, 10]);
  assert.equal(a.next().done, true);
});
