/**
 * A run's flags, checked into a plan before anything is opened or sent.
 *
 * @module
 */

import {
  fitConcurrency,
  fitIdlePerOrigin,
  readOpenFileLimit,
  RESERVED_DESCRIPTORS,
} from "../runner/open_files.ts";
import { MAX_RETRIES, type RunSettings } from "../runner/options.ts";
import { MAX_DELAY_SECONDS } from "../server.ts";
import { parseShard, requestsFromTemplate, type Shard } from "../sources/requests.ts";
import { asUsageError, duration, integer, type parse, seconds, UsageError } from "./args.ts";
import {
  checkNotSameFile,
  checkTargets,
  checkUrlList,
  MAX_LISTED_HOSTS,
  readBody,
  requirePermissions,
} from "./files.ts";
import { OUTCOME_OPTIONS } from "./outcome.ts";
import { PACE_OPTIONS, planPace } from "./pace.ts";
import { originOf } from "../sources/url_parts.ts";
import { type RunIdentity, sha256 } from "../output/run_identity.ts";
import { descriptionPath } from "./output.ts";
import {
  netHost,
  parseHeaders,
  planEngine,
  planTransport,
  requireNetPermission,
  requireUnblockedPorts,
  TRANSPORT_OPTIONS,
  type TransportPlan,
  withUserAgent,
} from "./transport.ts";

/** The largest concurrency accepted; more would only exhaust the machine. */
export const MAX_CONCURRENCY = 100_000;
/** The longest `--timeout` accepted, in seconds: a day (the runner takes up to 24 days). */
const MAX_TIMEOUT_FLAG = 86_400;
/**
 * Runner threads by default on the h1 engine: one. On the 2-CPU bench machine (busy with other
 * work), one h1 thread made 56% (C=100) and 5% (C=1000) more requests per second than two, for
 * 33% and 2% less CPU per request and 27-63 MB less memory: one thread on h1 keeps nginx's one
 * worker busy (docs/performance.md).
 */
export const DEFAULT_WORKERS = 1;
/**
 * Runner threads by default on the fetch engine: one per CPU, at most 4. On the 2-CPU bench
 * machine, otherwise idle, two fetch runner threads made 23% (C=100) and 43% (C=1000) more
 * requests per second than one; on a machine busy with other work the second thread gained
 * nothing (docs/performance.md).
 */
export const FETCH_DEFAULT_WORKERS = Math.max(1, Math.min(4, navigator.hardwareConcurrency));
/** The most runner threads accepted. */
export const MAX_WORKERS = 64;

export const RUN_OPTIONS = {
  count: { type: "string", short: "n" },
  concurrency: { type: "string", short: "c" },
  url: { type: "string" },
  urls: { type: "string" },
  "max-delay": { type: "string" },
  seed: { type: "string" },
  timeout: { type: "string" },
  retries: { type: "string" },
  method: { type: "string", short: "m" },
  header: { type: "string", short: "H", multiple: true },
  body: { type: "string" },
  "body-file": { type: "string" },
  shard: { type: "string" },
  workers: { type: "string" },
  json: { type: "boolean" },
  output: { type: "string" },
  resume: { type: "boolean" },
  overwrite: { type: "boolean" },
  verbose: { type: "boolean" },
  quiet: { type: "boolean" },
  help: { type: "boolean" },
  ...TRANSPORT_OPTIONS,
  ...OUTCOME_OPTIONS,
  ...PACE_OPTIONS,
} as const;

/** A run's flags, checked: everything the run needs to know before it opens anything. */
export interface RunPlan {
  /** Whether to start the bundled delay server (no `--url`, `--urls` or `--targets`). */
  bundled: boolean;
  url: string | undefined;
  urls: string | undefined;
  targets: string | undefined;
  count: number;
  /** Whether `count` is the run's size; not with `--duration` and no `--count`. */
  counted: boolean;
  /** Requests this shard makes, when the count is known. */
  shardCount: number;
  /** The requests in `--urls` or `--targets`, when they could be counted ahead. */
  listCount: number | undefined;
  /** Milliseconds requests in flight at the end of `--duration` get to finish. */
  grace: number;
  /** The concurrency asked for, no more than the requests to make. */
  concurrency: number;
  workers: number;
  shard: Shard | undefined;
  delays: { maxDelay: number; seed: number };
  /** What the runner is asked to do; the concurrency and client options are set at the start. */
  request: Omit<RunSettings, "concurrency" | "clientOptions">;
  /** What the run requests, for `--resume` and `report` to check. */
  identity: RunIdentity;
  /** The HTTP client's options and `--save`. */
  transport: TransportPlan;
  /** The engine that will carry the requests, which decides the headers a target may set. */
  engine: "h1" | "fetch";
  /** How many origins the run talks to; `undefined` when not known ahead (a list on a pipe). */
  origins: number | undefined;
}

