/**
 * The command line: make N requests (or one per line of a URL list) with
 * bounded concurrency, against the bundled delay server unless told
 * otherwise, and print a summary. `main.ts report FILE...` summarizes NDJSON
 * outputs written earlier, from one run or many shards.
 *
 * @example
 * ```sh
 * deno run -A main.ts --count 10000
 * deno run -A main.ts --url 'http://127.0.0.1:8080/{}' --count 1000 --json
 * deno run -A main.ts report shard-*.ndjson
 * ```
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { greedyMakespan } from "./greedy_bound.ts";
import { LineWriter, readRecords } from "./ndjson.ts";
import { fitConcurrency, readOpenFileLimit, RESERVED_DESCRIPTORS } from "./open_files.ts";
import { type RequestSpec, type RunOptions, runRequests } from "./mod.ts";
import { createDelaySequence, MAX_DELAY_SECONDS, serveDelay, spawnDelayServer } from "./server.ts";
import { parseShard, requestsFromLines, requestsFromTemplate, type Shard } from "./sources.ts";
import { formatSummary, Summary, type SummaryJson } from "./summary.ts";
import { runTemplateInWorkers } from "./workers.ts";

/** The largest concurrency accepted; more would only exhaust the machine. */
const MAX_CONCURRENCY = 100_000;
/** The longest timeout accepted, in seconds: a day. */
const MAX_TIMEOUT = 86_400;
const MAX_RETRIES = 100;
/** Runner threads by default: one per CPU, up to 4. */
const DEFAULT_WORKERS = Math.max(1, Math.min(4, navigator.hardwareConcurrency));
/** What a header value must not hold: control characters other than tab. */
// deno-lint-ignore no-control-regex
const CONTROL_CHARACTER = /[\x00-\x08\x0a-\x1f\x7f]/;
/** The most runner threads accepted. */
const MAX_WORKERS = 64;
/** Seconds in-flight requests get to finish after the first interrupt. */
const GRACE_SECONDS = 2;
const PROGRESS_INTERVAL_MS = 250;

const USAGE = `Usage: main.ts [options]
       main.ts report [--json] FILE...   (- reads standard input)

Makes many HTTP requests with bounded concurrency and summarizes them.
Without --url or --urls it starts the bundled delay server on a free
loopback port and aims at it.

Options:
  --count N          requests to make (default 10000)
  --concurrency C    most requests in flight (default 1000)
  --url TEMPLATE     URL to request; {} is replaced by the index 0..N-1
  --urls FILE|-      read URLs from FILE (or standard input), one per line
  --max-delay S      bundled server: delays are 0..S seconds (default 3)
  --seed N           bundled server: seed of its delays (default 1)
  --timeout S        seconds one attempt may take, headers and body (default 30)
  --retries N        retries of transient failures (default 0)
  --method M         HTTP method (default GET)
  --header 'K: V'    request header, repeatable
  --body TEXT        request body
  --body-file FILE   request body read from FILE
  --shard I/N        make only requests whose index i has i % N == I
  --workers W        threads that make the requests of a --count run (default: CPUs, at most 4)
  --json             print the summary as one JSON object on stdout
  --output FILE      write one NDJSON record per finished request
  --verbose          print "{date}:{url} with delay {delay}" per response
  --quiet            print no progress and no notices
  --help             show this help

Exit codes: 0 all ok, 1 some failed, 2 bad usage, 130 interrupted (143 on SIGTERM).

Examples:
  main.ts --count 10000
  main.ts --count 100000 --max-delay 0 --json
  main.ts --url 'http://127.0.0.1:8080/{}' --count 1000 --retries 3
  main.ts --urls urls.txt --shard 0/4 --output shard-0.ndjson
  main.ts report shard-*.ndjson
`;

/** A mistake in the command line: reported in one line, exit code 2. */
class UsageError extends Error {}

const RUN_OPTIONS = {
  count: { type: "string" },
  concurrency: { type: "string" },
  url: { type: "string" },
  urls: { type: "string" },
  "max-delay": { type: "string" },
  seed: { type: "string" },
  timeout: { type: "string" },
  retries: { type: "string" },
  method: { type: "string" },
  header: { type: "string", multiple: true },
  body: { type: "string" },
  "body-file": { type: "string" },
  shard: { type: "string" },
  workers: { type: "string" },
  json: { type: "boolean" },
  output: { type: "string" },
  verbose: { type: "boolean" },
  quiet: { type: "boolean" },
  help: { type: "boolean" },
} as const;

