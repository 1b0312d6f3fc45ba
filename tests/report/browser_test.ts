/**
 * The HTML report in a real browser: headless Chromium (installed with
 * apt-get when missing) loads a real run's report, logs no script error, and
 * draws it in colour; the same check fails a report with a broken script.
 *
 * @module
 */

import assert from "node:assert/strict";
import { cli } from "../_cli.ts";
import { ensureChromium, loadPage, screenshot } from "../_chromium.ts";
import { colourStats, decodePng } from "../_png.ts";

Deno.test("Chromium draws a run's HTML report with no script error, and the check catches one", async () => {
  const chromium = await ensureChromium();
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