/** Origins assumed for a URL list that cannot be read ahead, such as standard input. */
export const UNKNOWN_ORIGINS = 100;

/** Checks every flag of a run, reading files named as far as needed; throws {@linkcode UsageError}. */
export async function planRun(
  flags: ReturnType<typeof parse<{ options: typeof RUN_OPTIONS }>>["values"],
): Promise<RunPlan> {
  const inputs = (["url", "urls", "targets"] as const).filter((name) => flags[name] !== undefined);
  const bundled = inputs.length === 0;
  if (inputs.length > 1) {
    throw new UsageError(`Cannot use --${inputs[0]} and --${inputs[1]} together`);
  }
  const listFlag = flags.urls !== undefined ? "urls" : flags.targets !== undefined ? "targets" : "";
  if (listFlag && flags.count !== undefined) {
    throw new UsageError(`Cannot use --count with --${listFlag}: the list sets the count`);
  }
  if (listFlag && flags.workers !== undefined) {
    throw new UsageError(`Cannot use --workers with --${listFlag}: a list is read on one thread`);
  }
  for (const name of ["max-delay", "seed"] as const) {
    if (!bundled && flags[name] !== undefined) {
      throw new UsageError(
        `Cannot use --${name} with --url, --urls or --targets: it sets the bundled server`,
      );
    }
  }
  requirePermissions(filePermissions(flags), knownHosts(flags, bundled));
  const pace = planPace(flags);
  // With --duration, a template's --count is an optional cap: indices keep counting. With
  // --rate and neither, the run goes on until Ctrl-C, as vegeta's does.
  const counted = flags.count !== undefined ||
    pace.duration === undefined && pace.rate === undefined;
  const count = counted ? integer("count", flags.count ?? "10000", 1) : Number.MAX_SAFE_INTEGER;
  const concurrency = integer("concurrency", flags.concurrency ?? "1000", 1, MAX_CONCURRENCY);
  const engine = planEngine(flags);
  const defaultWorkers = engine.resolved === "h1" ? DEFAULT_WORKERS : FETCH_DEFAULT_WORKERS;
  const workers = integer("workers", flags.workers ?? String(defaultWorkers), 1, MAX_WORKERS);
  const maxDelay = seconds("max-delay", flags["max-delay"] ?? "3", 0, MAX_DELAY_SECONDS);
  const seed = integer("seed", flags.seed ?? "1", 0);
  const timeout = duration("timeout", flags.timeout ?? "30", MAX_TIMEOUT_FLAG * 1000);
  // At the end of --duration, requests in flight get this long to finish: by default, the
  // timeout and a second more, so a request ends by its own timeout (its timer may fire up to
  // 250 ms late, see async/deadline.ts) rather than be cut by the grace.
  const grace = flags.grace === undefined
    ? timeout + 1000
    : duration("grace", flags.grace, MAX_TIMEOUT_FLAG * 1000);
  if (flags.grace !== undefined && pace.duration === undefined) {
    throw new UsageError("Cannot use --grace without --duration: it is the time after its end");
  }
  const retries = integer("retries", flags.retries ?? "0", 0, MAX_RETRIES);
  const shard = flags.shard === undefined
    ? undefined
    : asUsageError(() => parseShard(flags.shard!));
  const method = (flags.method ?? "GET").toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`Cannot use method '${flags.method}'`);
  const request: RunPlan["request"] = { timeout, retries, method, ...pace };
  // A 429 backs its host off when the run retries or caps hosts.
  if (retries > 0 || pace.perHost !== undefined) request.backoff = true;
  const headers = parseHeaders(flags.header ?? [], engine.resolved);
  request.headers = withUserAgent(headers);
  if (flags.body !== undefined && flags["body-file"] !== undefined) {
    throw new UsageError("Cannot use --body and --body-file together");
  }
  if (flags.body !== undefined) request.body = flags.body;
  if (flags["body-file"] !== undefined) request.body = await readBody(flags["body-file"]);
  asUsageError(() => new Request("http://127.0.0.1/", request));
  const transport = await planTransport(flags);
  // fetch speaks HTTP/2 only over TLS (ALPN), not h2c: every request would fail on a frame error.
  if (flags.http2 && (bundled || flags.url?.startsWith("http:"))) {
    throw new UsageError(
      `Cannot use --http2 with ${bundled ? "the bundled server" : `'${flags.url}'`}: HTTP/2 ` +
        "is spoken over TLS only (https://), and plain-http servers (h2c) are not supported",
    );
  }
  request.maxRedirects = transport.maxRedirects;
  request.engine = transport.engine;
  if (transport.maxBytes !== undefined) request.maxBytes = transport.maxBytes;
  // Hosts known before the run: without permission for one, stop here rather than prompt.
  const hosts = new Set<string>();
  if (flags.url !== undefined) {
    asUsageError(() => requestsFromTemplate(flags.url!, 0));
    hosts.add(netHost(flags.url.replaceAll("{}", "0")));
  }
  const list = flags.urls !== undefined && flags.urls !== "-"
    ? await checkUrlList(flags.urls, hosts)
    : flags.targets !== undefined && flags.targets !== "-"
    ? await checkTargets(flags.targets, hosts, method, engine.resolved)
    : undefined;
  // A list's hosts stand for its origins; past the hosts collected, they are too many to tell.
  const origins = bundled
    ? 1
    : flags.url !== undefined
    ? templateOrigins(flags.url)
    : list && hosts.size < MAX_LISTED_HOSTS
    ? hosts.size
    : undefined;
  const proxy = transport.clientOptions.proxy;
  if (proxy !== undefined && "url" in proxy) hosts.add(netHost(proxy.url));
  requireNetPermission(hosts);
  requireUnblockedPorts(hosts, engine.resolved);
  if (flags.resume && flags.overwrite) {
    throw new UsageError("Cannot use --resume and --overwrite together");
  }
  for (const name of ["resume", "overwrite"] as const) {
    if (flags[name] && (flags.output === undefined || flags.output === "-")) {
      throw new UsageError(`Cannot use --${name} without --output FILE: it applies to that file`);
    }
  }
  if (flags.output !== undefined && flags.output !== "-") {
    // Before anything is opened for writing: an input named as the output would be emptied.
    await checkNotSameFile(flags.output, inputPaths(flags));
  }
  // A list on a pipe cannot be read ahead: its run is one of a kind, and cannot be resumed.
  if (listFlag && list === undefined && flags.resume) {
    throw new UsageError(
      `Cannot use --resume with --${listFlag} '${flags[listFlag]}': a list that is not a file ` +
        `cannot be checked against the run that wrote the output; save it to a file`,
    );
  }
  const identity: RunIdentity = {
    requests: bundled
      ? `the bundled server --max-delay ${maxDelay} --seed ${seed}`
      : flags.url !== undefined
      ? `--url ${flags.url}`
      : `--${listFlag} ${list?.digest ?? `not a file, run ${crypto.randomUUID()}`}`,
    count: listFlag ? list?.count ?? null : counted ? count : null,
    method,
    headers: headers.length > 0 ? sha256(JSON.stringify(headers)) : null,
    body: request.body === undefined ? null : sha256(request.body),
    shard: shard ? `${shard.index}/${shard.total}` : null,
  };
  const shardCount = shard ? Math.ceil(Math.max(0, count - shard.index) / shard.total) : count;
  // One origin (the bundled server, a template with no {} before its path): --per-host caps it all.
  const oneOrigin = bundled || flags.url !== undefined && !originOf(flags.url).includes("{}");
  const cap = oneOrigin ? Math.min(concurrency, pace.perHost ?? concurrency) : concurrency;
  return {
    bundled,
    url: flags.url,
    urls: flags.urls,
    targets: flags.targets,
    count,
    counted,
    shardCount,
    grace,
    listCount: list && shard
      ? Math.ceil(Math.max(0, list.count - shard.index) / shard.total)
      : list?.count,
    concurrency: !listFlag ? Math.max(1, Math.min(cap, shardCount)) : concurrency,
    workers,
    shard,
    delays: { maxDelay, seed },
    request,
    identity,
    transport,
    engine: engine.resolved,
    origins,
  };
}

