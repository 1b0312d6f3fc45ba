import assert from "node:assert/strict";
import { parseRecord, readLines } from "../../output/ndjson.ts";
import { Journal } from "../../output/journal.ts";

Deno.test("Journal over an open file writes every line once, in order, across flushes", async () => {
  const path = await Deno.makeTempFile({ suffix: ".ndjson" });
  try {
    using file = await Deno.open(path, { write: true, truncate: true });
    await using writer = new Journal(file);
    for (let index = 0; index < 5000; index++) {
      await writer.write(JSON.stringify({ index, pad: "x".repeat(40) }));
    }
    await writer.flush();
    const lines = (await Deno.readTextFile(path)).split("\n");
    assert.equal(lines.pop(), "");
    assert.deepEqual(
      lines.map((line) => JSON.parse(line).index),
      Array.from({ length: 5000 }, (_, i) => i),
    );
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("parseRecord() checks every field a summary reads", () => {
  const good = { index: 0, url: "http://a/", status: 200, start: 1, ms: 2, bytes: 3, attempts: 1 };
  assert.deepEqual(parseRecord(JSON.stringify(good)), { ...good, run: undefined });
  const stored = { ...good, error: null, detail: null, file: null, due: null, run: "ab/1" };
  assert.deepEqual(parseRecord(JSON.stringify(stored)), { ...good, run: "ab/1" });
  assert.equal(parseRecord(JSON.stringify({ ...good, error: "timeout" }))?.error, "timeout");
  const bad: Record<string, unknown>[] = [
    { index: -1 },
    { index: 1.5 },
    { status: -3 },
    { status: 1000 },
    { start: Number.MAX_VALUE },
    { start: -1 },
    { ms: -5 },
    { ms: 1e300 },
    { attempts: 0 },
    { attempts: undefined },
    { error: "gremlins" },
    { error: {} },
    { run: 3 },
  ];
  for (const change of bad) {
    assert.equal(
      parseRecord(JSON.stringify({ ...good, ...change })),
      undefined,
      JSON.stringify(change),
    );
  }
  for (const line of ["{oops", "null", "3", '"text"', "[]"]) {
    assert.equal(parseRecord(line), undefined);
  }
});

Deno.test("readLines() tells a last line that no newline ended", async () => {
  const read = (text: string) => Array.fromAsync(readLines(new Blob([text]).stream()));
  assert.deepEqual(await read("a\n\nb\n"), [
    { text: "a", offset: 0, whole: true },
    { text: "", offset: 2, whole: true },
    { text: "b", offset: 3, whole: true },
  ]);
  assert.deepEqual((await read('a\n{"ind')).at(-1), { text: '{"ind', offset: 2, whole: false });
  // Offsets count bytes, not characters, across chunks.
  const chunks = ["é\nx", "y\n", "z"].map((text) => new TextEncoder().encode(text));
  const stream = ReadableStream.from(chunks);
  assert.deepEqual(await Array.fromAsync(readLines(stream)), [
    { text: "é", offset: 0, whole: true },
    { text: "xy", offset: 3, whole: true },
    { text: "z", offset: 6, whole: false },
  ]);
});
