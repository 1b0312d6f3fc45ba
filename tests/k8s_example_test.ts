import assert from "node:assert/strict";
import { serveDelay } from "../server.ts";

const ROOT = new URL("../", import.meta.url);
const decoder = new TextDecoder();

/** The shard count, the per-index retry limit and the container arguments of the example Job. */
async function readJob(): Promise<{ completions: number; retries: number; args: string[] }> {
  const yaml = await Deno.readTextFile(new URL("examples/k8s-indexed-job.yaml", ROOT));
  const completions = Number(/^\s*completions: (\d+)$/m.exec(yaml)?.[1]);
  const retries = Number(/^\s*backoffLimitPerIndex: (\d+)$/m.exec(yaml)?.[1]);
  const flow = /^\s*args: \[([^\]]*)\]/m.exec(yaml)![1]!;
  const args = [...flow.matchAll(/"([^"]*)"/g)].map((match) => match[1]!);
  return { completions, retries, args };
}

function command(args: string[], stdio: "piped" | "null" = "piped") {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", ...args],
    cwd: ROOT,
    stdout: stdio,
    stderr: stdio,
  });
}

async function lineCount(path: string): Promise<number> {
  return (await Deno.readTextFile(path).catch(() => "")).split("\n").length - 1;
}

/** The last record of each index across the files, as report should count them. */
async function lastOutcomes(files: string[]): Promise<Map<number, boolean>> {
  const outcomes = new Map<number, boolean>();
  for (const file of files) {
    // Whole lines only: a kill may leave a last one cut short, which a resume cuts off.
    const lines = (await Deno.readTextFile(file)).split("\n").slice(0, -1);
    for (const line of lines) {
      const record = JSON.parse(line);
      outcomes.set(record.index, record.error === null);
    }
  }
  return outcomes;
}

Deno.test("the example Indexed Job: a shard killed mid-run and retried with the same args resumes, and report is exact", async () => {
  const { completions, retries, args } = await readJob();
  assert.ok(args.includes(`$(SHARD)/${completions}`), "--shard N matches completions");
  assert.ok(retries >= 1 && args.includes("--resume"), "a retried pod resumes its shard");
  // Delays of 0 or 1 s, and failures to retry: a shard takes a second or two.
  await using server = serveDelay({ maxDelay: 1, faults: { error: 0.1 } });
  const dir = await Deno.makeTempDir();
  try {
    const count = 301;
    const files = Array.from({ length: completions }, (_, shard) => `${dir}/shard-${shard}.ndjson`);
    const shardArgs = (shard: number) =>
      args.map((arg, i) => {
        if (args[i - 1] === "--url") return `${server.url}{}`;
        if (args[i - 1] === "--count") return String(count);
        if (args[i - 1] === "--output") return files[shard]!;
        return arg.replaceAll("$(SHARD)", String(shard));
      });
    // Shard 1's pod is killed once its first records reach the volume; the Job retries it.
    const killed = command([...shardArgs(1), "--quiet"], "null").spawn();
    const others = Promise.all(
      files.map((_, shard) => shard).filter((shard) => shard !== 1).map((shard) =>
        command([...shardArgs(shard), "--quiet"]).output()
      ),
    );
    for (let waited = 0; (await lineCount(files[1]!)) < 2 && waited < 20_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    killed.kill("SIGKILL");
    assert.notEqual((await killed.status).code, 0);
    const before = await lastOutcomes([files[1]!]);
    const shardCount = Math.ceil((count - 1) / completions);
    assert.ok(before.size > 0 && before.size < shardCount, `${before.size} of ${shardCount}`);
    const retried = await command([...shardArgs(1), "--quiet"]).output();
    for (const run of [...await others, retried]) {
      assert.ok(run.code === 0 || run.code === 1, decoder.decode(run.stderr));
    }
    const retriedSummary = JSON.parse(decoder.decode(retried.stdout));
    const okBefore = [...before.values()].filter((ok) => ok).length;
    assert.equal(retriedSummary.count, shardCount - okBefore, "only what is missing is made");

    const outcomes = await lastOutcomes(files);
    assert.deepEqual([...outcomes.keys()].sort((a, b) => a - b), [...Array(count).keys()]);
    const ok = [...outcomes.values()].filter(Boolean).length;
    const report = await command(["report", "--json", ...files]).output();
    const merged = JSON.parse(decoder.decode(report.stdout));
    assert.deepEqual([merged.count, merged.ok, merged.failed], [count, ok, count - ok]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