/**
 * The hosts a run connects to that are known before any file is read: the
 * template's and the proxy's (a list's hosts are checked once it is read).
 */
function knownHosts(flags: Record<string, unknown>, bundled: boolean): string[] {
  const hosts: string[] = [];
  for (const url of [bundled ? undefined : flags.url, flags.proxy]) {
    if (typeof url !== "string") continue;
    try {
      hosts.push(netHost(url.replaceAll("{}", "0")));
    } catch {
      // An invalid URL gets its own message once it is checked.
    }
  }
  return hosts;
}

/**
 * The file permissions a run needs, checked at once before anything else: its
 * inputs are read; its output and its description are read (to resume) and
 * written; `--save` renames what it writes (read and write); `--html` is written.
 */
function filePermissions(flags: Record<string, unknown>): ["read" | "write", string][] {
  const text = (name: string) => {
    const value = flags[name];
    return typeof value === "string" && value !== "-" && value !== "" ? value : undefined;
  };
  const needs: ["read" | "write", string][] = [];
  for (const name of ["urls", "targets", "body-file"]) {
    const path = text(name);
    if (path !== undefined) needs.push(["read", path]);
  }
  for (const path of (flags["ca-cert"] as string[] | undefined) ?? []) needs.push(["read", path]);
  const output = text("output");
  const save = text("save");
  for (const path of [output, output && descriptionPath(output), save]) {
    if (path) needs.push(["read", path], ["write", path]);
  }
  const html = text("html");
  if (html !== undefined) needs.push(["write", html]);
  return needs;
}

