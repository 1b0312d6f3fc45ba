/**
 * `main.ts` for the CLI tests: as a subprocess (the command, and a run that
 * collects its output and fails the test if it hangs), or in-process through
 * `main(args)` where the process is not the subject.
 *
 * @module
 */

import assert from "node:assert/strict";
import { main } from "../main.ts";

/** The project's root, where `main.ts` runs from. */
export const ROOT = new URL("..", import.meta.url);
const decoder = new TextDecoder();

/** How long one CLI run may take before the test kills it and fails. */
export const RUN_TIMEOUT_MS = 30_000;

export interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Text for standard input; without it, standard input is null. */
  stdin?: string;
  /** Deno's permission flags, instead of `-A`. */
  permissions?: string[];
  /** Run under this soft open-file limit, through `bash -c 'ulimit -n ...'`. */
  fileLimit?: number;
  /** Kill the run after this many milliseconds. */
  timeout?: number;
  /**
   * The runner threads of a `--count` run, when `args` do not say: one, which costs the least,
   * unless the test is about workers.
   *
   * @default {1}
   */
  workers?: number;
}

/** `args`, led by `--workers` for a run from a template when they do not say. */
function withWorkers(args: string[], workers: number): string[] {
  const fromTemplate = args[0] !== "report" &&
    !args.some((arg) => /^--(workers|urls|targets|help)(=|$)/.test(arg));
  return fromTemplate ? ["--workers", String(workers), ...args] : args;
}

/** The command that runs `main.ts` with `args`. */
export function command(args: string[], options: CliOptions & { signal?: AbortSignal } = {}) {
  const { stdin, permissions = ["-A"], fileLimit, signal, workers = 1 } = options;
  const deno = ["run", ...permissions, "main.ts", ...withWorkers(args, workers)];
  const init: Deno.CommandOptions = {
    args: deno,
    cwd: ROOT,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  };
  if (signal) init.signal = signal;
  if (fileLimit === undefined) return new Deno.Command(Deno.execPath(), init);
  init.args = ["-c", `ulimit -n ${fileLimit} && exec "$@"`, "bash", Deno.execPath(), ...deno];
  return new Deno.Command("bash", init);
}

/** Runs `main.ts` with `args` as a subprocess and collects its output; kills it if it hangs. */
export async function cli(args: string[], options: CliOptions = {}): Promise<Output> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeout ?? RUN_TIMEOUT_MS);
  try {
    const child = command(args, { ...options, signal: controller.signal }).spawn();
    if (options.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(options.stdin));
      await writer.close();
    }
    const { code, stdout, stderr } = await child.output();
    assert.ok(!controller.signal.aborted, `main.ts ${args.join(" ")} did not finish in time`);
    return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `main(args)` in this process and collects what it prints, for bad usage and other runs
 * where the process itself is not the subject: no Deno to start, no worker to load.
 */
export async function inProcess(
  args: string[],
  options: Pick<CliOptions, "workers"> = {},
): Promise<Output> {
  let stdout = "";
  let stderr = "";
  const console = {
    log: (text: string) => void (stdout += `${text}\n`),
    error: (text: string) => void (stderr += `${text}\n`),
  };
  const code = await main(withWorkers(args, options.workers ?? 1), { console });
  return { code, stdout, stderr };
}

/**
 * Runs `fn` with a fresh temporary directory, removed afterwards.
 *
 * @param fn What to do in the directory.
 * @returns What `fn` returns.
 */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "cli_test_" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Checks a run ended with `code` and one `error:` line matching `message`, without a stack trace.
 *
 * @param output The run's output.
 * @param code The exit code expected.
 * @param message What the error line says.
 */
export function assertOneError(output: Output, code: number, message: RegExp): void {
  assert.equal(output.code, code, output.stderr);
  const errors = output.stderr.split("\n").filter((line) => line.startsWith("error: "));
  assert.equal(errors.length, 1, output.stderr);
  assert.match(errors[0]!, message);
  assert.ok(!output.stderr.includes("    at "), output.stderr);
}
