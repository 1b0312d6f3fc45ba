import assert from "node:assert/strict";
import { LineWriter, readRecords } from "../ndjson.ts";

Deno.test("LineWriter writes every line once, in order, across flushes", async () => {
  const path = await Deno.makeTempFile({ suffix: ".ndjson" });
  try {
    using file = await Deno.open(path, { write: true, truncate: true });
    const writer = new LineWriter(file);
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

Deno.test("readRecords() reads records and names the line of a bad one", async () => {
  const good = '{"index":0,"url":"http://a/","status":200,"start":1,"ms":2,"bytes":3,"attempts":1}';
  const records = await Array.fromAsync(
    readRecords(new Blob([`${good}\n\n${good}\n`]).stream(), "a.ndjson"),
  );
  assert.equal(records.length, 2);
  await assert.rejects(
    Array.fromAsync(readRecords(new Blob([`${good}\n{oops\n`]).stream(), "a.ndjson")),
    /Cannot read a.ndjson line 2 as it is not valid JSON/,
  );
  for (
    const bad of [
      '{"index":0}',
      '{"start":1,"ms":-5,"status":200}',
      '{"start":1,"ms":5,"status":-3}',
      '{"start":1,"ms":5,"status":200,"error":{}}',
    ]
  ) {
    await assert.rejects(
      Array.fromAsync(readRecords(new Blob([`${bad}\n`]).stream(), "b.ndjson")),
      /b.ndjson line 1 as it is not a request record/,
      bad,
    );
  }
});