/** 1 when every URL of a template has one origin; many when the index is in the host. */
function templateOrigins(template: string): number | undefined {
  const origin = (index: number) => new URL(template.replaceAll("{}", String(index))).origin;
  return origin(0) === origin(1) ? 1 : undefined;
}

/** The files a run reads, by flag: none of them may be the output. */
function inputPaths(flags: Record<string, unknown>): [string, string][] {
  return ["urls", "targets", "body-file"].flatMap((name) => {
    const path = flags[name];
    return typeof path === "string" && path !== "-" ? [[`--${name}`, path]] : [];
  });
}

/**
 * The planned concurrency, lowered to fit under the open-file limit. fetch's
 * pool opens a new connection when a request starts before the one just freed
 * is back in the pool, and keeps up to `concurrency` idle: count 2 client
 * sockets per request, and the bundled server's ends of them too.
 */
export function fitUnderFileLimit(
  plan: RunPlan,
  notice: (text: string) => void,
): { concurrency: number; idlePerOrigin: number } {
  const limit = readOpenFileLimit();
  const perRequest = plan.bundled ? 4 : 2;
  const concurrency = fitConcurrency(plan.concurrency, limit, perRequest);
  if (concurrency < plan.concurrency) {
    const sockets = plan.bundled
      ? "2 client sockets and the bundled server's ends"
      : "2 client sockets";
    notice(
      `note: lowering concurrency from ${plan.concurrency} to ${concurrency}: the open-file ` +
        `limit is ${limit} and each request needs up to ${perRequest} descriptors (${sockets}); ` +
        `raise it with 'ulimit -n ${plan.concurrency * perRequest + RESERVED_DESCRIPTORS}'`,
    );
  } else if (limit === undefined) {
    notice(
      "note: the open-file limit could not be read (allow it with --allow-read=/proc/self/limits); " +
        "concurrency is not checked against it",
    );
  }
  const origins = plan.origins ?? UNKNOWN_ORIGINS;
  const idlePerOrigin = fitIdlePerOrigin(concurrency, limit, perRequest, origins);
  if (idlePerOrigin < concurrency) {
    notice(
      `note: keeping at most ${idlePerOrigin} idle connections per origin: ` +
        `${plan.origins === undefined ? `up to ${origins} (not known ahead)` : origins} origins ` +
        `must fit under the open-file limit of ${limit}`,
    );
  }
  return { concurrency, idlePerOrigin };
}
