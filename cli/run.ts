/**
 * A run: the plan carried out, records to the sinks, and the summary.
 *
 * @module
 */

import { greedyMakespan } from "../report/greedy_bound.ts";
import { Journal } from "../output/journal.ts";
import { type RequestRecord, type RunOptions, runRequests } from "../runner/run.ts";
import { bodySaver, finishSaved, savedPath, tidySaved } from "../runner/save.ts";
import { createDelaySequence, serveDelay, spawnDelayServer } from "../server.ts";
import { templateSource, withoutIndices } from "../sources/requests.ts";
import { Summary, type SummaryJson } from "../report/summary.ts";
import { runTemplateInWorkers } from "../runner/workers.ts";
import { parse, UsageError } from "./args.ts";
import { targetList, urlList } from "./files.ts";
import { openOutput } from "./output.ts";
import { Interrupt } from "./interrupt.ts";
import { protocolOf } from "./transport.ts";
import { conclude, planOutcome, writeHtml } from "./outcome.ts";
import { type ClientLoad, countDropped, droppedWarning, processCpuMs, SlotUse } from "./dropped.ts";
import { fitUnderFileLimit, planRun, RUN_OPTIONS } from "./plan.ts";
import { Progress } from "./progress.ts";
import { RateSchedule } from "../pace/rate_schedule.ts";
import { USAGE } from "./usage.ts";

