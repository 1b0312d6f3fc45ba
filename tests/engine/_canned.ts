/**
 * Canned responses as raw bytes, a parse of them through a connection fed
 * from memory in given pieces (no socket), and a raw-socket server that
 * answers every request with a canned response.
 *
 * @module
 */

import { Connection } from "../../engine/_connection.ts";

const encoder = new TextEncoder();
/** The canned bodies are ASCII, where windows-1252 and Latin-1 agree. */
const latin1 = new TextDecoder("latin1");

/** A well-formed response and what parsing it must give. */
export interface Canned {
  name: string;
  raw: string;
  /** Whether the request was a HEAD. */
  head?: boolean;
  status: number;
  body: string;
  /** Whether the connection may be reused after it. */
  reusable: boolean;
}

const long = "x".repeat(100_000);

/** Well-formed shapes, Deno.serve's and the ones it cannot make. */
export const CANNED: Canned[] = [
  {
    name: "content-length",
    raw: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
    status: 200,
    body: "hello",
    reusable: true,
  },
  {
    name: "chunked with extensions and trailers",
    raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
      '5;name=value;flag\r\nhello\r\n00006 ; x="q"\r\n world\r\nA\r\n0123456789\r\n' +
      "0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n",
    status: 200,
    body: "hello world0123456789",
    reusable: true,
  },
  {
    name: "100 Continue, 103 Early Hints, then the response",
    raw: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" +
      "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
    status: 201,
    body: "ok",
    reusable: true,
  },
  {
    name: "204 with no body",
    raw: "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n",
    status: 204,
    body: "",
    reusable: true,
  },
  {
    name: "304 with a Content-Length and no body",
    raw: "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
    status: 304,
    body: "",
    reusable: true,
  },
  {
    name: "HEAD with a Content-Length and no body",
    raw: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
    head: true,
    status: 200,
    body: "",
    reusable: true,
  },
  {
    name: "close-delimited",
    raw: "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
    status: 200,
    body: "until the end",
    reusable: false,
  },
  {
    name: "HTTP/1.0 without keep-alive",
    raw: "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nold",
    status: 200,
    body: "old",
    reusable: false,
  },
  {
    name: "HTTP/1.0 with keep-alive",
    raw: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nold",
    status: 200,
    body: "old",
    reusable: true,
  },
  {
    name: "duplicate Content-Length that agree",
    raw: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3, 3\r\n\r\nabc",
    status: 200,
    body: "abc",
    reusable: true,
  },
  {
    name: "Transfer-Encoding wins over Content-Length, no reuse",
    raw: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "2\r\nab\r\n0\r\n\r\n",
    status: 200,
    body: "ab",
    reusable: false,
  },
  {
    name: "status line without a reason, obs-text in a value",
    raw: "HTTP/1.1 404\r\nX-Latin: caf\xe9\r\nContent-Length: 4\r\n\r\ngone",
    status: 404,
    body: "gone",
    reusable: true,
  },
  {
    name: "a body larger than the buffer",
    raw: `HTTP/1.1 200 OK\r\nContent-Length: ${long.length}\r\n\r\n${long}`,
    status: 200,
    body: long,
    reusable: true,
  },
  {
    name: "a big chunk, upper-case hex",
    raw: `HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n${
      long.length.toString(16).toUpperCase()
    }\r\n${long}\r\n0\r\n\r\n`,
    status: 200,
    body: long,
    reusable: true,
  },
  {
    name: "a head of 40 KiB (the buffer grows for it)",
    raw: `HTTP/1.1 200 OK\r\nX-Big: ${"b".repeat(40_000)}\r\nContent-Length: 2\r\n\r\nok`,
    status: 200,
    body: "ok",
    reusable: true,
  },
  {
    name: "Connection: close with a length",
    raw: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
    status: 200,
    body: "ok",
    reusable: false,
  },
];