/**
 * Runs the command line. Only the `import.meta.main` block touches
 * `Deno.args` and `Deno.exit`, so the CLI also runs in-process.
 *
 * @param args The arguments, without the program name.
 * @returns The exit code: 0 all ok, 1 some failed, 2 bad usage, 130 or 143 interrupted.
 *
 * @example A run against the bundled server
 * ```ts
 * import { main } from "./main.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await main(["--count", "20", "--max-delay", "0", "--quiet", "--json"]), 0);
 * assert.equal(await main(["--count", "-1"]), 2);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  try {
    return args[0] === "report" ? await report(args.slice(1)) : await run(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}`);
    return 2;
  }
}

async function run(args: string[]): Promise<number> {
  const { values: flags } = parse({ args, options: RUN_OPTIONS });
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const plan = await planRun(flags);
  const notice = flags.quiet ? () => {} : (text: string) => console.error(text);
  const concurrency = fitUnderFileLimit(plan, notice);

  await using output = flags.output === undefined ? undefined : await openOutput(flags.output);
  await using server = plan.bundled ? await startBundledServer(plan.delays, notice) : undefined;
  const source = plan.urls === undefined ? undefined : await urlList(plan.urls, plan.shard);
  using interrupt = new Interrupt(() => output?.writer.flushSync());
  const options = {
    ...plan.request,
    concurrency,
    signal: interrupt.abort,
    stop: interrupt.stop,
  } satisfies RunOptions;
  const template = plan.url ?? `${server?.url}{}`;
  const { workers, shard } = plan;
  const records = source
    ? runRequests(source, options)
    : workers > 1 && canStartWorker("runner_worker.ts", "the client", notice)
    ? runTemplateInWorkers(template, plan.count, {
      ...options,
      workers,
      ...(shard ? { shard } : {}),
    })
    : runRequests(requestsFromTemplate(template, plan.count, shard), options);

  const summary = new Summary();
  const verbose = flags.verbose
    ? new LineWriter(flags.json ? Deno.stderr : Deno.stdout)
    : undefined;
  const progress = !flags.quiet && Deno.stderr.isTerminal()
    ? new Progress(summary, source ? undefined : plan.shardCount)
    : undefined;
  let sourceError: string | undefined;
  try {
    for await (const record of records) {
      summary.add(record);
      await output?.writer.write(JSON.stringify(record));
      if (verbose && record.status !== 0) {
        await verbose.write(
          `${new Date().toISOString()}:${record.url} with delay ${record.delay ?? "?"}`,
        );
      }
    }
  } catch (error) {
    // The URL list broke off (a malformed line, a failed read): what started is still counted.
    if (
      !source || !(error instanceof TypeError || error instanceof Deno.errors.Interrupted ||
        error instanceof Error && error.name in Deno.errors)
    ) throw error;
    sourceError = `${plan.urls === "-" ? "standard input" : plan.urls}: ${error.message}`;
  } finally {
    progress?.close();
    await verbose?.flush();
  }

  const json = summary.toJSON(concurrency);
  if (flags.json) {
    console.log(JSON.stringify(json));
  } else {
    let text = formatSummary(json);
    if (plan.bundled && interrupt.code === 0) text += boundLine(json, plan.delays);
    console.log(text.trimEnd());
  }
  if (sourceError) {
    console.error(`error: ${sourceError}`);
    return 2;
  }
  return interrupt.code || (json.failed > 0 ? 1 : 0);
}

/** A run's flags, checked: everything the run needs to know before it opens anything. */
interface RunPlan {
  /** Whether to start the bundled delay server (no `--url`, no `--urls`). */
  bundled: boolean;
  url: string | undefined;
  urls: string | undefined;
  count: number;
  /** Requests this shard makes, when the count is known. */
  shardCount: number;
  /** The concurrency asked for, no more than the requests to make. */
  concurrency: number;
  workers: number;
  shard: Shard | undefined;
  delays: { maxDelay: number; seed: number };
  request: Omit<RunOptions, "concurrency" | "signal" | "client" | "headers"> & {
    headers?: Record<string, string>;
  };
}

