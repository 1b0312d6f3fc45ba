/**
 * Command-line arguments: parsing with `node:util` in strict mode, number
 * checks, and the usage error that ends in one line and exit code 2.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

/** A mistake in the command line: reported in one line, exit code 2. */
export class UsageError extends Error {}

/** `parseArgs` (strict unless told otherwise), its complaints turned into usage errors. */
export function parse<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const [first = "", ...rest] = (error as Error).message.split("\n");
    const missing = /^Option '(?:-\w, )?(--[\w-]+)(?:, -\w)? <value>' argument missing/.exec(first);
    if (missing && !rest.some((line) => line.includes("=-XYZ"))) {
      throw new UsageError(`${missing[1]} needs ${VALUES[missing[1]!] ?? "a value"}; see --help`);
    }
    const unknown = /^Unknown option '[^']*'/.exec(first);
    if (unknown) throw new UsageError(`${unknown[0]}; see --help`);
    // A value starting with a dash, such as `--count -1`, reads as a missing value.
    const hint = rest.find((line) => line.includes("=-XYZ"));
    throw new UsageError(
      `${first.replace(/\.$/, "")}; ${
        hint ? hint.replace(/\.$/, "").replace("To", "to") : "see --help"
      }`,
    );
  }
}

/** What the flags that name a file or a directory take, for a flag given without it. */
const VALUES: Record<string, string> = {
  "--save": "a directory",
  "--output": "a file, or - for standard output",
  "--urls": "a file, or - for standard input",
  "--targets": "a file, or - for standard input",
  "--body-file": "a file",
  "--ca-cert": "a file",
  "--html": "a file",
  "--final": "a file, or - for standard output",
};

export function integer(
  name: string,
  text: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(
      `Cannot use --${name} '${text}': it must be an integer of at least ${min}`,
    );
  }
  if (value > max) throw new UsageError(`Cannot use --${name} ${value}: the most is ${max}`);
  return value;
}

export function seconds(name: string, text: string, min: number, max = Infinity): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < min) {
    const what = min > 0 ? "a positive number" : "a number of at least 0";
    throw new UsageError(`Cannot use --${name} '${text}': it must be ${what} of seconds`);
  }
  if (value > max) throw new UsageError(`Cannot use --${name} ${value}: the most is ${max}`);
  return value;
}

/** Milliseconds per duration unit. */
const UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/**
 * A duration, the one way every flag reads one: a number and a unit, `h`,
 * `m`, `s` or `ms`, repeated from the largest unit down (`1m30s`, `500ms`,
 * `2h`, `1.5s`), or a plain number of seconds (`90`).
 *
 * @param name The flag, for the message.
 * @param text What was given.
 * @param maxMs The longest accepted, in milliseconds.
 * @returns Milliseconds, above 0.
 * @throws {UsageError} When it is not a positive duration within `maxMs`.
 *
 * @example
 * ```ts
 * import { duration } from "./args.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(duration("duration", "1m30s"), 90_000);
 * assert.equal(duration("timeout", "500ms"), 500);
 * assert.equal(duration("ramp", "2h"), 7_200_000);
 * assert.equal(duration("grace", "2.5"), 2500);
 * assert.throws(() => duration("duration", "5x"), /--duration '5x'/);
 * ```
 */
export function duration(name: string, text: string, maxMs = Infinity): number {
  const trimmed = text.trim();
  let ms = NaN;
  if (/^(\d+(\.\d+)?|\.\d+)$/.test(trimmed)) {
    ms = Number(trimmed) * 1000;
  } else if (/^((\d+(\.\d+)?|\.\d+)(h|ms|m|s))+$/.test(trimmed)) {
    ms = 0;
    let last = Infinity;
    for (const [, number, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?|\.\d+)(h|ms|m|s)/g)) {
      const size = UNITS[unit!]!;
      // Each unit at most once, the largest first: 1m30s, not 30s1m or 1s1s.
      if (size >= last) {
        ms = NaN;
        break;
      }
      last = size;
      ms += Number(number) * size;
    }
  }
  if (!(ms > 0)) {
    throw new UsageError(
      `Cannot use --${name} '${text}': it must be a positive time such as 30s, 500ms, 1m30s ` +
        "or 2h (a plain number is seconds)",
    );
  }
  if (ms > maxMs) {
    throw new UsageError(`Cannot use --${name} '${text}': the most is ${maxMs / 1000} s`);
  }
  return ms;
}

/** Runs a check, turning the TypeError or RangeError it throws into a usage error. */
export function asUsageError<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}
