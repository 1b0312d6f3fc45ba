/**
 * The response head (RFC 9112 sections 4, 5 and 6.3): finding its end in a
 * byte buffer, checking every line, and deciding how the body is framed.
 * Strict: a bare CR or LF, a space before a colon, an obs-fold line, a bad
 * status line, too many lines, conflicting lengths or an unknown transfer
 * coding are {@linkcode ProtocolError}s, never guesses.
 *
 * @module
 */

import { ProtocolError } from "./engine.ts";

/** The most bytes a head (or a trailer section) may take. */
export const MAX_HEAD = 64 * 1024;
/** The most header lines a head (or a trailer section) may have. */
export const MAX_HEADERS = 100;

const CR = 13;
const LF = 10;
// deno-lint-ignore no-control-regex
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9][0-9]{2})(?: ([^\x00-\x08\x0a-\x1f\x7f]*))?$/;
// deno-lint-ignore no-control-regex
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[\t ]*([^\x00-\x08\x0a-\x1f\x7f]*?)[\t ]*$/;
const LENGTH = /^[0-9]{1,15}$/;
const KEEP_ALIVE_TIMEOUT = /(?:^|[,;\s])timeout\s*=\s*"?([0-9]{1,9})/i;
const ascii = new TextDecoder();

/** Where a scan for the end of a head stopped: offsets from the head's first byte. */
export interface HeadScan {
  /** The next byte to look at. */
  pos: number;
  /** Where the current line starts. */
  lineStart: number;
  /** Whether a byte above 0x7f was seen (then the head is decoded as Latin-1). */
  high: boolean;
}

/** How a response's body is delimited. */
export type Framing = "none" | "length" | "chunked" | "close";

/** A parsed response head. */
export interface Head {
  status: number;
  reason: string;
  /** Header names in lower case, in order; `values[i]` belongs to `names[i]`. */
  names: string[];
  values: string[];
  framing: Framing;
  /** The body's length when `framing` is `length`. */
  length: number;
  /** Whether the connection may carry another request once the body is read whole. */
  reusable: boolean;
  /** The server's `Keep-Alive: timeout` in milliseconds, or -1. */
  keepAliveMs: number;
  /** The `Content-Encoding`, in lower case, or `""`. */
  encoding: string;
}

/**
 * Looks for the empty line that ends a head in `buffer[start + scan.pos, end)`,
 * resuming where the last call stopped.
 *
 * @returns The head's length (through the empty line), or -1 when more bytes are needed.
 * @throws {ProtocolError} On a bare CR or LF.
 */
export function scanHead(buffer: Uint8Array, start: number, end: number, scan: HeadScan): number {
  let pos = start + scan.pos;
  let lineStart = start + scan.lineStart;
  for (; pos < end; pos++) {
    const byte = buffer[pos]!;
    if (byte === LF) {
      if (pos === start || buffer[pos - 1] !== CR) throw new ProtocolError("bare LF in the head");
      if (pos - 1 === lineStart) return pos + 1 - start;
      lineStart = pos + 1;
    } else if (byte === CR) {
      if (pos + 1 === end) break;
      if (buffer[pos + 1] !== LF) throw new ProtocolError("bare CR in the head");
    } else if (byte > 0x7f) {
      scan.high = true;
    }
  }
  scan.pos = pos - start;
  scan.lineStart = lineStart - start;
  return -1;
}

/**
 * The head's text, as Latin-1 (the bytes as they are, as `Headers` keeps them).
 *
 * @returns The lines, without the final empty line.
 */
export function headLines(buffer: Uint8Array, start: number, length: number, high: boolean) {
  const bytes = buffer.subarray(start, start + length - 4);
  let text: string;
  if (!high) {
    text = ascii.decode(bytes);
  } else {
    text = "";
    for (let i = 0; i < bytes.length; i += 4096) {
      text += String.fromCharCode(...bytes.subarray(i, i + 4096));
    }
  }
  return text.length === 0 ? [""] : text.split("\r\n");
}

/**
 * Checks header lines and splits them into names (lower case) and values.
 *
 * @param lines The lines, from `first`.
 * @throws {ProtocolError} On an invalid line, or more than {@linkcode MAX_HEADERS}.
 */