/** Checks every flag of a run, reading files named as far as needed; throws {@linkcode UsageError}. */
async function planRun(
  flags: ReturnType<typeof parse<{ options: typeof RUN_OPTIONS }>>["values"],
): Promise<RunPlan> {
  const bundled = flags.url === undefined && flags.urls === undefined;
  if (flags.url !== undefined && flags.urls !== undefined) {
    throw new UsageError("Cannot use --url and --urls together");
  }
  if (flags.urls !== undefined && flags.count !== undefined) {
    throw new UsageError("Cannot use --count with --urls: the list sets the count");
  }
  if (flags.urls !== undefined && flags.workers !== undefined) {
    throw new UsageError("Cannot use --workers with --urls: a URL list is read on one thread");
  }
  for (const name of ["max-delay", "seed"] as const) {
    if (!bundled && flags[name] !== undefined) {
      throw new UsageError(`Cannot use --${name} with --url or --urls: it sets the bundled server`);
    }
  }
  const count = integer("count", flags.count ?? "10000", 1);
  const concurrency = integer("concurrency", flags.concurrency ?? "1000", 1, MAX_CONCURRENCY);
  const workers = integer("workers", flags.workers ?? String(DEFAULT_WORKERS), 1, MAX_WORKERS);
  const maxDelay = seconds("max-delay", flags["max-delay"] ?? "3", 0, MAX_DELAY_SECONDS);
  const seed = integer("seed", flags.seed ?? "1", 0);
  const timeout = seconds("timeout", flags.timeout ?? "30", Number.MIN_VALUE, MAX_TIMEOUT) * 1000;
  const retries = integer("retries", flags.retries ?? "0", 0, MAX_RETRIES);
  const shard = flags.shard === undefined
    ? undefined
    : asUsageError(() => parseShard(flags.shard!));
  const method = (flags.method ?? "GET").toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`Cannot use method '${flags.method}'`);
  const request: RunPlan["request"] = { timeout, retries, method };
  const headers = parseHeaders(flags.header ?? []);
  if (Object.keys(headers).length > 0) request.headers = headers;
  if (flags.body !== undefined && flags["body-file"] !== undefined) {
    throw new UsageError("Cannot use --body and --body-file together");
  }
  if (flags.body !== undefined) request.body = flags.body;
  if (flags["body-file"] !== undefined) request.body = await readBody(flags["body-file"]);
  asUsageError(() => new Request("http://127.0.0.1/", request));
  if (flags.url !== undefined) asUsageError(() => requestsFromTemplate(flags.url!, 0));
  if (flags.urls !== undefined && flags.urls !== "-") await checkUrlList(flags.urls);
  if (flags.output !== undefined) requirePermission("write", flags.output);
  const shardCount = shard ? Math.ceil(Math.max(0, count - shard.index) / shard.total) : count;
  return {
    bundled,
    url: flags.url,
    urls: flags.urls,
    count,
    shardCount,
    concurrency: flags.urls === undefined
      ? Math.max(1, Math.min(concurrency, shardCount))
      : concurrency,
    workers,
    shard,
    delays: { maxDelay, seed },
    request,
  };
}

/**
 * The planned concurrency, lowered to fit under the open-file limit. fetch's
 * pool opens a new connection when a request starts before the one just freed
 * is back in the pool, and keeps up to `concurrency` idle: count 2 client
 * sockets per request, and the bundled server's ends of them too.
 */
function fitUnderFileLimit(plan: RunPlan, notice: (text: string) => void): number {
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
  return concurrency;
}

async function report(args: string[]): Promise<number> {
  const { values: flags, positionals: files } = parse({
    args,
    options: { json: { type: "boolean" }, help: { type: "boolean" } },
    allowPositionals: true,
  });
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  if (files.length === 0) throw new UsageError("Cannot report: name one or more NDJSON files");
  for (const file of files) if (file !== "-") requirePermission("read", file);
  const summary = new Summary();
  for (const file of files) {
    const stream = file === "-" ? Deno.stdin.readable : (await openForReading(file)).readable;
    try {
      for await (const record of readRecords(stream, file)) summary.add(record);
    } catch (error) {
      // Not a record, or the file could not be read to its end.
      throw new UsageError((error as Error).message);
    }
  }
  const json = summary.toJSON();
  console.log(flags.json ? JSON.stringify(json) : formatSummary(json).trimEnd());
  return json.failed > 0 ? 1 : 0;
}

