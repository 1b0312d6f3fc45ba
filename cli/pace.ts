/**
 * The pace flags: `--rate`, `--duration`, `--ramp` and `--per-host`, checked
 * into the runner's options.
 *
 * @module
 */

import { duration, UsageError } from "./args.ts";

export const PACE_OPTIONS = {
  rate: { type: "string", short: "q" },
  duration: { type: "string", short: "z" },
  grace: { type: "string" },
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
  if (flags.duration !== undefined) {
    plan.duration = duration("duration", flags.duration, MAX_DURATION_MS);
  }
  if (flags.ramp !== undefined) plan.ramp = duration("ramp", flags.ramp, MAX_DURATION_MS);
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
