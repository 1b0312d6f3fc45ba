import assert from "node:assert/strict";
import { Summary } from "../../report/summary.ts";
import { checkThresholds, formatThresholds, parseThreshold } from "../../report/thresholds.ts";

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
  return summary;
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
      ["service.errors>1", /service\. goes with a latency/],
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

Deno.test("checkThresholds() takes any percentile from the histogram, and p95 by name", () => {
  // 1..1000 ms, one request each.
  const summary = summaryOf(Array.from({ length: 1000 }, (_, i) => i + 1), 0);
  const verdicts = [
    ["p95>945ms", true],
    ["p95>955ms", false],
    ["p75>745ms", true],
    ["p75>755ms", false],
    ["p97.5>970ms", true],
    ["p97.5>980ms", false],
    ["p1<11ms", true],
  ] as const;
  const results = checkThresholds(verdicts.map(([text]) => parseThreshold(text)), summary);
  for (const [i, [text, crossed]] of verdicts.entries()) {
    assert.equal(results[i]!.crossed, crossed, `${text}: ${JSON.stringify(results[i])}`);
  }
});

Deno.test("checkThresholds() measures from the due time with a rate, service.* from the send, dropped", () => {
  const summary = new Summary();
  // 99 on time at 5 ms, one held 1 s behind its due time by the client.
  for (let i = 0; i < 100; i++) {
    const late = i === 99;
    summary.add({
      index: i,
      url: "http://a/",
      status: 200,
      start: 1000 * i + (late ? 1000 : 0),
      due: 1000 * i,
      ms: 5,
      bytes: 1,
      attempts: 1,
      ...(late ? { late: true } : {}),
    });
  }
  summary.addDropped(2);
  const verdicts = [
    ["p99.5>900ms", true],
    ["max>1s", true],
    ["service.p99.5>900ms", false],
    ["service.max>6ms", false],
    ["dropped>0", true],
    ["dropped>2", false],
    ["late>=1", true],
  ] as const;
  const results = checkThresholds(verdicts.map(([text]) => parseThreshold(text)), summary);
  for (const [i, [text, crossed]] of verdicts.entries()) {
    assert.equal(results[i]!.crossed, crossed, `${text}: ${JSON.stringify(results[i])}`);
  }
});

Deno.test("a latency threshold without a successful request is crossed as no data", () => {
  const summary = summaryOf([], 3);
  const thresholds = ["p99>1s", "max>1s", "service.p50>1s", "errors>5"].map(parseThreshold);
  const results = checkThresholds(thresholds, summary);
  assert.deepEqual(results.map((result) => [result.value, result.crossed]), [
    [null, true],
    [null, true],
    [null, true],
    [3, false],
  ]);
  assert.equal(
    formatThresholds(results, thresholds),
    "threshold   crossed p99>1s (no data: no request succeeded)\n" +
      "threshold   crossed max>1s (no data: no request succeeded)\n" +
      "threshold   crossed service.p50>1s (no data: no request succeeded)\n" +
      "threshold   passed errors>5 (measured 3)\n",
  );
});
