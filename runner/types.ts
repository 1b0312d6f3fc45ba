/**
 * What a run takes in and gives out: a {@linkcode RequestSpec} per request,
 * a {@linkcode RequestRecord} per outcome, and the {@linkcode BodySink} a
 * response's body may be stored through (the options are in `options.ts`).
 *
 * @module
 */

import type { ErrorKind } from "./errors.ts";

/**
 * The outcome of one request, after any retries.
 *
 * @typeParam T What the run's `read` returns.
 */
export interface RequestRecord<T = unknown> {
  /** The request's index in the source, from 0. */
  index: number;
  /** The URL requested (before any redirect). */
  url: string;
  /** The HTTP status of the last attempt's final response, or 0 when no response arrived. */
  status: number;
  /**
   * Only with the bundled delay server: its `DELAY` header, in seconds as the header says;
   * absent for any other server.
   */
  delay?: number;
  /** When the first attempt started, in milliseconds since the epoch. */
  start: number;
  /** Milliseconds from the first attempt's start to the last attempt's end. */
  ms: number;
  /**
   * Body bytes that arrived in the last attempt, also when it failed. With a
   * `read`, the runner does not see the body and this stays 0 (the CLI's
   * `--save` counts what it writes).
   */
  bytes: number;
  /** Attempts made, 1 plus the retries used. */
  attempts: number;
  /** Why the request failed; absent when it succeeded. */
  error?: ErrorKind;
  /** What happened, in one line; present when it failed. */
  detail?: string;
  /** What `read` returned for the final response. */
  value?: T;
  /** Where the CLI's `--save` wrote the body, relative to where the CLI ran. */
  file?: string;
  /** With a rate: when the schedule had the request start, in milliseconds since the epoch. */
  due?: number;
  /** With a rate: `true` when it started more than 2 ms after its due time (no free slot). */
  late?: boolean;
}

/** One request to make: its index in the source and its URL, and what it changes of the run's. */
export interface RequestSpec {
  /** The request's index in the source, from 0. */
  index: number;
  /** The absolute http or https URL. */
  url: string;
  /** The method, instead of the run's. */
  method?: string;
  /** Headers added to the run's: each name given replaces the run's values of that name. */
  headers?: HeadersInit;
  /** The body, instead of the run's. */
  body?: string | Uint8Array<ArrayBuffer>;
}

/** Where a body goes, chunk by chunk, as it arrives (see `RunOptions.sink`). */
export interface BodySink {
  /**
   * Takes one chunk; the chunk's memory is reused once the promise settles.
   *
   * @param chunk The bytes.
   * @returns When the chunk is written.
   */
  write(chunk: Uint8Array): Promise<unknown>;
  /**
   * Ends the body once it arrived whole.
   *
   * @returns Where it went, for the record's `file`.
   */
  close(): Promise<string>;
  /**
   * Drops what was written, when the body broke off.
   *
   * @returns When it is dropped.
   */
  abort(): Promise<void>;
}