export function parseFields(
  lines: string[],
  first: number,
  names: string[],
  values: string[],
): void {
  if (lines.length - first > MAX_HEADERS) {
    throw new ProtocolError(`more than ${MAX_HEADERS} header lines`);
  }
  for (let i = first; i < lines.length; i++) {
    const line = lines[i]!;
    const match = HEADER_LINE.exec(line);
    if (match === null) throw new ProtocolError(fieldFault(line));
    names.push(match[1]!.toLowerCase());
    values.push(match[2]!);
  }
}

/**
 * Parses a head's lines: the status line, the fields, and the body's framing
 * (RFC 9112 section 6.3).
 *
 * @param lines The head's lines (see {@linkcode headLines}).
 * @param headRequest Whether the request was a HEAD (then there is no body).
 * @returns The head.
 * @throws {ProtocolError} When the head is invalid.
 */
export function parseHead(lines: string[], headRequest: boolean): Head {
  const statusLine = STATUS_LINE.exec(lines[0]!);
  if (statusLine === null) throw new ProtocolError(`invalid status line ${quote(lines[0]!)}`);
  const http10 = statusLine[1] === "0";
  const status = Number(statusLine[2]);
  const names: string[] = [];
  const values: string[] = [];
  parseFields(lines, 1, names, values);
  let length = -1;
  let chunked = false;
  let close = false;
  let keepAlive = false;
  let keepAliveMs = -1;
  let encoding = "";
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const value = values[i]!;
    if (name === "content-length") {
      for (const item of value.split(",")) {
        const text = item.trim();
        if (!LENGTH.test(text)) throw new ProtocolError(`invalid Content-Length ${quote(value)}`);
        const n = Number(text);
        if (length !== -1 && n !== length) {
          throw new ProtocolError(`conflicting Content-Length values ${length} and ${n}`);
        }
        length = n;
      }
    } else if (name === "transfer-encoding") {
      for (const item of value.split(",")) {
        const coding = item.trim().toLowerCase();
        if (coding !== "chunked") {
          throw new ProtocolError(`unsupported Transfer-Encoding ${quote(value)}`);
        }
        if (chunked) throw new ProtocolError("Transfer-Encoding chunked applied twice");
        chunked = true;
      }
    } else if (name === "connection") {
      for (const item of value.split(",")) {
        const token = item.trim().toLowerCase();
        if (token === "close") close = true;
        else if (token === "keep-alive") keepAlive = true;
      }
    } else if (name === "keep-alive") {
      const timeout = KEEP_ALIVE_TIMEOUT.exec(value);
      if (timeout !== null) keepAliveMs = Number(timeout[1]) * 1000;
    } else if (name === "content-encoding") {
      encoding = encoding === "" ? value.trim().toLowerCase() : `${encoding}, ${value.trim()}`;
    }
  }
  if (chunked && http10) {
    throw new ProtocolError("Transfer-Encoding in an HTTP/1.0 response");
  }
  let reusable = !close && (!http10 || keepAlive);
  let framing: Framing;
  if (headRequest || status < 200 || status === 204 || status === 304) {
    framing = "none";
  } else if (chunked) {
    framing = "chunked";
    // RFC 9112 6.3: Transfer-Encoding wins over Content-Length, and the connection is not reused.
    if (length !== -1) reusable = false;
  } else if (length !== -1) {
    framing = "length";
  } else {
    framing = "close";
    reusable = false;
  }
  return {
    status,
    reason: statusLine[3] ?? "",
    names,
    values,
    framing,
    length: framing === "length" ? length : 0,
    reusable,
    keepAliveMs,
    encoding,
  };
}

/** Why a header line does not parse, in a few words. */
function fieldFault(line: string): string {
  if (line.startsWith(" ") || line.startsWith("\t")) {
    return "obs-fold (a header line that starts with whitespace)";
  }
  const colon = line.indexOf(":");
  if (colon === -1) return `header line without a colon ${quote(line)}`;
  if (colon === 0) return "header line with an empty name";
  if (/[\t ]$/.test(line.slice(0, colon))) return "whitespace between a header name and its colon";
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(line.slice(0, colon))) {
    return `invalid header name ${quote(line.slice(0, colon))}`;
  }
  return `control character in the value of header ${quote(line.slice(0, colon))}`;
}

/** A short, printable quote of a piece of a head. */
function quote(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}...` : text;
  return JSON.stringify(shown);
}
