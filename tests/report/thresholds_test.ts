import assert from "node:assert/strict";
import { Summary } from "../../report/summary.ts";
import { checkThresholds, parseThreshold } from "../../report/thresholds.ts";

function summaryOf(latencies: number[], failures: number) {
  const summary = new Summary();
  for (const [index, ms] of latencies.entries()) {
    summary.add({ index, url: "http://a/", status: 200, start: index, ms, bytes: 1, attempts: 1 });
  }
  for (let i = 0; i < failures; i++) {
    summary.add({
      index: i,
      url: "http://a/",
      status: 0,
      start: 0,
      ms: 1,
      bytes: 0,
      attempts: 1,
      error: "refused",
    });
  }
  return summary.toJSON();
}

Deno.test("checkThresholds() crosses and holds latency, errors, rps and counts", () => {
  // 99 requests of 10 ms, one of 2000 ms, 5 failures of 105.
  const json = summaryOf([...Array(99).fill(10), 2000], 5);
  const verdicts = [
    ["p50>20ms", false],
    ["p99 > 0.5s", false],
    ["p99.9>1s", true],
    ["max>=2s", true],
    ["mean<10ms", false],
    ["min<=10ms", true],
    ["p100>1999ms", true],
    ["errors>0", true],
    ["errors>5", false],
    ["errors>=5", true],
    ["errors>4.7%", true],
    ["errors>4.8%", false],
    ["count<105", false],
    ["ok<100", false],
    ["failed>=5", true],
    ["rps<1000000", true],
  ] as const;
  const results = checkThresholds(verdicts.map(([text]) => parseThreshold(text)), json);
  for (const [i, [text, crossed]] of verdicts.entries()) {
    assert.equal(results[i]!.crossed, crossed, `${text}: ${JSON.stringify(results[i])}`);
  }
});

Deno.test("parseThreshold() names what is wrong with a bad expression", () => {
  for (
    const [text, why] of [
      ["p99>500", /needs a unit/],
      ["p99 500ms", /METRIC OP VALUE/],
      ["p99=500ms", /METRIC OP VALUE/],
      ["latency>5ms", /not a metric/],
      ["p55>5ms", /p50, p90/],
      ["p101>5ms", /at most p100/],
      ["rps>5%", /plain number/],
      ["errors>5ms", /count or a percentage/],
      ["", /METRIC OP VALUE/],
      ["p99>-1ms", /METRIC OP VALUE/],
    ] as const
  ) {
    assert.throws(() => parseThreshold(text), (error: Error) => {
      assert.ok(error instanceof SyntaxError);
      assert.match(error.message, /^Cannot use threshold '/);
      assert.match(error.message, why, text);
      assert.ok(!error.message.includes("\n"));
      return true;
    });
  }
});
