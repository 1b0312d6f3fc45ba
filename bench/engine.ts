/**
 * The engine scenario: the CLI on its h1 engine (the default) against the same CLI on Deno's
 * fetch, undici and hey, side by side in each repeat, 100,000 zero-delay GETs to nginx (one
 * worker, loopback) at C=100 and C=1000: requests/s, CPU µs per request (user + system from
 * `/usr/bin/time`) and peak RSS; and the CLI on h1 at one and at two runner threads, to re-measure
 * the default worker count with the new engine.
 *
 * @module
 */

import { DEFAULT_WORKERS, FETCH_DEFAULT_WORKERS } from "../cli/plan.ts";
import type { Settings } from "./common.ts";
import {
  availablePeers,
  cliPeer,
  type Measure,
  measureEach,
  type Peer,
  peersTable,
} from "./peers.ts";
import { ensureCommand } from "./process.ts";
import { median, type Row } from "./table.ts";

/**
 * Runs the engine scenario.
 *
 * @param settings The run's settings; the table is added to its tables.
 * @returns The goals' rows: throughput and CPU against the best peer, memory against undici.
 */
export async function engine(settings: Settings): Promise<Row[]> {
  const nginxMissing = await ensureCommand("nginx", "nginx-light");
  if (nginxMissing !== undefined) {
    settings.notes.push(`engine skipped: ${nginxMissing}`);
    return [{ scenario: "engine against nginx", goal: "–", skipped: "nginx is missing" }];
  }
  const found = await availablePeers(settings);
  const other = DEFAULT_WORKERS === 1 ? 2 : 1;
  const clients = new Map<string, Peer>([
    ["h1", {
      name: `the CLI, defaults (h1, ${DEFAULT_WORKERS} threads)`,
      ...cliPeer(DEFAULT_WORKERS),
    }],
    [
      "h1-other",
      { name: `the CLI, h1, --workers ${other}`, ...cliPeer(other, [], ["--engine", "h1"]) },
    ],
    [
      "fetch",
      {
        name: `the CLI, --engine fetch (--workers ${FETCH_DEFAULT_WORKERS})`,
        ...cliPeer(FETCH_DEFAULT_WORKERS, [], ["--engine", "fetch"]),
      },
    ],
  ]);
  for (const key of ["undici", "hey"]) {
    const peer = found.get(key);
    if (peer) clients.set(key, peer);
  }
  const count = settings.quick ? 20_000 : 100_000;
  const limits = [100, 1000];
  const figures = await measureEach("engine", clients, count, limits, settings);
  settings.tables.push(peersTable(
    `Engine: ${count.toLocaleString("en-US")} zero-delay GETs to nginx (one worker), unpinned`,
    clients,
    limits,
    figures,
  ));
  const rows: Row[] = [];
  for (const limit of limits) {
    const ours = figures.get(`h1 ${limit}`)!;
    const peers = ["undici", "hey"].filter((key) => figures.has(`${key} ${limit}`));
    const name = `${count.toLocaleString("en-US")} GETs to nginx, C=${limit}`;
    if (peers.length === 0) {
      rows.push({ scenario: `engine vs peers: ${name}`, goal: "–", skipped: "no undici, no hey" });
      continue;
    }
    // The best peer by its median, per measure.
    const best = (pick: (m: Measure) => number, low: boolean) =>
      peers.map((key) => figures.get(`${key} ${limit}`)!).reduce((a, b) => {
        const [ma, mb] = [median(a.map(pick)), median(b.map(pick))];
        return (low ? ma <= mb : ma >= mb) ? a : b;
      });
    const rate = best((m) => m.rate, false);
    const cpu = best((m) => m.cpuUs, true);
    rows.push(
      {
        scenario: `h1 throughput vs the best peer: ${name}`,
        ours: { values: ours.map((m) => m.rate), unit: "req/s" },
        reference: { values: rate.map((m) => m.rate), unit: "req/s" },
        ratios: ours.map((m, j) => m.rate / rate[j]!.rate),
        goal: "≥ 1.00",
        meets: (ratio) => ratio >= 1,
      },
      {
        scenario: `h1 CPU per request vs the best peer: ${name}`,
        ours: { values: ours.map((m) => m.cpuUs), unit: "µs" },
        reference: { values: cpu.map((m) => m.cpuUs), unit: "µs" },
        ratios: ours.map((m, j) => m.cpuUs / cpu[j]!.cpuUs),
        goal: "≤ 1.00",
        meets: (ratio) => ratio <= 1,
      },
    );
    const undici = figures.get(`undici ${limit}`);
    if (undici) {
      rows.push({
        scenario: `h1 peak RSS vs undici: ${name}`,
        ours: { values: ours.map((m) => m.rssMb), unit: "MB" },
        reference: { values: undici.map((m) => m.rssMb), unit: "MB" },
        ratios: ours.map((m, j) => m.rssMb / undici[j]!.rssMb),
        goal: "≤ 1.00",
        meets: (ratio) => ratio <= 1,
      });
    }
  }
  settings.notes.push(
    `engine: ${count.toLocaleString("en-US")} requests per run, nginx with one worker, nothing ` +
      "pinned; the best peer is the one with the best median of that measure",
  );
  return rows;
}
