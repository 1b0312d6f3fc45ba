import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

/** The properties of the named interfaces of a module, as `deno doc` sees them. */
async function properties(path: string, names: string[]): Promise<Set<string>> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", path],
    cwd: ROOT,
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const doc = JSON.parse(new TextDecoder().decode(stdout));
  const [module] = Object.values(doc.nodes) as {
    symbols: { name: string; declarations: { def?: { properties?: { name: string }[] } }[] }[];
  }[];
  const found = new Set<string>();
  for (const symbol of module!.symbols) {
    if (!names.includes(symbol.name)) continue;
    for (const declaration of symbol.declarations) {
      for (const property of declaration.def?.properties ?? []) found.add(property.name);
    }
  }
  return found;
}

/** The names in the first column of the table that follows `heading` in `markdown`. */
function tableNames(markdown: string, heading: string): Set<string> {
  const section = markdown.slice(markdown.indexOf(heading));
  const table = /\n(\|[^\n]*\n)+/.exec(section)?.[0] ?? "";
  const names = new Set<string>();
  for (const line of table.trim().split("\n").slice(2)) {
    const first = line.split(/(?<!\\)\|/)[1] ?? "";
    for (const [, name] of first.matchAll(/`(\w+)`/g)) names.add(name!);
  }
  return names;
}

Deno.test("docs/library.md's table of runRequests options holds every option of RunOptions, and no other", async () => {
  const options = await properties("runner/options.ts", ["RunOptions", "RunSettings"]);
  assert.ok(options.has("concurrency") && options.has("read"), "RunOptions was not found");
  const markdown = await Deno.readTextFile(new URL("docs/library.md", ROOT));
  const documented = tableNames(markdown, "## `runRequests(requests, options?)`");
  assert.deepEqual(
    [...options].filter((name) => !documented.has(name)).sort(),
    [],
    "options of RunOptions missing from docs/library.md's table",
  );
  assert.deepEqual(
    [...documented].filter((name) => !options.has(name)).sort(),
    [],
    "names in docs/library.md's table that RunOptions does not have",
  );
});
