/**
 * Headless Chromium for the tests and the screenshot tool: found on the PATH
 * (a test never installs it; the tool does, with apt-get, as CI does), then
 * asked to load a page and report its DOM, console and pixels.
 *
 * @module
 */

const decoder = new TextDecoder();

/** The Chromium binary on the PATH, or undefined when there is none. */
export async function findChromium(): Promise<string | undefined> {
  const dirs = (Deno.env.get("PATH") ?? "").split(":").filter((dir) => dir !== "");
  for (const name of ["chromium", "chromium-browser"]) {
    for (const dir of dirs) {
      const path = `${dir}/${name}`;
      const info = await Deno.stat(path).catch(() => undefined);
      if (info?.isFile && (info.mode ?? 0o111) & 0o111) return path;
    }
  }
  return undefined;
}

/** The Chromium binary, installed with apt-get when it is missing: for tools, never tests. */
export async function ensureChromium(): Promise<string> {
  const found = await findChromium();
  if (found) return found;
  const install = await new Deno.Command("sh", {
    args: [
      "-c",
      "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium",
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!install.success) {
    throw new Error(`Cannot install chromium with apt-get: ${decoder.decode(install.stderr)}`);
  }
  return "chromium";
}

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--hide-scrollbars",
  "--no-first-run",
];

/** Runs Chromium with its own profile directory, removed afterwards. */
async function chromiumRun(chromium: string, args: string[]): Promise<Deno.CommandOutput> {
  const profile = await Deno.makeTempDir();
  try {
    return await new Deno.Command(chromium, {
      args: [...FLAGS, `--user-data-dir=${profile}`, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(60_000),
    }).output();
  } finally {
    await Deno.remove(profile, { recursive: true });
  }
}

/**
 * Loads a file in headless Chromium: the DOM after its scripts ran, and the
 * lines Chromium logged about the page's console (script errors among them).
 */
export async function loadPage(
  chromium: string,
  path: string,
): Promise<{ dom: string; console: string[] }> {
  const output = await chromiumRun(chromium, [
    "--enable-logging=stderr",
    "--v=0",
    "--dump-dom",
    `file://${path}`,
  ]);
  const console = decoder.decode(output.stderr).split("\n").filter((line) =>
    /CONSOLE|Uncaught/.test(line)
  );
  return { dom: decoder.decode(output.stdout), console };
}

/** A screenshot of a file in headless Chromium, as PNG bytes. */
export async function screenshot(
  chromium: string,
  path: string,
  png: string,
  size = "1040,2000",
): Promise<Uint8Array> {
  const output = await chromiumRun(chromium, [
    `--screenshot=${png}`,
    `--window-size=${size}`,
    `file://${path}`,
  ]);
  if (!output.success) throw new Error(`chromium failed: ${decoder.decode(output.stderr)}`);
  return await Deno.readFile(png);
}
