import assert from "node:assert/strict";
import { fitConcurrency, readOpenFileLimit, RESERVED_DESCRIPTORS } from "../open_files.ts";

Deno.test("readOpenFileLimit() reads the soft limit set by ulimit -n", async () => {
  if (Deno.build.os !== "linux") return;
  const script =
    "const { readOpenFileLimit } = await import(Deno.args[0]); console.log(readOpenFileLimit());";
  const module = new URL("../open_files.ts", import.meta.url).href;
  const { stdout, success } = await new Deno.Command("bash", {
    args: ["-c", `ulimit -n 321 && exec "$0" eval "$1" "$2"`, Deno.execPath(), script, module],
  }).output();
  assert.ok(success);
  assert.equal(new TextDecoder().decode(stdout).trim(), "321");
  assert.ok((readOpenFileLimit() ?? 1) > 0);
});

Deno.test("fitConcurrency() leaves room for reserved descriptors and both socket ends", () => {
  assert.equal(fitConcurrency(1000, undefined, 2), 1000);
  assert.equal(fitConcurrency(1000, 1024, 1), 1000 - (RESERVED_DESCRIPTORS - 24));
  assert.equal(fitConcurrency(1000, 1024, 2), (1024 - RESERVED_DESCRIPTORS) / 2);
  assert.equal(fitConcurrency(1000, 256, 2), 96);
  assert.equal(fitConcurrency(10, 1024, 2), 10);
  assert.equal(fitConcurrency(1000, 10, 2), 1);
});
