import assert from "node:assert/strict";
import { USAGE } from "../../cli/usage.ts";
import { RUN_OPTIONS } from "../../cli/plan.ts";

const CLI_MD = new URL("../../docs/cli.md", import.meta.url);

/** A flag token, long (`--max-delay`) or short (`-n`), not part of a longer word. */
const FLAG = /(?<![\w-])--?[a-zA-Z][\w-]*/g;

/**
 * The flags the usage text names: those in its `Usage:` lines and those that open an option line
 * (two spaces, then the flags, then two or more spaces before the description).
 */
function usageFlags(usage: string): Set<string> {
  const flags = new Set<string>();
  const lines = usage.split("\n");
  const usageEnd = lines.findIndex((line) => line.trim() === "");
  for (const line of lines.slice(0, usageEnd)) {
    for (const [flag] of line.matchAll(FLAG)) flags.add(flag);
  }
  for (const line of lines.slice(usageEnd)) {
    if (!/^ {2}-/.test(line)) continue;
    const head = line.trim().split(/\s{2,}/)[0] ?? "";
    for (const [flag] of head.matchAll(FLAG)) flags.add(flag);
  }
  return flags;
}

/** The flags a markdown page documents: those in the first cell of its table rows. */
function tableFlags(markdown: string): Set<string> {
  const flags = new Set<string>();
  for (const line of markdown.split("\n")) {
    if (!line.startsWith("|")) continue;
    const first = line.split(/(?<!\\)\|/)[1] ?? "";
    for (const [flag] of first.matchAll(FLAG)) flags.add(flag);
  }
  return flags;
}

function missing(from: Set<string>, into: Set<string>): string[] {
  return [...from].filter((flag) => !into.has(flag)).sort();
}

Deno.test("usageFlags() takes the flags of the Usage lines and of option lines, not of descriptions", () => {
  const usage = `Usage: main.ts [options]
       main.ts report [--skip-bad] FILE...

Options:
  --count N          requests (default 10000); see --rate
  -n N, --number N   a short alias
                     --continued mentions a flag
  --http1, --http2   protocols
`;
  assert.deepEqual(
    [...usageFlags(usage)].sort(),
    ["--count", "--http1", "--http2", "--number", "--skip-bad", "-n"],
  );
});

Deno.test("tableFlags() takes the flags of a table's first column, escaped pipes included", () => {
  const markdown = `| flag | meaning |
| --- | --- |
| \`--urls FILE\\|-\` | a list; see \`--shard\` |
| \`--http1\`, \`--http2\` | protocols |
text with \`--other\`
`;
  assert.deepEqual([...tableFlags(markdown)].sort(), ["--http1", "--http2", "--urls"]);
});

Deno.test("docs/cli.md documents every flag of the usage text, and no other", async () => {
  const documented = tableFlags(await Deno.readTextFile(CLI_MD));
  const usage = usageFlags(USAGE);
  assert.deepEqual(
    missing(usage, documented),
    [],
    "flags in cli/usage.ts missing from a table row of docs/cli.md",
  );
  assert.deepEqual(
    missing(documented, usage),
    [],
    "flags in docs/cli.md's tables that cli/usage.ts does not list",
  );
});

Deno.test("the usage text lists every flag the run's parser takes", () => {
  const usage = usageFlags(USAGE);
  const parsed = Object.entries(RUN_OPTIONS).flatMap(([name, option]) => {
    const short = (option as { short?: string }).short;
    return short ? [`--${name}`, `-${short}`] : [`--${name}`];
  });
  assert.deepEqual(
    parsed.filter((flag) => !usage.has(flag)).sort(),
    [],
    "flags cli/plan.ts parses that cli/usage.ts does not list",
  );
});
