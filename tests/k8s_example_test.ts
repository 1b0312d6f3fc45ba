import assert from "node:assert/strict";
import { serveDelay } from "../server.ts";

const ROOT = new URL("../", import.meta.url);
const decoder = new TextDecoder();

/** The shard count and the container arguments of the example Indexed Job. */
async function readJob(): Promise<{ completions: number; args: string[] }> {
  const yaml = await Deno.readTextFile(new URL("examples/k8s-indexed-job.yaml", ROOT));
  const completions = Number(/^\s*completions: (\d+)$/m.exec(yaml)?.[1]);
  const flow = /^\s*args: \[([^\]]*)\]/m.exec(yaml)![1]!;
  const args = [...flow.matchAll(/"([^"]*)"/g)].map((match) => match[1]!);
  return { completions, args };
}

function cli(args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
}

Deno.test("the example Indexed Job's shards cover every index once and report merges them", async () => {
  const { completions, args } = await readJob();
  assert.ok(args.includes(`$(SHARD)/${completions}`), "--shard N matches completions");
  await using server = serveDelay({ maxDelay: 0, faults: { error: 0.1 } });
  const dir = await Deno.makeTempDir();
  try {
    const count = 301;
    const shardArgs = (shard: number) =>
      args.map((arg, i) => {
        if (args[i - 1] === "--url") return `${server.url}{}`;
        if (args[i - 1] === "--count") return String(count);
        if (args[i - 1] === "--output") return `${dir}/shard-${shard}.ndjson`;
        return arg.replaceAll("$(SHARD)", String(shard));
      });
    const runs = await Promise.all(
      Array.from({ length: completions }, (_, shard) => cli([...shardArgs(shard), "--quiet"])),
    );
    const totals = { count: 0, ok: 0, failed: 0 };
    const indices: number[] = [];
    for (const [shard, run] of runs.entries()) {
      assert.ok(run.code === 0 || run.code === 1, decoder.decode(run.stderr));
      const summary = JSON.parse(decoder.decode(run.stdout));
      totals.count += summary.count;
      totals.ok += summary.ok;
      totals.failed += summary.failed;
      const [_header, ...lines] = (await Deno.readTextFile(`${dir}/shard-${shard}.ndjson`)).trim()
        .split("\n");
      assert.equal(lines.length, summary.count, "each shard's output is complete on its own");
      for (const line of lines) indices.push(JSON.parse(line).index);
    }
    assert.deepEqual(indices.sort((a, b) => a - b), Array.from({ length: count }, (_, i) => i));
    const files = Array.from({ length: completions }, (_, shard) => `${dir}/shard-${shard}.ndjson`);
    const report = await cli(["report", "--json", ...files]);
    const merged = JSON.parse(decoder.decode(report.stdout));
    assert.deepEqual({ count: merged.count, ok: merged.ok, failed: merged.failed }, totals);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
