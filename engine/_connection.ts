/**
 * One HTTP/1.1 connection: its socket, its read buffer (16 KiB, grown to
 * 64 KiB only for a head that needs it), reading a response head, and reading a body framed by length,
 * chunks or the connection's close, one exchange at a time.
 *
 * @module
 */

import { ChunkedBody } from "./_chunked.ts";
import { ProtocolError, TruncatedError } from "./engine.ts";
import { type Framing, type Head, headLines, MAX_HEAD, parseHead, scanHead } from "./_head.ts";

/** The read buffer's first size; it grows to {@linkcode MAX_HEAD} for a head that needs it. */
const FIRST_BUFFER = 16 * 1024;
/** The most interim (1xx) responses skipped before a final one. */
const MAX_INTERIM = 16;

/**
 * The connection closed before a byte of the response arrived: on a reused
 * connection, the keep-alive race (the server closed it while it was idle).
 */
export class ClosedError extends Error {
  constructor() {
    super("connection closed before the response");
    this.name = "ClosedError";
  }
}

/** A socket with its read buffer and the state of the exchange it carries. */
export class Connection {
  /** The origin the connection is pooled under. */
  readonly key: string;
  /** Unread bytes are `buffer[start, end)`. */
  buffer = new Uint8Array(FIRST_BUFFER);
  start = 0;
  end = 0;
  /** Bytes received since {@linkcode Connection.begin}. */
  received = 0;
  /** Exchanges completed on this connection. */
  uses = 0;
  /** Whether it was taken from the idle ones: the server may have closed it meanwhile. */
  wasIdle = false;
  /** When an idle connection expires, in `performance.now()` milliseconds. */
  idleUntil = 0;
  closed = false;
  #socket: Deno.Conn;
  #onClose: (connection: Connection) => void;
  #framing: Framing = "none";
  #remaining = 0;
  #length = 0;
  #chunked: ChunkedBody | undefined;
  #complete = true;

  constructor(key: string, socket: Deno.Conn, onClose: (connection: Connection) => void) {
    this.key = key;
    this.#socket = socket;
    this.#onClose = onClose;
  }

  /** Whether the last body was read to its end, with no bytes beyond it. */
  get clean(): boolean {
    return this.#complete && this.start === this.end;
  }

  /** Starts an exchange. */
  begin(): void {
    this.received = 0;
  }

  /** Writes all of `bytes`. */
  async write(bytes: Uint8Array): Promise<void> {
    for (let written = 0; written < bytes.length;) {
      written += await this.#socket.write(bytes.subarray(written));
    }
  }

  /**
   * Reads more bytes into the buffer, moving unread ones to its front when it is full.
   *
   * @returns `false` at the end of the stream.
   */
  async fill(): Promise<boolean> {
    if (this.start === this.end) {
      this.start = this.end = 0;
    } else if (this.end === this.buffer.length) {
      if (this.start === 0) {
        // Full of one unfinished head or trailer section: grow, up to the head limit.
        const grown = new Uint8Array(Math.min(this.buffer.length * 2, MAX_HEAD));
        grown.set(this.buffer);
        this.buffer = grown;
      } else {
        this.buffer.copyWithin(0, this.start, this.end);
        this.end -= this.start;
        this.start = 0;
      }
    }
    const n = await this.#socket.read(this.buffer.subarray(this.end));
    if (n === null) return false;
    this.end += n;
    this.received += n;
    return true;
  }

  /**
   * Reads the final response's head, skipping interim (1xx) ones, and sets
   * up the body's framing.
   *
   * @param headRequest Whether the request was a HEAD.
   * @returns The head.
   * @throws {ProtocolError} When the head is malformed or too large.
   * @throws {ClosedError} When the connection closed before the response began.
   */
  async readHead(headRequest: boolean): Promise<Head> {
    for (let interim = 0;; interim++) {
      const scan = { pos: 0, lineStart: 0, high: false };
      let length: number;
      while ((length = scanHead(this.buffer, this.start, this.end, scan)) === -1) {
        if (this.end - this.start >= MAX_HEAD) {
          throw new ProtocolError(`head over ${MAX_HEAD} bytes`);
        }
        if (!await this.fill()) {
          if (this.received === 0) throw new ClosedError();
          throw new Error("connection closed in the middle of the response head");
        }
      }
      if (length === 2) throw new ProtocolError("empty line before the status line");
      const head = parseHead(headLines(this.buffer, this.start, length, scan.high), headRequest);
      this.start += length;
      if (head.status >= 200) {
        this.#framing = head.framing;
        this.#length = this.#remaining = head.length;
        this.#chunked = head.framing === "chunked" ? new ChunkedBody() : undefined;
        this.#complete = head.framing === "none";
        return head;
      }
      if (head.status === 101) throw new ProtocolError("unexpected 101 Switching Protocols");
      if (interim === MAX_INTERIM) {
        throw new ProtocolError(`more than ${MAX_INTERIM} interim (1xx) responses`);
      }
    }
  }

  /**
   * The next piece of the body, a view into the buffer valid until the next call.
   *
   * @returns The bytes, or `null` at the body's end.
   * @throws {TruncatedError} When the connection closes before the body's end.
   * @throws {ProtocolError} When the chunked coding is malformed.
   */
  async nextBody(): Promise<Uint8Array | null> {
    switch (this.#framing) {
      case "length": {
        if (this.#remaining === 0) {
          this.#complete = true;
          return null;
        }
        if (this.start === this.end && !await this.fill()) {
          const got = this.#length - this.#remaining;
          throw new TruncatedError(`body ended after ${got} of ${this.#length} bytes`);
        }
        const n = Math.min(this.#remaining, this.end - this.start);
        this.#remaining -= n;
        return this.buffer.subarray(this.start, this.start += n);
      }
      case "chunked": {
        const view = await this.#chunked!.next(this);
        if (view === null) this.#complete = true;
        return view;
      }
      case "close": {
        if (this.start === this.end && !await this.fill()) {
          this.#complete = true;
          return null;
        }
        const view = this.buffer.subarray(this.start, this.end);
        this.start = this.end;
        return view;
      }
      default:
        return null;
    }
  }

  /** Closes the socket (once); a read or write in progress rejects. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.#socket.close();
    } catch {
      // Already closed by the runtime.
    }
    this.#onClose(this);
  }
}