/**
 * Starts the bundled delay server in a worker, off the client's thread. A
 * worker's module needs read permission; without it the server runs on the
 * client's thread instead, which is slower but needs only `--allow-net`.
 */
async function startBundledServer(
  options: { maxDelay: number; seed: number },
  notice: (text: string) => void,
): Promise<{ url: string } & AsyncDisposable> {
  if (canStartWorker("server_worker.ts", "the bundled server", notice)) {
    return await spawnDelayServer(options);
  }
  return serveDelay(options);
}

/** Whether a worker can load this module of ours: a local module needs read permission. */
function canStartWorker(name: string, what: string, notice: (text: string) => void): boolean {
  const module = new URL(name, import.meta.url);
  const readable = module.protocol !== "file:" ||
    Deno.permissions.querySync({ name: "read", path: module }).state === "granted";
  if (!readable) {
    notice(
      `note: ${what} runs on the main thread: a worker needs --allow-read (or -A) to load ${name}`,
    );
  }
  return readable;
}

/** How close the run came to the greedy list-scheduling bound of the bundled server's delays. */
function boundLine(json: SummaryJson, delays: { maxDelay: number; seed: number }): string {
  const next = createDelaySequence(delays);
  const bound = greedyMakespan(
    {
      *[Symbol.iterator]() {
        for (let i = 0; i < json.count; i++) yield next();
      },
    },
    json.concurrency!,
  );
  if (bound === 0) return "";
  const ratio = (json.seconds / bound).toFixed(3);
  return `${"bound".padEnd(12)}${
    bound.toFixed(2)
  } s by greedy list scheduling; this run took ${ratio}x\n`;
}

/**
 * Ctrl-C and SIGTERM: the first stops dispatching and gives requests in
 * flight a grace period before aborting them; a second saves what it can
 * (`onForceExit`) and exits at once.
 */
class Interrupt implements Disposable {
  readonly stop: AbortSignal;
  readonly abort: AbortSignal;
  code = 0;
  #stop = new AbortController();
  #abort = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #listeners: [Deno.Signal, () => void][] = [];
  #onForceExit: () => void;

  constructor(onForceExit: () => void) {
    this.#onForceExit = onForceExit;
    this.stop = this.#stop.signal;
    this.abort = this.#abort.signal;
    const signals: [Deno.Signal, number][] = [["SIGINT", 130], ["SIGTERM", 143]];
    for (const [signal, code] of signals) {
      if (Deno.build.os === "windows" && signal === "SIGTERM") continue;
      const listener = () => this.#interrupt(code);
      Deno.addSignalListener(signal, listener);
      this.#listeners.push([signal, listener]);
    }
  }

