/**
 * The HTML report in a real browser: headless Chromium loads a real run's
 * report, logs no script error, and draws it in colour; the same check fails a
 * report with a broken script. Tests never install packages: without Chromium
 * on the PATH the test is skipped with a note, unless `CI` is set, where it
 * fails (`.ci/run` installs Chromium and sets `CI`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { cli } from "../_cli.ts";
import { findChromium, loadPage, screenshot } from "../_chromium.ts";
import { colourStats, decodePng } from "../_png.ts";

const NAME = "Chromium draws a run's HTML report with no script error, and the check catches one";
const MISSING = "no chromium on the PATH (apt-get install chromium)";
const chromium = await findChromium();
const onCi = Deno.env.get("CI") !== undefined;
if (chromium === undefined && !onCi) console.warn(`skipped the browser test: ${MISSING}`);

Deno.test({ name: NAME, ignore: chromium === undefined && !onCi }, async () => {
  assert.ok(chromium !== undefined, `CI is set, so the browser test must run: ${MISSING}`);
  const dir = await Deno.makeTempDir();
  try {
    const html = `${dir}/run.html`;
    // Delays of 0-0.5 s over six waves of 100: a run of a second or two, a few buckets wide.
    const run = await cli([
      "--count",
      "600",
      "--concurrency",
      "100",
      "--max-delay",
      "0.5",
      "--quiet",
      "--html",
      html,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const text = await Deno.readTextFile(html);
    const broken = `${dir}/broken.html`;
    await Deno.writeTextFile(broken, text.replace("(() => {", "(() => { null.boom;"));

    const [page, png, brokenPage] = await Promise.all([
      loadPage(chromium, html),
      screenshot(chromium, html, `${dir}/shot.png`),
      loadPage(chromium, broken),
    ]);
    assert.match(page.dom, /<html [^>]*data-ready="1"/, "the script ran to its end");
    assert.doesNotMatch(page.dom, /data-error=/);
    assert.deepEqual(page.console, []);
    const { colours, inked } = colourStats(await decodePng(png));
    assert.ok(colours >= 20, `${colours} colours`);
    assert.ok(inked > 0.05, `${(inked * 100).toFixed(1)}% of pixels are not white`);

    assert.doesNotMatch(brokenPage.dom, /data-ready="1"/);
    assert.match(brokenPage.dom, /data-error="[^"]*null/);
    assert.ok(
      brokenPage.console.some((line) => /Uncaught TypeError/.test(line)),
      brokenPage.console.join("\n"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the browser test skips with a note without Chromium, and fails instead when CI is set", async () => {
  const env: Record<string, string> = { PATH: "", NO_COLOR: "1" };
  for (const name of ["HOME", "DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  const runs = await Promise.all(
    [{}, { CI: "true" }].map((ci) =>
      new Deno.Command(Deno.execPath(), {
        args: ["test", "-A", "--no-check", "--filter", NAME, import.meta.url],
        env: { ...env, ...ci },
        clearEnv: true,
        stdin: "null",
      }).output()
    ),
  );
  const [local, ci] = runs.map(({ code, stdout, stderr }) => ({
    code,
    text: new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr),
  }));
  assert.equal(local!.code, 0, local!.text);
  assert.match(local!.text, /skipped the browser test: no chromium on the PATH/);
  assert.match(local!.text, /0 passed.*1 ignored/);
  assert.notEqual(ci!.code, 0, ci!.text);
  assert.match(ci!.text, /CI is set, so the browser test must run: no chromium on the PATH/);
});
