import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const MOST_NAMES = 40;

interface DenoJson {
  exports: Record<string, string>;
  tasks: Record<string, string>;
}

const denoJson: DenoJson = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));

interface Declaration {
  kind: string;
  jsDoc?: { tags?: { kind: string }[] };
  def?: { hasBody?: boolean };
}

interface DocSymbol {
  name: string;
  declarations: Declaration[];
}

/** What a module exports, as `deno doc` sees it (values and types). */
async function exportedSymbols(path: string): Promise<DocSymbol[]> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", path],
    cwd: ROOT,
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const doc = JSON.parse(new TextDecoder().decode(stdout));
  const [module] = Object.values(doc.nodes) as { symbols: DocSymbol[] }[];
  return module!.symbols;
}

async function exportedNames(path: string): Promise<string[]> {
  return (await exportedSymbols(path)).map((symbol) => symbol.name);
}

Deno.test("mod.ts exports at most 40 names, each named explicitly", async () => {
  const source = await Deno.readTextFile(new URL("mod.ts", ROOT));
  assert.doesNotMatch(source, /export\s*\*/, "mod.ts has an `export *`: name what it re-exports");
  assert.doesNotMatch(
    source,
    /^export\s+(async\s+)?(function|class|const|let|interface|type\s+\w+\s*=)/m,
    "mod.ts declares something: it only re-exports",
  );
  const names = await exportedNames("mod.ts");
  assert.ok(
    names.length >= 20,
    `mod.ts exports only ${names.length} names: is deno doc reading it?`,
  );
  assert.ok(
    names.length <= MOST_NAMES,
    `mod.ts exports ${names.length} names, more than ${MOST_NAMES}: ${names.sort().join(", ")}`,
  );
  for (const name of ["runRequests", "Summary", "pooledMap", "Semaphore", "serveDelay"]) {
    assert.ok(names.includes(name), `mod.ts does not export ${name}`);
  }
});

Deno.test("every export entry is a top-level file or a real module, and the doc task lints it", async () => {
  const top = ["main.ts", "mod.ts", "semaphore.ts", "server.ts"];
  for (const [entry, path] of Object.entries(denoJson.exports)) {
    const file = path.replace(/^\.\//, "");
    assert.ok((await Deno.stat(new URL(file, ROOT))).isFile, `${entry}: ${path} does not exist`);
    if (!file.includes("/")) {
      assert.ok(top.includes(file), `${entry}: ${file} is not one of the top-level files`);
    } else {
      assert.doesNotMatch(
        file,
        /(^|\/)(mod|_[^/]*)\.ts$/,
        `${entry}: ${file} is a folder's mod.ts or private`,
      );
    }
    assert.ok(
      denoJson.tasks.doc?.includes(`deno doc --lint ${file}`),
      `the doc task does not lint ${file}, the ${entry} entry`,
    );
  }
});

Deno.test("no folder has a mod.ts, and nothing inside imports mod.ts", async () => {
  const offenders: string[] = [];
  async function walk(dir: URL, relative: string): Promise<void> {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name.startsWith(".")) continue;
      const path = relative + entry.name;
      if (entry.isDirectory) {
        if (path !== "tests") await walk(new URL(`${entry.name}/`, dir), `${path}/`);
        continue;
      }
      if (!entry.name.endsWith(".ts")) continue;
      if (relative !== "" && entry.name === "mod.ts") {
        offenders.push(`${path} is a folder's mod.ts`);
      }
      const text = await Deno.readTextFile(new URL(entry.name, dir));
      if (/^import[^;]*from\s+"[./]*\/mod\.ts"/m.test(text)) {
        offenders.push(`${path} imports mod.ts`);
      }
    }
  }
  await walk(ROOT, "");
  assert.deepEqual(offenders, []);
});

Deno.test("every function and class of every export entry has an @example", async () => {
  const without: string[] = [];
  for (const [entry, path] of Object.entries(denoJson.exports)) {
    for (const symbol of await exportedSymbols(path)) {
      const documented = symbol.declarations.filter((declaration) =>
        ["function", "class"].includes(declaration.kind) &&
        // An overloaded function's implementation signature is not part of its API.
        !(symbol.declarations.length > 1 && declaration.def?.hasBody)
      );
      if (
        documented.some((declaration) =>
          !declaration.jsDoc?.tags?.some((tag) => tag.kind === "example")
        )
      ) without.push(`${symbol.name} (${entry})`);
    }
  }
  assert.deepEqual(without, []);
});
