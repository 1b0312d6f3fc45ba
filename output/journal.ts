/**
 * An append-only journal of lines in a file: the entries, after a first
 * line that says what the file is a journal of when one is given. It is locked for as long as it
 * is open, written at least every second, never left ending in a partial line
 * by a failed write, and a journal cut short by a crash can be continued.
 *
 * @module
 */

import { readLines } from "./ndjson.ts";

/** Why {@linkcode Journal.open} refused a file. */
export type JournalRefusal =
  /** The file holds lines and neither `resume` nor `overwrite` was asked for. */
  | "exists"
  /** Another journal holds the file's lock. */
  | "locked"
  /** `resume` was asked for and the file's first line is not the header given. */
  | "mismatch";

/**
 * A file {@linkcode Journal.open} will not take; nothing was written to it.
 *
 * @example A journal that holds lines is not started over unasked
 * ```ts
 * import { Journal, JournalError } from "./journal.ts";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "an entry\n");
 * await assert.rejects(
 *   Journal.open(path, {}),
 *   (error) => error instanceof JournalError && error.reason === "exists",
 * );
 * assert.equal(await Deno.readTextFile(path), "an entry\n");
 * await Deno.remove(path);
 * ```
 */
export class JournalError extends Error {
  /** Why the file was refused. */
  readonly reason: JournalRefusal;
  /** With `"mismatch"`: the file's first line. */
  readonly found: string | undefined;

  /**
   * @param reason Why the file was refused.
   * @param message What happened.
   * @param found With `"mismatch"`, the file's first line.
   */
  constructor(reason: JournalRefusal, message: string, found?: string) {
    super(message);
    this.name = "JournalError";
    this.reason = reason;
    this.found = found;
  }
}

/** Options for {@linkcode Journal.open}. */
export interface JournalOptions {
  /** The first line of the file: what it is a journal of, without a newline; none when absent. */
  header?: string;
  /**
   * Continue a journal the file already holds, when its header is `header`.
   *
   * @default {false}
   */
  resume?: boolean;
  /**
   * Start an existing file over.
   *
   * @default {false}
   */
  overwrite?: boolean;
  /**
   * With `resume`: called with each entry already in the file, in order,
   * and its line number (the header, when there is one, is line 1). What it
   * throws stops the opening before anything in the file is changed.
   */
  onEntry?: (line: string, lineNumber: number) => void;
  /**
   * The longest an entry stays buffered, in milliseconds.
   *
   * @default {1000}
   */
  flushInterval?: number;
}

/** Where a {@linkcode Journal} writes: a `Deno.FsFile`, `Deno.stdout` and the like. */
export interface JournalTarget {
  /** Writes some of `chunk`, resolving to how many bytes were written. */
  write(chunk: Uint8Array): Promise<number>;
  /** Writes some of `chunk` at once, returning how many bytes were written. */
  writeSync(chunk: Uint8Array): number;
  /** Cuts the file to `length` bytes; absent for a stream. */
  truncate?(length: number): Promise<void>;
  /** Cuts the file to `length` bytes at once; absent for a stream. */
  truncateSync?(length: number): void;
}

/** Flush once this many characters are buffered. */
const FLUSH_CHARS = 64 * 1024;
const NEWLINE = 10;

/**
 * Buffered lines written to a file or a stream. A failed write leaves the
 * file ending at the last whole line, and every later write fails with the
 * same error.
 *
 * @example Continue a journal
 * ```ts
 * import { Journal } from "./journal.ts";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile();
 * {
 *   await using journal = await Journal.open(path, { header: "run 1" });
 *   await journal.write("a");
 * }
 * const seen: string[] = [];
 * {
 *   await using journal = await Journal.open(path, {
 *     header: "run 1",
 *     resume: true,
 *     onEntry: (line) => seen.push(line),
 *   });
 *   await journal.write("b");
 * }
 * assert.deepEqual(seen, ["a"]);
 * assert.equal(await Deno.readTextFile(path), "run 1\na\nb\n");
 * await Deno.remove(path);
 * ```
 */
export class Journal implements AsyncDisposable {
  #target: JournalTarget;
  #close: () => void;
  #buffer = "";
  #encoder = new TextEncoder();
  /** Bytes in the file that end with a whole line. */
  #committed: number;
  #flushing: Promise<void> = Promise.resolve();
  #error: Error | undefined;
  #timer: ReturnType<typeof setInterval>;

