/**
 * A run: the plan carried out, records to the sinks, and the summary.
 *
 * @module
 */

import { greedyMakespan } from "../greedy_bound.ts";
import { LineWriter } from "../ndjson.ts";
import { type RunOptions, runRequests } from "../runner.ts";
import { createDelaySequence, serveDelay, spawnDelayServer } from "../server.ts";
import { requestsFromTemplate } from "../sources.ts";
import { Summary, type SummaryJson } from "../summary.ts";
import { formatSummary } from "../summary_text.ts";
import { runTemplateInWorkers } from "../workers.ts";
import { parse } from "./args.ts";
import { openOutput, urlList } from "./files.ts";
import { Interrupt } from "./interrupt.ts";
import { fitUnderFileLimit, planRun, RUN_OPTIONS } from "./plan.ts";
import { Progress } from "./progress.ts";
import { USAGE } from "./usage.ts";

/** Runs the requests the arguments ask for; returns the exit code. */
export async function run(args: string[]): Promise<number> {
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

/**
 * Starts the bundled delay server in a worker, off the client's thread. A
 * worker's module needs read permission; without it the server runs on the
 * client's thread instead, which is slower but needs only `--allow-net`.
 */
export async function startBundledServer(
  options: { maxDelay: number; seed: number },
  notice: (text: string) => void,
): Promise<{ url: string } & AsyncDisposable> {
  if (canStartWorker("server_worker.ts", "the bundled server", notice)) {
    return await spawnDelayServer(options);
  }
  return serveDelay(options);
}

/** Whether a worker can load this module of ours: a local module needs read permission. */
export function canStartWorker(
  name: string,
  what: string,
  notice: (text: string) => void,
): boolean {
  const module = new URL(`../${name}`, import.meta.url);
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
export function boundLine(json: SummaryJson, delays: { maxDelay: number; seed: number }): string {
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
