/**
 * Opt-in (`--only young`): what V8's young generation costs and saves. The bare fetch loop and the
 * CLI at C=1000 against nginx, each at V8's default and with `--max-semi-space-size` of 2 and 8 MB
 * (set with `deno run --v8-flags`, which reaches every isolate, workers included), side by side.
 *
 * @module
 */

import { DEFAULT_WORKERS } from "../cli/plan.ts";
import { label, log, type Settings } from "./common.ts";
import { startNginx } from "./nginx.ts";
import { cliPeer, loopPeer, type Measure, measure, type Peer, peersTable } from "./peers.ts";
import { ensureCommand } from "./process.ts";
import type { Row } from "./table.ts";

/** Semi-space sizes tried, in MB; `undefined` is V8's default. */
const SEMI_SPACES = [undefined, 8, 2];

/**
 * Runs the variants `repeat` times.
 *
 * @param settings The run's settings; the variants' table is added to its tables.
 * @returns Informational rows: each setting's peak RSS and CPU per request against the default.
 */
export async function young(settings: Settings): Promise<Row[]> {
  const nginxMissing = await ensureCommand("nginx", "nginx-light");
  if (nginxMissing !== undefined) {
    return [{ scenario: "young generation", goal: "–", skipped: "nginx is missing" }];
  }
  const count = settings.quick ? 20_000 : 100_000;
  const limit = 1000;
  const variants = new Map<string, Peer>();
  for (const [who, make] of [["loop", loopPeer], ["ours", cliPeer]] as const) {
    for (const size of SEMI_SPACES) {
      const flags = size === undefined ? [] : [`--v8-flags=--max-semi-space-size=${size}`];
      const peer = who === "loop" ? loopPeer(flags) : make(DEFAULT_WORKERS, flags);
      const name = `${who === "loop" ? "a bare Deno fetch loop" : "the CLI (defaults)"}, ${
        size === undefined ? "V8's default" : `--max-semi-space-size=${size}`
      }`;
      variants.set(`${who} ${size ?? "default"}`, { name, ...peer });
    }
  }
  const figures = new Map<string, Measure[]>();
  await using nginx = await startNginx();
  for (let i = 0; i < settings.repeat; i++) {
    for (const [key, peer] of variants) {
      const measured = await measure(peer, nginx.url, count, limit, settings);
      figures.set(`${key} ${limit}`, [...figures.get(`${key} ${limit}`) ?? [], measured]);
      log(
        `young ${i + 1}/${settings.repeat} ${peer.name}: ${measured.rate} req/s, ` +
          `${measured.cpuUs.toFixed(1)} us/req, ${measured.rssMb.toFixed(1)} MB`,
      );
    }
  }
  settings.tables.push(peersTable(
    `Young generation: ${count.toLocaleString("en-US")} zero-delay requests to nginx, C=${limit}`,
    variants,
    [limit],
    figures,
  ));
  const rows: Row[] = [];
  for (const who of ["loop", "ours"]) {
    const base = figures.get(`${who} default ${limit}`)!;
    for (const size of SEMI_SPACES.slice(1)) {
      const tried = figures.get(`${who} ${size} ${limit}`)!;
      const name = `young: ${who === "loop" ? "bare fetch loop" : "the CLI"}, ` +
        `--max-semi-space-size=${size} vs V8's default, ${label(count)} requests, C=${limit}`;
      rows.push({
        scenario: `${name}: peak RSS`,
        ours: { values: tried.map((m) => m.rssMb), unit: "MB" },
        reference: { values: base.map((m) => m.rssMb), unit: "MB" },
        ratios: tried.map((m, j) => m.rssMb / base[j]!.rssMb),
        goal: "–",
      }, {
        scenario: `${name}: CPU per request`,
        ours: { values: tried.map((m) => m.cpuUs), unit: "µs" },
        reference: { values: base.map((m) => m.cpuUs), unit: "µs" },
        ratios: tried.map((m, j) => m.cpuUs / base[j]!.cpuUs),
        goal: "–",
      });
    }
  }
  return rows;
}