/** Runs the requests the arguments ask for, printing to `console`; returns the exit code. */
export async function run(
  args: string[],
  console: Pick<Console, "log" | "error"> = globalThis.console,
): Promise<number> {
  const { values: flags, positionals } = parse({
    args,
    options: RUN_OPTIONS,
    allowPositionals: true,
  });
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  // A URL on its own, as hey and oha take it, is --url.
  if (positionals.length > 0) {
    if (positionals.length > 1 || flags.url !== undefined) {
      const extra = flags.url === undefined ? positionals[1] : positionals[0];
      throw new UsageError(`Cannot use '${extra}': give one URL, on its own or with --url`);
    }
    flags.url = positionals[0]!;
  }
  const plan = await planRun(flags);
  const outcome = planOutcome(flags);
  const notice = flags.quiet ? () => {} : (text: string) => console.error(text);
  const { concurrency, idlePerOrigin } = fitUnderFileLimit(plan, notice);
  if (
    plan.url !== undefined && !plan.url.includes("{}") && flags.count === undefined && plan.counted
  ) {
    notice(
      `note: the URL has no {}: the same URL is requested ${plan.count} times (the default ` +
        `--count); set --count N, or put {} where the index goes`,
    );
  }

  await using output = flags.output === undefined
    ? undefined
    : await openOutput(flags.output, plan.identity, {
      resume: flags.resume ?? false,
      overwrite: flags.overwrite ?? false,
    });
  const finished = output?.finished.size ? output.finished : undefined;
  if (finished) {
    notice(`note: resuming ${output!.name}: ${finished.size} requests finished ok are skipped`);
  }
  await using server = plan.bundled ? await startBundledServer(plan.delays, notice) : undefined;
  const listPath = plan.urls ?? plan.targets;
  const list = plan.urls !== undefined
    ? await urlList(plan.urls, plan.shard)
    : plan.targets !== undefined
    ? await targetList(plan.targets, plan.shard, plan.request.method, plan.engine)
    : undefined;
  const source = list && finished ? withoutIndices(list, finished) : list;
  using interrupt = new Interrupt(() => output?.journal.flushSync());
  /** When dispatching was stopped early (Ctrl-C, a failed write): the schedule's end. */
  let stoppedAt: number | undefined;
  interrupt.stop.addEventListener("abort", () => stoppedAt = Date.now(), { once: true });
  const { clientOptions, save } = plan.transport;
  // One schedule, read by the live view while the run (its workers, or this thread) draws from it.
  const { rate, ramp } = plan.request;
  const schedule = rate === undefined
    ? undefined
    : new RateSchedule(rate, ramp === undefined ? {} : { ramp });
  let inFlight = 0;
  const options = {
    ...plan.request,
    ...(schedule ? { rate: schedule } : {}),
    // Only the live view reads it.
    ...(flags.quiet ? {} : { onInFlight: (now: number) => void (inFlight = now) }),
    // Every origin's idle pool must fit under the file limit (--no-keepalive keeps none); the
    // runner keeps no more than its concurrency and --per-host need.
    clientOptions: {
      ...clientOptions,
      poolMaxIdlePerHost: Math.min(clientOptions.poolMaxIdlePerHost ?? Infinity, idlePerOrigin),
    },
    concurrency,
    signal: interrupt.abort,
    stop: interrupt.stop,
  } satisfies RunOptions;
  const { duration } = plan.request;
  // Dispatching stops at the duration; requests still in flight get the grace (--grace, or the
  // timeout), and only those it cuts are aborted, their detail saying the tool stopped them.
  if (duration !== undefined) {
    const grace = plan.grace >= 1000 ? `${plan.grace / 1000} s` : `${plan.grace} ms`;
    interrupt.abortAfter(duration + plan.grace, `the ${grace} grace after --duration ran out`);
  } else if (plan.request.rate !== undefined && !plan.counted && !list) {
    notice("note: --rate without --count or --duration runs until Ctrl-C");
  }
  const template = plan.url ?? `${server?.url}{}`;
  const { workers, shard } = plan;
  let sourceError: string | undefined;
  let writeError: string | undefined;
  let closed = false;
  /** A write failed: stop dispatching; a closed pipe ends the run quietly, anything else is exit 3. */
  function writeFailed(error: unknown, name?: string): void {
    const message = (error as Error).message;
    if (error instanceof Deno.errors.BrokenPipe) closed = true;
    else writeError ??= name === undefined ? message : `Cannot write ${name}: ${message}`;
    interrupt.halt();
  }
  // With an output, a body gets its final name only once its record is written: a saved body
  // always has its record, and a body without one (a `.part`) is made again by a resume.
  const keepPart = save !== undefined && output !== undefined;
  if (keepPart && flags.resume) {
    const tidied = await tidySaved(
      save.dir,
      (index) =>
        shard && index % shard.total !== shard.index
          ? undefined
          : output.finished.has(index)
          ? { ok: true, file: savedPath(save.dir, index) }
          : { ok: false },
    );
    if (tidied.finished + tidied.removed > 0) {
      notice(
        `note: resuming '${save.dir}': ${tidied.finished} whole bodies given their names, ` +
          `${tidied.removed} files of requests to make again removed`,
      );
    }
  }
  // A body that cannot be saved is output that cannot be written: stop, as for the output file.
  const saving = save && { ...save, keepPart, onError: (error: Error) => writeFailed(error) };
  const sink = saving ? { sink: bodySaver(saving) } : {};
  const records = source
    ? runRequests(source, { ...options, ...sink })
    : workers > 1 && canStartWorker("runner/_worker.ts", "the client", notice)
    ? runTemplateInWorkers(template, plan.count, {
      ...options,
      workers,
      ...(shard ? { shard } : {}),
      ...(finished ? { skip: finished } : {}),
      ...(saving ? { save: saving } : {}),
    })
    : runRequests(templateSource(template, plan.count, { shard, skip: finished }), {
      ...options,
      ...sink,
    });

  // With the records on stdout (`--output -`), the summary and the lines of --verbose go to stderr.
  const toStdout = flags.output === "-";
  const print = toStdout ? console.error : console.log;
  const summary = new Summary();
  // The most requests this run can make: its count, less those a resume skips.
  const counted = source ? plan.listCount : plan.counted ? plan.shardCount : undefined;
  const cap = counted === undefined ? undefined : counted - (finished?.size ?? 0);
  // While the schedule ran: from its start to the end of --duration, its last request, or a stop.
  const scheduleWindow = (): [number, number] | undefined => {
    const start = schedule?.start;
    if (start === undefined) return undefined;
    const last = cap === undefined ? Infinity : start + schedule!.dueAt(cap);
    return [
      start,
      Math.min(start + (plan.request.duration ?? Infinity), last, stoppedAt ?? Infinity),
    ];
  };
  const slots = new SlotUse(scheduleWindow);
  await using verbose = flags.verbose
    ? new Journal(flags.json || toStdout ? Deno.stderr : Deno.stdout)
    : undefined;
  // On a terminal a live line; in a log, a plain line every 10 s.
  const progress = flags.quiet ? undefined : new Progress({
    terminal: Deno.stderr.isTerminal(),
    total: source
      ? plan.listCount
      : plan.counted
      ? plan.shardCount - (finished?.size ?? 0)
      : undefined,
    durationMs: plan.request.duration,
    schedule,
    inFlight: () => inFlight,
  });
  const cpuAtStart = processCpuMs();
  const wallAtStart = performance.now();
  try {
    for await (const record of records) {
      summary.add(record);
      slots.add(record);
      progress?.add(record);
      outcome.timeline?.add(record);
      if (output && !output.journal.error) {
        await output.write(record).catch((e) => writeFailed(e, output.name));
        // Written through with --save: the body's name follows its record.
        if (keepPart) await output.journal.flush().catch((e) => writeFailed(e, output.name));
      }
      if (keepPart && record.file !== undefined) {
        if (output!.journal.error) await Deno.remove(`${record.file}.part`).catch(() => {});
        else await finishSaved(record.file).catch((error) => writeFailed(error));
      }
      if (verbose && !closed) {
        await verbose.write(verboseLine(record))
          .catch((error) => writeFailed(error, "standard output"));
      }
    }
  } catch (error) {
    // The URL list broke off (a malformed line, a failed read): what started is still counted.
    if (
      !source || !(error instanceof TypeError || error instanceof Deno.errors.Interrupted ||
        error instanceof Error && error.name in Deno.errors)
    ) throw error;
    sourceError = `${listPath === "-" ? "standard input" : listPath}: ${error.message}`;
  } finally {
    progress?.close();
    if (!closed) await verbose?.flush().catch((error) => writeFailed(error, "standard output"));
    if (output && !output.journal.error) {
      await output.journal.flush().catch((error) => writeFailed(error, output.name));
    }
  }

  // A list read from a pipe has no count ahead: it may have ended before the schedule, so
  // what was not sent cannot be told from what was dropped.
  if (rate !== undefined && !(source && plan.listCount === undefined)) {
    const dropped = countDropped(
      { rate, ramp: plan.request.ramp, duration: plan.request.duration, cap },
      summary.count,
      summary.firstDue,
      stoppedAt,
    );
    summary.addDropped(dropped);
    // Tickets are taken in order: the dropped ones are those after the last sent.
    const start = schedule!.start;
    for (let k = summary.count; start !== undefined && k < summary.count + dropped; k++) {
      outcome.timeline?.addDropped(start + schedule!.dueAt(k));
    }
  }
  const json = summary.toJSON(concurrency);
  json.protocol = protocolOf(flags, plan.url, plan.bundled);
  if (rate !== undefined) {
    // A warning, unlike a notice, stays with --quiet: it says why the run did not do its job.
    const cpuMs = processCpuMs();
    const load: ClientLoad | undefined = cpuMs === undefined || cpuAtStart === undefined
      ? undefined
      : {
        cores: (cpuMs - cpuAtStart) / (performance.now() - wallAtStart),
        usable: Math.min(source ? 1 : workers, navigator.hardwareConcurrency),
      };
    const warning = droppedWarning(json, rate, slots, load);
    if (warning) console.error(warning);
  }
  // The greedy bound is for a run at full concurrency: not for a paced one.
  const paced = ["rate", "duration", "ramp", "perHost"].some((name) => name in plan.request);
  const extra = !flags.json && plan.bundled && !paced && interrupt.code === 0 && !writeError &&
      !closed
    ? boundLine(json, plan.delays)
    : "";
  const { text, code: verdict, summary: judged } = conclude(summary, json, outcome, {
    json: flags.json,
    extra,
  });
  try {
    print(text);
  } catch (error) {
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
  }
  writeError ??= await writeHtml(
    outcome,
    `main.ts ${args.join(" ")}`,
    judged,
    schedule && { rate: schedule.rate, endMs: scheduleWindow()?.[1] },
  );
  if (writeError) {
    const advice = keepPart && flags.output !== "-"
      ? "; every saved body has its record: continue the run with --resume once there is room"
      : "";
    console.error(`error: ${writeError}${advice}`);
    return 3;
  }
  if (sourceError) {
    console.error(`error: ${sourceError}`);
    return 2;
  }
  return interrupt.code || verdict;
}

/**
 * One `--verbose` line: `{date}:{url} {status}`, then `with delay {delay}`
 * when the server sent a DELAY header, the milliseconds, and the error kind
 * and detail of a failure.
 */
export function verboseLine(record: RequestRecord): string {
  const delay = record.delay === undefined ? "" : ` with delay ${record.delay}`;
  const failure = record.error === undefined ? "" : ` ${record.error}: ${record.detail}`;
  return `${new Date().toISOString()}:${record.url} ${record.status}${delay} ` +
    `(${Math.round(record.ms)} ms)${failure}`;
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
  if (canStartWorker("server/worker.ts", "the bundled server", notice)) {
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
