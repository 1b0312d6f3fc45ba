/**
 * The pace flags: `--rate`, `--duration`, `--ramp` and `--per-host`, checked
 * into the runner's options.
 *
 * @module
 */

import { UsageError } from "./args.ts";

export const PACE_OPTIONS = {
  rate: { type: "string" },
  duration: { type: "string" },
  ramp: { type: "string" },
  "per-host": { type: "string" },
} as const;

/** The pace of a run, in the runner's units (requests per second, milliseconds). */
export interface PacePlan {
  rate?: number;
  duration?: number;
  ramp?: number;
  perHost?: number;
}

/** The highest rate accepted, per second. */
export const MAX_RATE = 1_000_000;
/** The longest duration or ramp accepted: 30 days, in milliseconds. */
export const MAX_DURATION_MS = 30 * 86_400_000;
/** The largest --per-host accepted (as --concurrency). */
const MAX_PER_HOST = 100_000;

/** Checks the pace flags; throws {@linkcode UsageError}. */
export function planPace(flags: Partial<Record<keyof typeof PACE_OPTIONS, string>>): PacePlan {
  const plan: PacePlan = {};
  if (flags.rate !== undefined) plan.rate = parseRate(flags.rate);
  if (flags.duration !== undefined) plan.duration = parseDuration("duration", flags.duration);
  if (flags.ramp !== undefined) plan.ramp = parseDuration("ramp", flags.ramp);
  if (plan.ramp !== undefined && plan.duration !== undefined && plan.ramp > plan.duration) {
    throw new UsageError(
      `Cannot use --ramp ${flags.ramp}: it is longer than --duration ${flags.duration}`,
    );
  }
  const perHost = flags["per-host"];
  if (perHost !== undefined) {
    const value = Number(perHost);
    if (!/^\d+$/.test(perHost) || value < 1 || value > MAX_PER_HOST) {
      throw new UsageError(
        `Cannot use --per-host '${perHost}': it must be an integer from 1 to ${MAX_PER_HOST}`,
      );
    }
    plan.perHost = value;
  }
  return plan;
}

/**
 * A rate: `R`, `R/s` or `R/m`, R a positive number.
 *
 * @returns Requests per second.
 */
export function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?|\.\d+)(?:\/(s|m))?$/.exec(text.trim());
  const value = match ? Number(match[1]) / (match[2] === "m" ? 60 : 1) : NaN;
  if (!(value > 0) || value > MAX_RATE) {
    throw new UsageError(
      `Cannot use --rate '${text}': it must be a positive number of requests per second ` +
        `(R or R/s) or per minute (R/m), at most ${MAX_RATE}/s`,
    );
  }
  return value;
}

/**
 * A duration: plain seconds, or a number followed by `ms`, `s`, `m` or `h`.
 *
 * @returns Milliseconds.
 */
export function parseDuration(name: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)?$/.exec(text.trim());
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match?.[2] ?? "s"]!;
  const value = match ? Number(match[1]) * unit : NaN;
  if (!(value > 0) || value > MAX_DURATION_MS) {
    throw new UsageError(
      `Cannot use --${name} '${text}': it must be a positive time such as 30s, 5m, 1h or 90 ` +
        `(seconds), at most 30 days`,
    );
  }
  return value;
}
