/**
 * Processes for the benchmarks: run a command to completion (pinned to a CPU with `taskset`,
 * its peak RSS read with `/usr/bin/time`, its RSS and open descriptors sampled from /proc while
 * it runs), start a server in its own process group and kill the whole group when done, find a
 * free port, install a missing Debian package.
 *
 * @module
 */

import { type ProcessSample, readProcess } from "./soak.ts";

/** Options for {@linkcode run}. */
export interface RunCommandOptions {
  /** Pins the command to this CPU with `taskset -c`. */
  cpu?: number;
  /**
   * Reads the command's peak RSS and CPU time (user + system, all its threads and waited-for
   * children) with `/usr/bin/time`.
   */
  rss?: boolean;
  /**
   * Samples the command's RSS and open descriptors from /proc every this many milliseconds
   * (Linux only): the command's own process, past `taskset` and `/usr/bin/time`.
   */
  sampleMs?: number;
}

/** What a command run by {@linkcode run} did. */
export interface RunResult {
  /** The exit code. */
  code: number;
  /** Standard output, decoded. */
  stdout: string;
  /** Standard error, decoded. */
  stderr: string;
  /** Wall time from spawn to exit, in seconds. */
  seconds: number;
  /** Peak resident set size in kilobytes, when asked for and readable. */
  rssKb?: number;
  /** User plus system CPU time in seconds, when asked for with `rss` and readable. */
  cpuSeconds?: number;
  /** The /proc samples, when asked for: none where /proc cannot be read. */
  samples?: ProcessSample[];
}

/** A background process started by {@linkcode start}. */
export interface Background extends AsyncDisposable {
  /** The process. */
  readonly child: Deno.ChildProcess;
  /** Kills the process's group with SIGTERM (SIGKILL after a second) and waits for it to exit. */
  stop(): Promise<void>;
}

/** The process groups alive now, killed when the bench is interrupted. */
const live = new Set<number>();
const decoder = new TextDecoder();

/**
 * Kills the process groups still alive and exits, on SIGINT or SIGTERM.
 *
 * @returns Nothing.
 */
export function killChildrenOnSignal(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      for (const pid of live) killGroup(pid, "SIGKILL");
      Deno.exit(130);
    });
  }
}

/**
 * Runs a command to completion in its own process group, collecting its output.
 *
 * @param command The program and its arguments.
 * @param options The CPU to pin it to, whether to read its peak RSS, how often to sample /proc.
 * @returns What the command did.
 */
export async function run(command: string[], options: RunCommandOptions = {}): Promise<RunResult> {
  const { cpu, rss = false, sampleMs } = options;
  const timeFile = rss ? await Deno.makeTempFile({ prefix: "bench-rss-" }) : undefined;
  const argv = [
    ...(cpu === undefined ? [] : ["taskset", "-c", String(cpu)]),
    ...(timeFile === undefined ? [] : ["/usr/bin/time", "-f", "%M %U %S", "-o", timeFile]),
    ...command,
  ];
  const started = performance.now();
  const child = new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  live.add(child.pid);
  const samples: ProcessSample[] = [];
  const sampler = sampleMs === undefined ? undefined : setInterval(() => {
    // `taskset` execs the command; `/usr/bin/time` forks it: sample the innermost process.
    const pid = innermostProcess(child.pid);
    if (timeFile !== undefined && pid === child.pid) return; // not forked yet, or gone
    const reading = readProcess(pid);
    if (reading) samples.push({ ms: performance.now() - started, ...reading });
  }, sampleMs);
  try {
    const output = await child.output();
    const result: RunResult = {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
      seconds: (performance.now() - started) / 1000,
    };
    if (timeFile !== undefined) {
      // The last line; a command killed by a signal has a line about that before it.
      const line = (await Deno.readTextFile(timeFile)).trim().split("\n").at(-1) ?? "";
      const [kb, user, system] = line.split(" ").map(Number);
      if (Number.isFinite(kb) && kb! > 0) result.rssKb = kb!;
      const cpu = user! + system!;
      if (Number.isFinite(cpu)) result.cpuSeconds = cpu;
    }
    if (sampleMs !== undefined) result.samples = samples;
    return result;
  } finally {
    clearInterval(sampler);
    live.delete(child.pid);
    if (timeFile !== undefined) await Deno.remove(timeFile).catch(() => {});
  }
}

