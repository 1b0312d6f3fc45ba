/**
 * `deno task screenshot`: makes the README's picture of a run. It runs the
 * CLI against the bundled delay server with a timeout that some delays
 * exceed, writes the HTML report, and has headless Chromium (installed with
 * apt-get when missing) take a screenshot of it to `docs/report.png`.
 *
 * @module
 */

import { ensureChromium, screenshot } from "../tests/_chromium.ts";

const root = new URL("..", import.meta.url).pathname;
const html = `${root}docs/report.html`;
const png = `${root}docs/report.png`;
const args = [
  "--count",
  "8000",
  "--concurrency",
  "500",
  "--max-delay",
  "3",
  "--timeout",
  "2.5",
  "--quiet",
  "--html",
  "docs/report.html",
  "--fail-if",
  "errors>1%",
];
console.log(`deno run -A main.ts ${args.join(" ")}`);
const run = await new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "main.ts", ...args],
  cwd: root,
  stdout: "inherit",
  stderr: "inherit",
}).output();
console.log(`exit code ${run.code}`);
const chromium = await ensureChromium();
await screenshot(chromium, html, png, "1040,1450");
await Deno.remove(html);
console.log(`wrote ${png} (${(await Deno.stat(png)).size} bytes)`);
