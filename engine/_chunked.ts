/**
 * The chunked transfer coding (RFC 9112 section 7.1), decoded in place from a
 * connection's buffer: chunk sizes (at most 16 hex digits), extensions
 * (checked, ignored), data handed out as views, and the trailer section
 * (checked, bounded, dropped).
 *
 * @module
 */

import { ProtocolError, TruncatedError } from "./engine.ts";
import { headLines, type HeadScan, MAX_HEAD, parseFields, scanHead } from "./_head.ts";

/** The most bytes a chunk-size line may take, extensions included. */
export const MAX_CHUNK_LINE = 4096;
/** The most hex digits of a chunk size. */
const MAX_SIZE_DIGITS = 16;
const CR = 13;
const LF = 10;

/** A connection's read buffer: unread bytes are `buffer[start, end)`. */
export interface Buffered {
  buffer: Uint8Array;
  start: number;
  end: number;
  /**
   * Reads more bytes into the buffer.
   *
   * @returns `false` at the end of the stream.
   */
  fill(): Promise<boolean>;
}

const SIZE = 0;
const DATA = 1;
const DATA_END = 2;
const TRAILER = 3;
const DONE = 4;

/** Decodes one chunked body from a {@linkcode Buffered}. */
export class ChunkedBody {
  #state = SIZE;
  #remaining = 0;
  #scan: HeadScan = { pos: 0, lineStart: 0, high: false };

  /**
   * The next piece of the body, a view into the source's buffer valid until
   * the next call.
   *
   * @returns The bytes, or `null` at the body's end.
   * @throws {ProtocolError} When the coding is malformed.
   * @throws {TruncatedError} When the stream ends before the last chunk and trailers.
   */
  async next(source: Buffered): Promise<Uint8Array | null> {
    while (true) {
      switch (this.#state) {
        case SIZE:
          if (!this.#size(source) && !await source.fill()) {
            throw new TruncatedError("connection closed in a chunk-size line");
          }
          break;
        case DATA: {
          if (source.start === source.end && !await source.fill()) {
            throw new TruncatedError(
              `connection closed with ${this.#remaining} bytes of a chunk due`,
            );
          }
          const n = Math.min(this.#remaining, source.end - source.start);
          const view = source.buffer.subarray(source.start, source.start + n);
          source.start += n;
          this.#remaining -= n;
          if (this.#remaining === 0) this.#state = DATA_END;
          return view;
        }
        case DATA_END:
          if (source.end - source.start < 2) {
            if (!await source.fill()) {
              throw new TruncatedError("connection closed after chunk data");
            }
            break;
          }
          if (source.buffer[source.start] !== CR || source.buffer[source.start + 1] !== LF) {
            throw new ProtocolError("chunk data not followed by CRLF");
          }
          source.start += 2;
          this.#state = SIZE;
          break;
        case TRAILER: {
          const length = scanHead(source.buffer, source.start, source.end, this.#scan);
          if (length === -1) {
            if (source.end - source.start >= MAX_HEAD) {
              throw new ProtocolError(`trailer section over ${MAX_HEAD} bytes`);
            }
            if (!await source.fill()) throw new TruncatedError("connection closed in the trailers");
            break;
          }
          if (length > 2) {
            const lines = headLines(source.buffer, source.start, length, this.#scan.high);
            parseFields(lines, 0, [], []);
          }
          source.start += length;
          this.#state = DONE;
          return null;
        }
        default:
          return null;
      }
    }
  }

  /** Parses a chunk-size line when it is whole; `false` when more bytes are needed. */
  #size(source: Buffered): boolean {
    const { buffer, start, end } = source;
    let lf = start;
    while (lf < end && buffer[lf] !== LF) lf++;
    if (lf === end) {
      if (end - start > MAX_CHUNK_LINE) {
        throw new ProtocolError(`chunk-size line over ${MAX_CHUNK_LINE} bytes`);
      }
      return false;
    }
    if (lf === start || buffer[lf - 1] !== CR) {
      throw new ProtocolError("bare LF in a chunk-size line");
    }
    const lineEnd = lf - 1;
    let size = 0;
    let pos = start;
    for (; pos < lineEnd; pos++) {
      const digit = hexValue(buffer[pos]!);
      if (digit === -1) break;
      size = size * 16 + digit;
    }
    const digits = pos - start;
    if (digits === 0) throw new ProtocolError("chunk-size line without a size");
    if (digits > MAX_SIZE_DIGITS) {
      throw new ProtocolError(`chunk size of more than ${MAX_SIZE_DIGITS} digits`);
    }
    if (size > Number.MAX_SAFE_INTEGER) throw new ProtocolError("chunk size too large");
    checkExtensions(buffer, pos, lineEnd);
    source.start = lf + 1;
    if (size === 0) {
      this.#state = TRAILER;
    } else {
      this.#state = DATA;
      this.#remaining = size;
    }
    return true;
  }
}

/** Checks what follows a chunk size: nothing, or `;`-led extensions without control bytes. */
function checkExtensions(buffer: Uint8Array, from: number, to: number): void {
  let pos = from;
  while (pos < to && (buffer[pos] === 0x20 || buffer[pos] === 0x09)) pos++;
  if (pos === to) return;
  if (buffer[pos] !== 0x3b) throw new ProtocolError("invalid character after a chunk size");
  for (; pos < to; pos++) {
    const byte = buffer[pos]!;
    if ((byte < 0x20 && byte !== 0x09) || byte === 0x7f) {
      throw new ProtocolError("control character in a chunk extension");
    }
  }
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  return -1;
}
