import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);
const README_MOST_LINES = 300;

/** README.md and every page under docs/, as paths from the root. */
async function pages(): Promise<string[]> {
  const found = ["README.md"];
  for await (const entry of Deno.readDir(new URL("docs/", ROOT))) {
    if (entry.isFile && entry.name.endsWith(".md")) found.push(`docs/${entry.name}`);
  }
  return found.sort();
}

/** The text of a page outside its fenced code blocks. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, "");
}

/** GitHub's anchors for a page's headings. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = heading!.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

async function exists(url: URL): Promise<boolean> {
  try {
    await Deno.stat(url);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Every relative link and image of `page` that does not lead to a file, or to a heading in it. */
async function brokenLinks(page: string, markdown: string): Promise<string[]> {
  const broken: string[] = [];
  const base = new URL(page, ROOT);
  for (const [, target] of prose(markdown).matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target!)) continue;
    const [path = "", anchor] = target!.split("#");
    const file = path === "" ? base : new URL(path, base);
    if (!await exists(file)) {
      broken.push(`${page}: ${target} (no such file)`);
    } else if (anchor !== undefined && file.pathname.endsWith(".md")) {
      if (!anchors(await Deno.readTextFile(file)).has(anchor)) {
        broken.push(`${page}: ${target} (no such heading)`);
      }
    }
  }
  return broken;
}

/**
 * Inline code that is a source file's path (`runner/run.ts`) and names no file from the root.
 * Data files (`FILE.run.json`, `urls.txt`) are placeholders, so only code is checked.
 */
async function missingFiles(page: string, markdown: string): Promise<string[]> {
  const missing: string[] = [];
  for (const [, code] of prose(markdown).matchAll(/`([\w./-]+\.(?:ts|mjs|py|yaml))`/g)) {
    if (!await exists(new URL(code!, ROOT))) missing.push(`${page}: \`${code}\``);
  }
  return missing;
}

Deno.test("anchors() follows GitHub's slugs: lower case, punctuation dropped, repeats numbered", () => {
  const page = "# The CLI\n## `report`\n## Scaling out: shards and reports\n## Per-host caps\n" +
    "```\n## not a heading\n```\n## `report`\n";
  assert.deepEqual(
    [...anchors(page)],
    ["the-cli", "report", "scaling-out-shards-and-reports", "per-host-caps", "report-1"],
  );
});

Deno.test("every relative link in README.md and docs/ leads to a file, and to its heading", async () => {
  const broken: string[] = [];
  for (const page of await pages()) {
    broken.push(...await brokenLinks(page, await Deno.readTextFile(new URL(page, ROOT))));
  }
  assert.deepEqual(broken, []);
});

Deno.test("every file README.md and docs/ name in inline code exists (the change log names old ones)", async () => {
  const missing: string[] = [];
  for (const page of await pages()) {
    if (page === "docs/CHANGELOG.md") continue;
    missing.push(...await missingFiles(page, await Deno.readTextFile(new URL(page, ROOT))));
  }
  assert.deepEqual(missing, []);
});

Deno.test("a broken link, a missing heading and a missing file are found", async () => {
  const page = "[a](docs/nowhere.md) [b](docs/cli.md#no-such-heading) [c](docs/cli.md#exit-codes)" +
    " `runner.ts` `runner/run.ts` `FILE.run.json`\n```\n[d](in/a/code/block.md)\n```\n";
  assert.deepEqual(await brokenLinks("README.md", page), [
    "README.md: docs/nowhere.md (no such file)",
    "README.md: docs/cli.md#no-such-heading (no such heading)",
  ]);
  assert.deepEqual(await missingFiles("README.md", page), ["README.md: `runner.ts`"]);
});

Deno.test("README.md is the front door: at most 300 lines, the two commands and their npx form", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const lines = readme.split("\n").length - (readme.endsWith("\n") ? 1 : 0);
  assert.ok(
    lines <= README_MOST_LINES,
    `README.md has ${lines} lines, more than ${README_MOST_LINES}`,
  );
  const ci = await Deno.readTextFile(new URL(".ci/run", ROOT));
  const version = /^DENO_VERSION=(\S+)$/m.exec(ci)?.[1];
  assert.ok(version, ".ci/run pins no DENO_VERSION");
  for (
    const command of [
      "deno run -A main.ts --count 10000",
      "deno task test",
      `npx -y deno@${version} run -A main.ts --count 10000`,
      `npx -y deno@${version} task test`,
    ]
  ) {
    assert.ok(readme.includes(command), `README.md does not show '${command}'`);
  }
});