/** The bytes of a canned text (each character one byte, as Latin-1). */
export function bytesOf(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** What parsing gave. */
export interface Parsed {
  status?: number;
  body?: string;
  reusable?: boolean;
  /** The error's name and message, when it failed. */
  error?: string;
}

/**
 * Parses `bytes` delivered in pieces cut at `cuts` (ascending offsets),
 * through a {@linkcode Connection} over an in-memory socket.
 */
export async function parsePieces(
  bytes: Uint8Array,
  cuts: number[],
  headRequest = false,
): Promise<Parsed> {
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > from) pieces.push(bytes.subarray(from, cut));
    from = Math.max(from, cut);
  }
  let piece = 0;
  let offset = 0;
  const socket = {
    read(into: Uint8Array): Promise<number | null> {
      const next = pieces[piece];
      if (next === undefined) return Promise.resolve(null);
      const n = Math.min(into.length, next.length - offset);
      into.set(next.subarray(offset, offset + n));
      offset += n;
      if (offset === next.length) {
        piece++;
        offset = 0;
      }
      return Promise.resolve(n);
    },
    write: (p: Uint8Array) => Promise.resolve(p.length),
    close() {},
  } as unknown as Deno.Conn;
  const connection = new Connection("test", socket, () => {});
  try {
    const head = await connection.readHead(headRequest);
    let body = "";
    for (let chunk; (chunk = await connection.nextBody()) !== null;) {
      body += latin1.decode(chunk, { stream: true });
    }
    return { status: head.status, body, reusable: head.reusable && connection.clean };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

/** A raw-socket server on a free loopback port. */
export interface RawServer extends AsyncDisposable {
  port: number;
  url: string;
  /** Connections accepted so far. */
  accepted: number;
}

/**
 * Serves `respond(request head, connection number)` on each request of
 * each connection; `null` closes the connection without an answer, and an
 * array of strings is written piece by piece. After the answer the
 * connection stays open for the next request unless `close` says otherwise.
 */
export function rawServer(
  respond: (head: string, connection: number) => string | string[] | null,
  options: { close?: boolean; hold?: boolean } = {},
): RawServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const sockets = new Set<Deno.Conn>();
  const tasks = new Set<Promise<void>>();
  const server: RawServer = {
    port: (listener.addr as Deno.NetAddr).port,
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/`,
    accepted: 0,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const socket of sockets) closeQuietly(socket);
      await Promise.all(tasks);
      await accepting;
    },
  };
  const serve = async (socket: Deno.Conn, number: number) => {
    const buffer = new Uint8Array(256 * 1024);
    let have = 0;
    try {
      while (true) {
        let end;
        while ((end = headEnd(buffer, have)) === -1) {
          const n = await socket.read(buffer.subarray(have));
          if (n === null) return;
          have += n;
        }
        const head = new TextDecoder().decode(buffer.subarray(0, end));
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        while (have < end + length) {
          const n = await socket.read(buffer.subarray(have));
          if (n === null) return;
          have += n;
        }
        buffer.copyWithin(0, end + length, have);
        have -= end + length;
        const answer = respond(head, number);
        if (answer === null) return;
        for (const piece of typeof answer === "string" ? [answer] : answer) {
          const bytes = bytesOf(piece);
          for (let written = 0; written < bytes.length;) {
            written += await socket.write(bytes.subarray(written));
          }
        }
        if (options.hold) await socket.read(new Uint8Array(1));
        if (options.close) return;
      }
    } catch {
      // The client went away.
    } finally {
      sockets.delete(socket);
      closeQuietly(socket);
    }
  };
  const accepting = (async () => {
    try {
      for await (const socket of listener) {
        sockets.add(socket);
        const task = serve(socket, server.accepted++);
        tasks.add(task);
        task.finally(() => tasks.delete(task));
      }
    } catch {
      // Closed.
    }
  })();
  return server;
}

function headEnd(buffer: Uint8Array, have: number): number {
  for (let i = 3; i < have; i++) {
    if (buffer[i] === 10 && buffer[i - 1] === 13 && buffer[i - 2] === 10 && buffer[i - 3] === 13) {
      return i + 1;
    }
  }
  return -1;
}

function closeQuietly(socket: Deno.Conn): void {
  try {
    socket.close();
  } catch {
    // Closed already.
  }
}

/** UTF-8 bytes of a text. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
