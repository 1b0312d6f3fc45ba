import assert from "node:assert/strict";
import { Journal, JournalError } from "../../output/journal.ts";
import { until } from "../_wait.ts";

async function withFile(fn: (path: string) => Promise<void>): Promise<void> {
  const path = await Deno.makeTempFile({ prefix: "journal_test_" });
  try {
    await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("Journal refuses a file with lines unless told to resume or overwrite", async () => {
  await withFile(async (path) => {
    await Deno.writeTextFile(path, "h\na\n");
    await assert.rejects(
      Journal.open(path, { header: "h" }),
      (error: unknown) => error instanceof JournalError && error.reason === "exists",
    );
    assert.equal(await Deno.readTextFile(path), "h\na\n");
    {
      await using journal = await Journal.open(path, { header: "h", overwrite: true });
      await journal.write("b");
    }
    assert.equal(await Deno.readTextFile(path), "h\nb\n");
  });
});

Deno.test("Journal resumes: entries read in order, a torn last line cut, another header refused", async () => {
  await withFile(async (path) => {
    const entries = Array.from({ length: 20_000 }, (_, i) => `entry ${i} ${"x".repeat(20)}`);
    await Deno.writeTextFile(path, ["h", ...entries].join("\n") + "\nentry 20000 x");
    const seen: [string, number][] = [];
    {
      await using journal = await Journal.open(path, {
        header: "h",
        resume: true,
        onEntry: (line, number) => seen.push([line, number]),
      });
      await journal.write("next");
    }
    assert.equal(seen.length, entries.length);
    assert.deepEqual(seen.at(-1), [entries.at(-1), entries.length + 1]);
    const text = await Deno.readTextFile(path);
    assert.ok(text.endsWith(`${entries.at(-1)}\nnext\n`));
    await assert.rejects(
      Journal.open(path, { header: "other", resume: true }),
      (error: unknown) =>
        error instanceof JournalError && error.reason === "mismatch" && error.found === "h",
    );
    assert.equal(await Deno.readTextFile(path), text);
  });
});

Deno.test("Journal holds a lock: a second writer is refused while the first is open", async () => {
  await withFile(async (path) => {
    const first = await Journal.open(path, { header: "h", overwrite: true });
    await assert.rejects(
      Journal.open(path, { header: "h", resume: true }),
      (error: unknown) => error instanceof JournalError && error.reason === "locked",
    );
    await first[Symbol.asyncDispose]();
    await (await Journal.open(path, { header: "h", resume: true }))[Symbol.asyncDispose]();
  });
});

Deno.test("Journal writes within its flush interval and cuts a failed write back to whole lines", async () => {
  await withFile(async (path) => {
    await using journal = await Journal.open(path, { header: "h", flushInterval: 50 });
    await journal.write("a");
    const written = performance.now();
    await until(async () => (await Deno.readTextFile(path)).endsWith("a\n"), "the line is flushed");
    assert.ok(performance.now() - written < 1000, "flushed by its interval, not at the end");
    assert.equal(await Deno.readTextFile(path), "h\na\n");
  });
  // A target that takes 10 bytes, then fails like a full disk.
  const written: number[] = [];
  let size = 0;
  const target = {
    write(chunk: Uint8Array) {
      if (size >= 10) return Promise.reject(new Deno.errors.WriteZero("no space"));
      const n = Math.min(chunk.length, 10 - size);
      size += n;
      return Promise.resolve(n);
    },
    writeSync: () => 0,
    truncate(length: number) {
      written.push(length);
      return Promise.resolve();
    },
  };
  const journal = new Journal(target);
  await journal.write("abcd");
  await journal.write("efghij");
  await assert.rejects(journal.flush(), Deno.errors.WriteZero);
  assert.deepEqual(written, [5], "cut back to the end of 'abcd\\n'");
  await assert.rejects(journal.write("k"), Deno.errors.WriteZero);
  await journal[Symbol.asyncDispose]();
});

Deno.test("Journal resumes through the line reader: lines across chunks, multi-byte text, a torn end", async () => {
  const path = await Deno.makeTempFile();
  try {
    // Lines of 3-byte characters that straddle the reader's 64 KiB chunks, then a torn line.
    const entries = Array.from({ length: 30 }, (_, i) => `${i}:` + "é".repeat(5000));
    await Deno.writeTextFile(path, ["run 1", ...entries].join("\n") + '\n{"torn');
    const seen: string[] = [];
    {
      await using journal = await Journal.open(path, {
        header: "run 1",
        resume: true,
        onEntry: (line) => seen.push(line),
      });
      await journal.write("next");
    }
    assert.deepEqual(seen, entries);
    assert.equal(await Deno.readTextFile(path), ["run 1", ...entries, "next"].join("\n") + "\n");
  } finally {
    await Deno.remove(path);
  }
});