  #interrupt(code: number): void {
    if (this.code !== 0) {
      this.#onForceExit();
      Deno.exit(this.code);
    }
    this.code = code;
    console.error(`\ninterrupted: finishing requests in flight (${GRACE_SECONDS} s grace)`);
    this.#stop.abort();
    this.#timer = setTimeout(() => this.#abort.abort(), GRACE_SECONDS * 1000);
  }

  [Symbol.dispose](): void {
    clearTimeout(this.#timer);
    for (const [signal, listener] of this.#listeners) Deno.removeSignalListener(signal, listener);
  }
}

/** A one-line progress display on a terminal's stderr. */
class Progress {
  #summary: Summary;
  #total: number | undefined;
  #started = performance.now();
  #timer: ReturnType<typeof setInterval>;
  #encoder = new TextEncoder();

  constructor(summary: Summary, total: number | undefined) {
    this.#summary = summary;
    this.#total = total;
    this.#timer = setInterval(() => this.#draw(), PROGRESS_INTERVAL_MS);
  }

  #draw(): void {
    const { count, ok, failed } = this.#summary;
    const elapsed = (performance.now() - this.#started) / 1000;
    const of = this.#total === undefined ? "" : `/${this.#total}`;
    const line = `\r\x1b[K${count}${of} done, ${ok} ok, ${failed} failed, ` +
      `${Math.round(count / elapsed)} requests/s, ${elapsed.toFixed(1)} s`;
    Deno.stderr.writeSync(this.#encoder.encode(line));
  }

  close(): void {
    clearInterval(this.#timer);
    Deno.stderr.writeSync(this.#encoder.encode("\r\x1b[K"));
  }
}

/** Opens the NDJSON output; disposing of it flushes and closes it. */
async function openOutput(path: string) {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { write: true, create: true, truncate: true });
  } catch (error) {
    throw new UsageError(`Cannot write '${path}': ${(error as Error).message.split(":")[0]}`);
  }
  const writer = new LineWriter(file);
  return {
    writer,
    async [Symbol.asyncDispose]() {
      try {
        await writer.flush();
      } finally {
        file.close();
      }
    },
  };
}

/** The requests of a URL list, from a file or standard input (`-`), as a stream. */
async function urlList(
  path: string,
  shard: Shard | undefined,
): Promise<AsyncIterable<RequestSpec>> {
  const stream = path === "-" ? Deno.stdin.readable : (await openForReading(path)).readable;
  return requestsFromLines(stream, shard);
}

/**
 * Reads a URL list file once, as a stream, so a bad line stops the run before
 * any request. A pipe or a device cannot be read twice: like standard input,
 * it is checked as it is read.
 */
async function checkUrlList(path: string): Promise<void> {
  const file = await openForReading(path);
  if (!(await file.stat()).isFile) return file.close();
  try {
    for await (const _ of requestsFromLines(file.readable)) { /* each line is checked */ }
  } catch (error) {
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
}

/** The whole of a `--body-file`. */
async function readBody(path: string): Promise<Uint8Array<ArrayBuffer>> {
  const file = await openForReading(path);
  try {
    return new Uint8Array(await new Response(file.readable).arrayBuffer());
  } catch (error) {
    throw new UsageError(`Cannot read '${path}': ${(error as Error).message}`);
  }
}

/** Opens a file to read, refusing with a usage error what cannot be read as a stream of bytes. */
async function openForReading(path: string): Promise<Deno.FsFile> {
  requirePermission("read", path);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new UsageError(`Cannot read '${path}' as it does not exist`);
    }
    throw new UsageError(`Cannot read '${path}': ${(error as Error).message}`);
  }
  if ((await file.stat()).isDirectory) {
    file.close();
    throw new UsageError(`Cannot read '${path}' as it is a directory`);
  }
  return file;
}

/** Refuses, rather than prompts, when a permission is missing. */
function requirePermission(name: "read" | "write", path: string): void {
  if (Deno.permissions.querySync({ name, path }).state !== "granted") {
    throw new UsageError(
      `Cannot ${name} '${path}' as ${name} permission is missing: run with --allow-${name}=${path} or -A`,
    );
  }
}

/** `--header 'Name: value'` flags as header pairs: a token for a name, no control characters. */
function parseHeaders(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (
      colon < 1 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) ||
      CONTROL_CHARACTER.test(value)
    ) {
      throw new UsageError(`Cannot use header ${JSON.stringify(line)}: it must be 'Name: value'`);
    }
    headers[name] = value;
  }
  return headers;
}

/** `parseArgs` (strict unless told otherwise), its complaints turned into usage errors. */
function parse<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const [first = "", ...rest] = (error as Error).message.split("\n");
    // A value starting with a dash, such as `--count -1`, reads as a missing value.
    const hint = rest.find((line) => line.includes("=-XYZ"));
    throw new UsageError(
      `${first.replace(/\.$/, "")}; ${
        hint ? hint.replace(/\.$/, "").replace("To", "to") : "see --help"
      }`,
    );
  }
}

function integer(name: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(
      `Cannot use --${name} '${text}': it must be an integer of at least ${min}`,
    );
  }
  if (value > max) throw new UsageError(`Cannot use --${name} ${value}: the most is ${max}`);
  return value;
}

function seconds(name: string, text: string, min: number, max = Infinity): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < min) {
    const what = min > 0 ? "a positive number" : "a number of at least 0";
    throw new UsageError(`Cannot use --${name} '${text}': it must be ${what} of seconds`);
  }
  if (value > max) throw new UsageError(`Cannot use --${name} ${value}: the most is ${max}`);
  return value;
}

/** Runs a check, turning the TypeError or RangeError it throws into a usage error. */
function asUsageError<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
