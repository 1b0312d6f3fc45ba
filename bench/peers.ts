/**
 * The peers: the same zero-delay job against the same nginx (one worker, 127.0.0.1, unpinned, as
 * a user would run it) by the CLI and by other clients, side by side in each repeat. Each run's
 * request rate is the client's own figure; its CPU time (user + system) and peak RSS come from
 * `/usr/bin/time`, the CPU per request over the requests it made (process start-up included).
 *
 * - `wrk -t1`, the ceiling (it runs for a fixed time, not a count);
 * - `hey` (Go), Debian's package;
 * - undici (Node's fastest client: `undici.request`, one Agent), installed by npm into a cache
 *   folder outside the repository;
 * - the CLI at its defaults, and with the other worker count;
 * - a bare Deno `fetch` loop (`fetch_loop.ts`): what any fetch-based client starts from;
 * - the write-up's aiohttp client (`aiohttp_client.py`, Debian's `python3-aiohttp`).
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { DEFAULT_WORKERS } from "../cli/plan.ts";
import { label, log, MAIN, MB, type Settings } from "./common.ts";
import { startNginx } from "./nginx.ts";
import { ensureCommand, ensurePackage, run, type RunResult } from "./process.ts";
import { type Row, spread } from "./table.ts";

const FETCH_LOOP = fileURLToPath(new URL("./fetch_loop.ts", import.meta.url));
const UNDICI_LOOP = fileURLToPath(new URL("./undici_loop.mjs", import.meta.url));
const AIOHTTP_CLIENT = fileURLToPath(new URL("./aiohttp_client.py", import.meta.url));
/** Debian's Python, the one `python3-aiohttp` installs for. */
const PYTHON = "/usr/bin/python3";
/** The undici major version the bench installs. */
const UNDICI = "undici@7";

/** What one client's run measured. */
export interface Measure {
  /** Requests per second, as the client measured it. */
  rate: number;
  /** CPU microseconds (user + system) per request, process start-up included. */
  cpuUs: number;
  /** Peak RSS in MB. */
  rssMb: number;
}

/** A client the bench runs against a URL. */
export interface Peer {
  /** The row's name. */
  name: string;
  /**
   * The command for one run of `count` requests at `concurrency` (wrk runs for `seconds`).
   * `template` has `{}` where the index goes.
   */
  command(template: string, count: number, concurrency: number, seconds: number): string[];
  /** The requests made, their rate and the failures, from the command's output. */
  parse(stdout: string): { requests: number; rate: number; failed: number };
}

/** The clients found or installed, in the order they run; the missing ones noted. */
export async function availablePeers(settings: Settings): Promise<Map<string, Peer>> {
  const peers = new Map<string, Peer>();
  const missing = (why: string) => settings.notes.push(`peers: ${why}`);
  const wrk = await ensureCommand("wrk", "wrk");
  if (wrk === undefined) {
    peers.set("wrk", {
      name: "wrk -t1 (the ceiling)",
      command: (
        template,
        _count,
        concurrency,
        seconds,
      ) => ["wrk", "-t1", `-c${concurrency}`, `-d${seconds}s`, template.replace("{}", "x")],
      parse(stdout) {
        const requests = Number(/(\d+) requests in/.exec(stdout)?.[1]);
        const rate = Number(/^Requests\/sec:\s*([\d.]+)/m.exec(stdout)?.[1]);
        const errors = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
        return { requests, rate: Math.round(rate), failed: Number(errors?.[1] ?? 0) };
      },
    });
  } else missing(wrk);
  const hey = await ensureCommand("hey", "hey");
  if (hey === undefined) {
    peers.set("hey", {
      name: "hey (Go)",
      command: (
        template,
        count,
        concurrency,
      ) => ["hey", "-n", String(count), "-c", String(concurrency), template.replace("{}", "x")],
      parse(stdout) {
        const rate = Number(/Requests\/sec:\s*([\d.]+)/.exec(stdout)?.[1]);
        const ok = Number(/\[200\]\s+(\d+) responses/.exec(stdout)?.[1] ?? 0);
        const all = [...stdout.matchAll(/\[\d{3}\]\s+(\d+) responses/g)]
          .reduce((sum, match) => sum + Number(match[1]), 0);
        return { requests: all, rate: Math.round(rate), failed: all - ok };
      },
    });
  } else missing(hey);
  const undici = await installUndici();
  if (typeof undici === "string" && undici.startsWith("/")) {
    peers.set("undici", {
      name: "undici (Node)",
      command: (
        template,
        count,
        concurrency,
      ) => ["node", UNDICI_LOOP, undici, template, String(count), String(concurrency)],
      parse: parseJson,
    });
  } else missing(undici);
  peers.set("ours", {
    name: `the CLI (defaults: ${DEFAULT_WORKERS} runner thread${DEFAULT_WORKERS > 1 ? "s" : ""})`,
    ...cliPeer(DEFAULT_WORKERS),
  });
  const other = DEFAULT_WORKERS === 1 ? 2 : 1;
  peers.set("ours-other", { name: `the CLI, --workers ${other}`, ...cliPeer(other) });
  peers.set("loop", { name: "a bare Deno fetch loop", ...loopPeer() });
  const aiohttp = await ensurePackage(
    [PYTHON, "-c", "import aiohttp"],
    "python3-aiohttp",
    "aiohttp",
  );
  if (aiohttp === undefined) {
    peers.set("aiohttp", {
      name: "the write-up's aiohttp client",
      command: (
        template,
        count,
        concurrency,
      ) => [PYTHON, AIOHTTP_CLIENT, template, String(count), String(concurrency)],
      parse: parseJson,
    });
  } else missing(aiohttp);
  return peers;
}

