/**
 * `deno task screenshot`: makes the docs' pictures of a run. It runs the CLI
 * against the bundled delay server, writes the HTML report, and has headless
 * Chromium (installed with apt-get when missing) take a screenshot of it:
 *
 * - `docs/report.png`: 8,000 requests with a timeout that some delays exceed;
 * - `docs/report-rate.png`: `--rate 300` for 15 s with too few slots for the
 *   server's mean delay of about 1.5 s, so requests start late and the last are dropped.
 *
 * @module
 */

import { ensureChromium, screenshot } from "../tests/_chromium.ts";

const root = new URL("..", import.meta.url).pathname;
const common = ["--max-delay", "3", "--timeout", "2.5", "--quiet", "--html", "docs/report.html"];
const pictures = [
  {
    png: "docs/report.png",
    args: ["--count", "8000", "--concurrency", "500", ...common, "--fail-if", "errors>1%"],
  },
  {
    png: "docs/report-rate.png",
    args: ["--rate", "300", "--duration", "15s", "--concurrency", "250", ...common],
  },
];
const chromium = await ensureChromium();
for (const { png, args } of pictures) {
  console.log(`deno run -A main.ts ${args.join(" ")}`);
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", ...args],
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  console.log(`exit code ${run.code}`);
  await screenshot(chromium, `${root}docs/report.html`, `${root}${png}`, "1040,1450");
  await Deno.remove(`${root}docs/report.html`);
  console.log(`wrote ${png} (${(await Deno.stat(`${root}${png}`)).size} bytes)`);
}