  /**
   * A journal over a target already open, such as `Deno.stdout`; it writes
   * no header. Prefer {@linkcode Journal.open} for a file.
   *
   * @param target Where the lines go.
   * @param options `flushInterval`, and `close` to call when the journal is disposed of.
   * @param committed Bytes already in the target, ending with a whole line.
   */
  constructor(
    target: JournalTarget,
    options: { flushInterval?: number; close?: () => void } = {},
    committed = 0,
  ) {
    const { flushInterval = 1000, close = () => {} } = options;
    this.#target = target;
    this.#close = close;
    this.#committed = committed;
    this.#timer = setInterval(() => {
      if (this.#buffer !== "" && this.#error === undefined) this.flush().catch(() => {});
    }, flushInterval);
  }

  /**
   * Opens a journal in a file and locks it, refusing a file that holds lines
   * unless `resume` or `overwrite` is given. With `resume`, reads the
   * existing entries as a stream and cuts off a last line left partly written.
   *
   * @param path The file; created when missing.
   * @param options The {@linkcode JournalOptions}.
   * @returns The journal, ready to append.
   * @throws {JournalError} When the file is refused.
   * @throws {Deno.errors.NotFound} And the like, when the file cannot be opened or written.
   */
  static async open(path: string | URL, options: JournalOptions): Promise<Journal> {
    const { header, resume = false, overwrite = false, onEntry, flushInterval = 1000 } = options;
    if (header?.includes("\n")) {
      throw new TypeError("Cannot open journal as 'header' must be one line");
    }
    const file = await Deno.open(path, { read: true, write: true, create: true });
    let committed = 0;
    let regular: boolean;
    try {
      regular = (await file.stat()).isFile;
      if (regular && !(await file.tryLock(true))) {
        throw new JournalError(
          "locked",
          `Cannot open journal '${path}' as another writer holds it`,
        );
      }
      const size = regular ? (await file.stat()).size : 0;
      if (size > 0 && resume) {
        committed = await scan(file, header, onEntry);
        if (committed < size) await file.truncate(committed);
        await file.seek(committed, Deno.SeekMode.Start);
      } else if (size > 0 && !overwrite) {
        throw new JournalError("exists", `Cannot open journal '${path}' as it is not empty`);
      } else if (size > 0) {
        await file.truncate(0);
      }
    } catch (error) {
      file.close();
      throw error;
    }
    // A device such as /dev/full cannot be cut back.
    const target = regular ? file : {
      write: (b: Uint8Array) => file.write(b),
      writeSync: (b: Uint8Array) => file.writeSync(b),
    };
    const journal = new Journal(target, { flushInterval, close: () => file.close() }, committed);
    // Buffered like any line: a write that fails fails at the first flush.
    if (committed === 0 && header !== undefined) journal.#buffer = header + "\n";
    return journal;
  }

  /** The error a write failed with, once one has. */
  get error(): Error | undefined {
    return this.#error;
  }

  /**
   * Adds one line, and writes the buffer out when it is full.
   *
   * @param line The line, without its newline.
   * @throws {Error} What the write failed with, now or before.
   */
  async write(line: string): Promise<void> {
    if (this.#error) throw this.#error;
    this.#buffer += line + "\n";
    if (this.#buffer.length >= FLUSH_CHARS) await this.flush();
  }

  /**
   * Writes out everything buffered.
   *
   * @throws {Error} What the write failed with, now or before.
   */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#flushNow());
    return this.#flushing;
  }

  /** Writes out everything buffered before returning, for a process about to exit; never throws. */
  flushSync(): void {
    if (this.#error || this.#buffer === "") return;
    const bytes = this.#take();
    let written = 0;
    try {
      while (written < bytes.length) written += this.#target.writeSync(bytes.subarray(written));
      this.#committed += written;
    } catch (error) {
      this.#error = error as Error;
      const whole = this.#committed + wholeLines(bytes, written);
      try {
        this.#target.truncateSync?.(whole);
      } catch { /* the file ends where the write stopped */ }
    }
  }

  /** Writes out what is buffered and closes the file. */
  async [Symbol.asyncDispose](): Promise<void> {
    clearInterval(this.#timer);
    try {
      if (this.#error === undefined) await this.flush();
    } finally {
      this.#close();
    }
  }

  async #flushNow(): Promise<void> {
    if (this.#error) throw this.#error;
    if (this.#buffer === "") return;
    const bytes = this.#take();
    let written = 0;
    try {
      while (written < bytes.length) written += await this.#target.write(bytes.subarray(written));
      this.#committed += written;
    } catch (error) {
      this.#error = error as Error;
      // A partial line would not be a record: cut the file back to the last whole line.
      try {
        await this.#target.truncate?.(this.#committed + wholeLines(bytes, written));
      } catch { /* the file ends where the write stopped */ }
      throw error;
    }
  }

  #take(): Uint8Array {
    const bytes = this.#encoder.encode(this.#buffer);
    this.#buffer = "";
    return bytes;
  }
}

/** How many of the first `written` bytes of `bytes` make whole lines. */
function wholeLines(bytes: Uint8Array, written: number): number {
  return bytes.subarray(0, written).lastIndexOf(NEWLINE) + 1;
}

/**
 * Reads a journal from its start through the one line reader: checks the
 * header, hands each entry to `onEntry`, and returns the bytes that end with
 * a whole line (a missing header counts as none). The file stays open.
 */
async function scan(
  file: Deno.FsFile,
  header: string | undefined,
  onEntry: ((line: string, lineNumber: number) => void) | undefined,
): Promise<number> {
  const mismatch = (line: string) =>
    new JournalError("mismatch", "Cannot resume journal as its header is not the one given", line);
  let lineNumber = 0;
  for await (const { text, offset, whole } of readLines(chunksOf(file))) {
    if (!whole) {
      // A last line cut short, as a crash leaves it: not committed.
      if (lineNumber === 0 && header !== undefined && !header.startsWith(text)) {
        throw mismatch(text);
      }
      return offset;
    }
    lineNumber++;
    if (lineNumber === 1 && header !== undefined && text !== header) throw mismatch(text);
    if (lineNumber > 1 || header === undefined) onEntry?.(text, lineNumber);
  }
  // Every line whole: all that was read.
  return await file.seek(0, Deno.SeekMode.Current);
}

/** The rest of a file as a stream of chunks that leaves the file open when it ends. */
function chunksOf(file: Deno.FsFile): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async pull(controller) {
      const chunk = new Uint8Array(64 * 1024);
      const read = await file.read(chunk);
      if (read === null) controller.close();
      else controller.enqueue(chunk.subarray(0, read));
    },
  }, { highWaterMark: 0 }); // no read ahead: none is in flight when the scan stops early
}
