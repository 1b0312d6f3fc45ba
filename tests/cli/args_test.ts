import assert from "node:assert/strict";
import { duration, UsageError } from "../../cli/args.ts";

Deno.test("duration() reads one form for every flag: units from the largest down, or seconds", () => {
  const cases: [string, number][] = [
    ["1m30s", 90_000],
    ["500ms", 500],
    ["2h", 7_200_000],
    ["1h2m3s4ms", 3_723_004],
    ["1.5s", 1500],
    [".5m", 30_000],
    ["90", 90_000],
    ["0.25", 250],
    [" 30s ", 30_000],
  ];
  for (const [text, ms] of cases) assert.equal(duration("duration", text), ms, text);
});

Deno.test("duration() refuses what is not a positive time, in one line naming the flag", () => {
  for (const text of ["", "0", "0s", "5x", "1e10", "-1s", "30s1m", "1s1s", "1m 30s", "s", "1d"]) {
    assert.throws(() => duration("grace", text), (error: Error) => {
      assert.ok(error instanceof UsageError, text);
      assert.equal(error.message.split("\n").length, 1);
      assert.match(error.message, /^Cannot use --grace '.*': it must be a positive time/);
      return true;
    });
  }
  assert.throws(
    () => duration("timeout", "25h", 86_400_000),
    /--timeout '25h': the most is 86400 s/,
  );
});
