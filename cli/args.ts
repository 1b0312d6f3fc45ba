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
    // A value starting with a dash, such as `--count -1`, reads as a missing value.
    const hint = rest.find((line) => line.includes("=-XYZ"));
    throw new UsageError(
      `${first.replace(/\.$/, "")}; ${
        hint ? hint.replace(/\.$/, "").replace("To", "to") : "see --help"
      }`,
    );
  }
}

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