/** The process's first child, its first child, and so on: the last one found. */
function innermostProcess(pid: number): number {
  for (let depth = 0; depth < 8; depth++) {
    let children: string;
    try {
      children = Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`);
    } catch {
      return pid;
    }
    const child = Number(children.trim().split(" ")[0]);
    if (!Number.isInteger(child) || child <= 0) return pid;
    pid = child;
  }
  return pid;
}

/**
 * Starts a long-running command in its own process group; standard error is passed through.
 *
 * @param command The program and its arguments.
 * @param options The CPU to pin it to; whether to pipe standard output (default: discard it).
 * @returns The process, to stop (or dispose of) when done.
 */
export function start(
  command: string[],
  options: { cpu?: number; stdout?: "piped" | "null" } = {},
): Background {
  const { cpu, stdout = "null" } = options;
  const argv = [...(cpu === undefined ? [] : ["taskset", "-c", String(cpu)]), ...command];
  const child = new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    stdin: "null",
    stdout,
    stderr: "inherit",
    detached: true,
  }).spawn();
  live.add(child.pid);
  let stopped: Promise<void> | undefined;
  async function stop(): Promise<void> {
    killGroup(child.pid, "SIGTERM");
    const timer = setTimeout(() => killGroup(child.pid, "SIGKILL"), 1000);
    try {
      await child.status;
    } finally {
      clearTimeout(timer);
      killGroup(child.pid, "SIGKILL"); // whatever of the group outlived its leader
      live.delete(child.pid);
    }
  }
  return {
    child,
    stop: () => stopped ??= stop(),
    [Symbol.asyncDispose]: () => stopped ??= stop(),
  };
}

/**
 * Finds a free TCP port on 127.0.0.1 by binding port 0 and closing it again.
 *
 * @returns The port.
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Waits until something accepts TCP connections on 127.0.0.1:`port`.
 *
 * @param port The port.
 * @param child Fails early when this process exits first.
 * @param timeoutMs How long to wait, in milliseconds.
 * @throws {Error} When the process exits or the time runs out first.
 */
export async function waitForPort(
  port: number,
  child: Deno.ChildProcess,
  timeoutMs = 10_000,
): Promise<void> {
  let exited = false;
  child.status.then(() => exited = true, () => exited = true);
  const until = performance.now() + timeoutMs;
  while (performance.now() < until && !exited) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`Cannot reach port ${port}: the server ${exited ? "exited" : "did not listen"}`);
}

/**
 * Makes sure a command exists, installing its Debian package with `apt-get install -y` when
 * it is missing (and `apt-get update` first when that fails).
 *
 * @param command The command's name or absolute path.
 * @param pkg The Debian package that provides it.
 * @returns `undefined` when the command is there, or why it is not.
 */
export function ensureCommand(command: string, pkg: string): Promise<string | undefined> {
  return ensurePackage(["sh", "-c", 'command -v "$1"', "sh", command], pkg, command);
}

/**
 * Makes sure a probe command succeeds, installing a Debian package with `apt-get install -y`
 * when it does not (and `apt-get update` first when that fails).
 *
 * @param probe A command that exits 0 when what is needed is there.
 * @param pkg The Debian package that provides it.
 * @param what What is needed, for the messages.
 * @returns `undefined` when the probe succeeds, or why it does not.
 */
export async function ensurePackage(
  probe: string[],
  pkg: string,
  what: string,
): Promise<string | undefined> {
  const works = async () => (await run(probe).catch(() => undefined))?.code === 0;
  if (await works()) return undefined;
  console.error(`bench: ${what} is missing; installing ${pkg} with apt-get`);
  const install = ["apt-get", "install", "-y", "--no-install-recommends", pkg];
  let result = await run(install).catch((error) => ({ code: -1, stderr: String(error) }));
  if (result.code !== 0) {
    await run(["apt-get", "update"]).catch(() => {});
    result = await run(install).catch((error) => ({ code: -1, stderr: String(error) }));
  }
  if (result.code === 0 && await works()) return undefined;
  const why = result.stderr.trim().split("\n").at(-1) ?? "";
  return `${what} is missing and 'apt-get install -y ${pkg}' failed: ${why}`;
}

function killGroup(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}
