/**
 * The bundled delay server alone under `wrk -t1 -c1000` (server on one CPU, wrk on the other),
 * against the client's rate: the server must never be what limits a run.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { log, runCli, type Settings } from "./common.ts";
import { ensureCommand, start } from "./process.ts";
import { median, type Row } from "./table.ts";
import { runWrk } from "./wrk.ts";

const SERVER = fileURLToPath(new URL("../server.ts", import.meta.url));
/** wrk's CPU. */
const CLIENT_CPU = 0;
/** The server's CPU. */
const SERVER_CPU = 1;

/**
 * Measures the bundled server under wrk against the client's rate (from the million, or from
 * 100,000 requests to the bundled server when the million did not run).
 *
 * @param settings The run's settings.
 * @returns The row.
 */
export async function bundledServer(settings: Settings): Promise<Row[]> {
  const wrkMissing = await ensureCommand("wrk", "wrk");
  if (wrkMissing !== undefined) {
    settings.notes.push(`server skipped: ${wrkMissing}`);
    return [{ scenario: "server: bundled server under wrk", goal: "–", skipped: "wrk is missing" }];
  }
  let clientRates = settings.clientRates;
  if (clientRates === undefined) {
    const count = 100_000;
    settings.notes.push(`server: the client's rate is from ${count} zero-delay requests`);
    clientRates = [];
    for (let i = 0; i < settings.repeat; i++) {
      const { json } = await runCli(
        ["--count", String(count), "--max-delay", "0", "--json", "--quiet"],
        settings,
      );
      clientRates.push(json.requestsPerSecond);
    }
  }
  const command = [
    Deno.execPath(),
    "run",
    "--allow-net",
    SERVER,
    "--port",
    "0",
    "--max-delay",
    "0",
  ];
  const seconds = settings.quick ? 2 : 5;
  await using process = start(command, { cpu: SERVER_CPU, stdout: "piped" });
  const url = await readListeningUrl(process.child);
  const rates: number[] = [];
  for (let i = 0; i < settings.repeat; i++) {
    const wrk = await runWrk(`${url}x`, { connections: 1000, seconds, cpu: CLIENT_CPU });
    if (wrk.errors) settings.notes.push(`wrk -c1000 against the bundled server: ${wrk.errors}`);
    rates.push(wrk.requestsPerSecond);
    log(`server ${i + 1}/${settings.repeat}: ${wrk.requestsPerSecond} req/s`);
  }
  settings.notes.push(
    `server: server.ts on CPU ${SERVER_CPU}, wrk -t1 -c1000 on CPU ${CLIENT_CPU}; the reference ` +
      "is the client's in-run rate in the largest zero-delay run",
  );
  return [{
    scenario: "server: bundled server under wrk -t1 -c1000 vs client rate",
    ours: { values: rates, unit: "req/s" },
    reference: { values: clientRates, unit: "req/s" },
    ratios: rates.map((value) => value / median(clientRates)),
    goal: "≥ 2.00",
    meets: (ratio) => ratio >= 2,
  }];
}

/** Reads the server CLI's `Listening on URL` line, then stops reading its output. */
async function readListeningUrl(child: Deno.ChildProcess): Promise<string> {
  const lines = child.stdout.pipeThrough(new TextDecoderStream());
  let text = "";
  for await (const chunk of lines) {
    text += chunk;
    const match = /Listening on (\S+)/.exec(text);
    if (match) return match[1]!; // leaving the loop cancels the stream
  }
  throw new Error(`Cannot start the bundled server: it printed '${text.trim()}'`);
}