/** The output of the Deno clients: one JSON object with the count, failures and rate. */
function parseJson(stdout: string): { requests: number; rate: number; failed: number } {
  const { count, failed = 0, requestsPerSecond } = JSON.parse(stdout);
  return { requests: count, rate: requestsPerSecond, failed };
}

/**
 * The CLI as a peer, at its defaults but for the worker count.
 *
 * @param workers `--workers`.
 * @param denoFlags Flags for `deno run`, such as `--v8-flags=...`.
 * @param args More flags for the CLI, such as `--engine fetch`.
 * @returns The peer, without its name.
 */
export function cliPeer(
  workers: number,
  denoFlags: string[] = [],
  args: string[] = [],
): Omit<Peer, "name"> {
  return {
    command: (template, count, concurrency) => [
      Deno.execPath(),
      "run",
      "-A",
      ...denoFlags,
      MAIN,
      "--url",
      template,
      "--count",
      String(count),
      "--concurrency",
      String(concurrency),
      "--workers",
      String(workers),
      "--json",
      "--quiet",
      ...args,
    ],
    parse: parseJson,
  };
}

/**
 * The bare fetch loop (`fetch_loop.ts`) as a peer.
 *
 * @param denoFlags Flags for `deno run`, such as `--v8-flags=...`.
 * @returns The peer, without its name.
 */
export function loopPeer(denoFlags: string[] = []): Omit<Peer, "name"> {
  return {
    command: (template, count, concurrency) => [
      Deno.execPath(),
      "run",
      "-A",
      ...denoFlags,
      FETCH_LOOP,
      template,
      String(count),
      String(concurrency),
    ],
    parse: parseJson,
  };
}

/**
 * Installs undici with npm into `~/.cache/manyreq-bench` (once), never into the repository.
 *
 * @returns The path of undici's entry file, or why it cannot be had.
 */
