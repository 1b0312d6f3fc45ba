import assert from "node:assert/strict";
import { ERROR_KINDS, PERMANENT_KINDS } from "../../runner/errors.ts";

const FAILURES_MD = new URL("../../docs/failures.md", import.meta.url);

/** The rows of the table under `## Error kinds`: each kind and its "retried" cell. */
function kindRows(markdown: string): [string, string][] {
  const section = markdown.slice(markdown.indexOf("## Error kinds"));
  const table = /\n(\|[^\n]*\n)+/.exec(section)?.[0] ?? "";
  return table.trim().split("\n").slice(2).map((line) => {
    const cells = line.split(/(?<!\\)\|/).map((cell) => cell.trim());
    return [cells[1]!.replaceAll("`", ""), cells.at(-2)!];
  });
}

Deno.test("docs/failures.md has one row per error kind, and says which are retried as the runner does", async () => {
  const rows = kindRows(await Deno.readTextFile(FAILURES_MD));
  const kinds = rows.map(([kind]) => kind);
  assert.deepEqual([...kinds].sort(), [...ERROR_KINDS].sort(), "the kinds of docs/failures.md");
  for (const [kind, retried] of rows) {
    const permanent = PERMANENT_KINDS.has(kind as typeof ERROR_KINDS[number]);
    assert.equal(
      retried === "no",
      permanent,
      `docs/failures.md says ${kind} is retried: '${retried}'`,
    );
  }
});