async function installUndici(): Promise<string> {
  const node = await ensureCommand("node", "nodejs");
  if (node !== undefined) return node;
  const home = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "/tmp"}/.cache`;
  const prefix = `${home}/manyreq-bench`;
  const entry = `${prefix}/node_modules/undici/index.js`;
  if (await Deno.stat(entry).then(() => true, () => false)) return entry;
  log(`undici is missing; installing ${UNDICI} with npm into ${prefix}`);
  await Deno.mkdir(prefix, { recursive: true });
  const result = await run([
    "npm",
    "install",
    "--prefix",
    prefix,
    "--no-audit",
    "--no-fund",
    UNDICI,
  ])
    .catch((error) => ({ code: -1, stderr: String(error) }));
  if (result.code === 0 && await Deno.stat(entry).then(() => true, () => false)) return entry;
  return `undici is missing and 'npm install --prefix ${prefix} ${UNDICI}' failed: ${
    result.stderr.trim().split("\n").at(-1)
  }`;
}

/**
 * Runs a peer once against `url` and measures it.
 *
 * @param peer The client.
 * @param url nginx's base URL.
 * @param count Requests to make (wrk runs for 2 or 5 seconds instead).
 * @param concurrency Requests in flight.
 * @param settings Where failures are noted.
 * @returns Its rate, CPU per request and peak RSS.
 * @throws {Error} When it fails or its figures cannot be read.
 */
export async function measure(
  peer: Peer,
  url: string,
  count: number,
  concurrency: number,
  settings: Settings,
): Promise<Measure> {
  const seconds = settings.quick ? 2 : 5;
  const command = peer.command(`${url}{}`, count, concurrency, seconds);
  const result: RunResult = await run(command, { rss: true });
  if (result.code !== 0 && result.code !== 1) {
    throw new Error(`Cannot run ${peer.name}: exit ${result.code}: ${result.stderr.trim()}`);
  }
  const { requests, rate, failed } = peer.parse(result.stdout);
  if (!(requests > 0) || result.cpuSeconds === undefined || result.rssKb === undefined) {
    throw new Error(`Cannot measure ${peer.name}: ${result.stdout.trim()} ${result.stderr.trim()}`);
  }
  if (failed > 0) settings.notes.push(`${peer.name} at C=${concurrency}: ${failed} failed`);
  return { rate, cpuUs: result.cpuSeconds * 1e6 / requests, rssMb: result.rssKb / MB };
}

/**
 * The peers scenario: every client, at C=100 and C=1000, in each repeat; a table of the peers,
 * and the goals' rows for throughput (against undici) and CPU per request (against the bare
 * fetch loop).
 *
 * @param settings The run's settings; the peers' table is added to its tables.
 * @returns The goals' rows.
 */
/**
 * Measures each client at each limit against one nginx, `settings.repeat` times round-robin, so
 * the clients share the machine's moods; the figures are keyed `${key} ${limit}`.
 */
export async function measureEach(
  scenario: string,
  clients: Map<string, Peer>,
  count: number,
  limits: number[],
  settings: Settings,
): Promise<Map<string, Measure[]>> {
  const figures = new Map<string, Measure[]>();
  await using nginx = await startNginx();
  for (let i = 0; i < settings.repeat; i++) {
    for (const limit of limits) {
      for (const [key, peer] of clients) {
        const measured = await measure(peer, nginx.url, count, limit, settings);
        const list = figures.get(`${key} ${limit}`) ?? [];
        list.push(measured);
        figures.set(`${key} ${limit}`, list);
        log(
          `${scenario} c${limit} ${
            i + 1
          }/${settings.repeat} ${peer.name}: ${measured.rate} req/s, ` +
            `${measured.cpuUs.toFixed(1)} us/req, ${measured.rssMb.toFixed(1)} MB`,
        );
      }
    }
  }
  return figures;
}

export async function peers(settings: Settings): Promise<Row[]> {
  const nginxMissing = await ensureCommand("nginx", "nginx-light");
  if (nginxMissing !== undefined) {
    settings.notes.push(`peers skipped: ${nginxMissing}`);
    return [{ scenario: "peers against nginx", goal: "–", skipped: "nginx is missing" }];
  }
  const clients = await availablePeers(settings);
  const count = settings.quick ? 20_000 : 100_000;
  const limits = [100, 1000];
  const figures = await measureEach("peers", clients, count, limits, settings);
  settings.tables.push(peersTable(
    `Peers: ${count.toLocaleString("en-US")} zero-delay requests to nginx (one worker), unpinned`,
    clients,
    limits,
    figures,
  ));
  const rows: Row[] = [];
  for (const limit of limits) {
    const ours = figures.get(`ours ${limit}`)!;
    const undici = figures.get(`undici ${limit}`);
    const loop = figures.get(`loop ${limit}`)!;
    const name = `${label(count)} zero-delay requests to nginx, C=${limit}`;
    rows.push(
      undici
        ? {
          scenario: `throughput vs undici: ${name}`,
          ours: { values: ours.map((m) => m.rate), unit: "req/s" },
          reference: { values: undici.map((m) => m.rate), unit: "req/s" },
          ratios: ours.map((m, j) => m.rate / undici[j]!.rate),
          goal: "≥ 1.10",
          meets: (ratio) => ratio >= 1.1,
        }
        : { scenario: `throughput vs undici: ${name}`, goal: "≥ 1.10", skipped: "no undici" },
      {
        scenario: `CPU per request vs a bare fetch loop: ${name}`,
        ours: { values: ours.map((m) => m.cpuUs), unit: "µs" },
        reference: { values: loop.map((m) => m.cpuUs), unit: "µs" },
        ratios: ours.map((m, j) => m.cpuUs / loop[j]!.cpuUs),
        goal: "≤ 1.05",
        meets: (ratio) => ratio <= 1.05,
      },
    );
  }
  settings.notes.push(
    `peers: ${count.toLocaleString("en-US")} requests per run (wrk: ${
      settings.quick ? 2 : 5
    } s), ` +
      "nginx with one worker, nothing pinned; req/s as each client measures it, CPU (user + " +
      "system, start-up included) and peak RSS from /usr/bin/time",
  );
  return rows;
}

/**
 * The memory goal: peak RSS over 200,000 zero-delay requests at C=1000 to nginx, the CLI at its
 * defaults against undici (and the bare fetch loop, for information), side by side.
 *
 * @param settings The run's settings.
 * @returns The rows.
 */
export async function memory(settings: Settings): Promise<Row[]> {
  const nginxMissing = await ensureCommand("nginx", "nginx-light");
  if (nginxMissing !== undefined) {
    settings.notes.push(`memory skipped: ${nginxMissing}`);
    return [{ scenario: "memory against nginx", goal: "–", skipped: "nginx is missing" }];
  }
  const all = await availablePeers(settings);
  const count = settings.quick ? 50_000 : 200_000;
  const limit = 1000;
  const keys = ["ours", "undici", "loop"].filter((key) => all.has(key));
  const rss = new Map<string, number[]>(keys.map((key) => [key, []]));
  await using nginx = await startNginx();
  for (let i = 0; i < settings.repeat; i++) {
    for (const key of keys) {
      const measured = await measure(all.get(key)!, nginx.url, count, limit, settings);
      rss.get(key)!.push(measured.rssMb);
      log(`memory ${i + 1}/${settings.repeat} ${key}: ${measured.rssMb.toFixed(1)} MB`);
    }
  }
  const name = `peak RSS, ${label(count)} zero-delay requests to nginx, C=${limit}`;
  const ours = rss.get("ours")!;
  const rows: Row[] = [];
  for (
    const [key, text, goal] of [["undici", "undici", true], [
      "loop",
      "a bare fetch loop",
      false,
    ]] as const
  ) {
    const reference = rss.get(key);
    if (!reference) continue;
    rows.push({
      scenario: `memory vs ${text}: ${name}`,
      ours: { values: ours, unit: "MB" },
      reference: { values: reference, unit: "MB" },
      ratios: ours.map((value, j) => value / reference[j]!),
      goal: goal ? "≤ 1.00" : "–",
      ...(goal ? { meets: (ratio: number) => ratio <= 1 } : {}),
    });
  }
  return rows;
}

/**
 * Clients' figures as a Markdown table: one row per client and limit, median (min–max).
 *
 * @param title The line above the table.
 * @param clients The clients, in the order of the rows.
 * @param limits The limits, in the order of the rows.
 * @param figures Each client's measures, keyed by `${key} ${limit}`.
 * @returns The title and the table.
 */
export function peersTable(
  title: string,
  clients: Map<string, Peer>,
  limits: number[],
  figures: Map<string, Measure[]>,
): string {
  const lines = [
    `${title}; median (min–max)`,
    "",
    "| C | client | req/s | CPU µs per request | peak RSS MB |",
    "| ---: | --- | ---: | ---: | ---: |",
  ];
  for (const limit of limits) {
    for (const [key, peer] of clients) {
      const measured = figures.get(`${key} ${limit}`);
      if (!measured) continue;
      const cell = (pick: (m: Measure) => number, digits: number) =>
        spread(measured.map(pick), (value) =>
          value.toLocaleString("en-US", {
            minimumFractionDigits: digits,
            maximumFractionDigits: digits,
          }));
      lines.push(
        `| ${limit} | ${peer.name} | ${cell((m) => m.rate, 0)} | ${cell((m) => m.cpuUs, 1)} | ` +
          `${cell((m) => m.rssMb, 0)} |`,
      );
    }
  }
  return lines.join("\n");
}
