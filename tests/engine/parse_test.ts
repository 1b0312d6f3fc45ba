import assert from "node:assert/strict";
import { bytesOf, CANNED, parsePieces } from "./_canned.ts";

/** A seeded generator, so a failing chunking can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

for (const canned of CANNED) {
  Deno.test(`h1 parses "${canned.name}" whole`, async () => {
    const parsed = await parsePieces(bytesOf(canned.raw), [], canned.head);
    assert.deepEqual(parsed, {
      status: canned.status,
      body: canned.body,
      reusable: canned.reusable,
    });
  });
}

Deno.test("h1 parses every canned response the same when cut at every byte boundary", async () => {
  for (const canned of CANNED) {
    const bytes = bytesOf(canned.raw);
    const whole = await parsePieces(bytes, [], canned.head);
    // Past the head of the long bodies, every 4999th boundary is enough to cross the buffer's edge.
    const step = bytes.length > 4096 ? 4999 : 1;
    for (let cut = 1; cut < bytes.length; cut += step) {
      assert.deepEqual(
        await parsePieces(bytes, [cut], canned.head),
        whole,
        `${canned.name}: cut at ${cut}`,
      );
    }
  }
});

Deno.test("h1 parses every canned response the same in random chunkings and byte by byte", async () => {
  const next = random(18);
  for (const canned of CANNED) {
    const bytes = bytesOf(canned.raw);
    const whole = await parsePieces(bytes, [], canned.head);
    if (bytes.length < 4096) {
      const everyByte = Array.from({ length: bytes.length }, (_, i) => i);
      assert.deepEqual(await parsePieces(bytes, everyByte, canned.head), whole, canned.name);
    }
    for (let round = 0; round < 20; round++) {
      const cuts = Array.from(
        { length: 1 + Math.floor(next() * 8) },
        () => Math.floor(next() * bytes.length),
      ).sort((a, b) => a - b);
      assert.deepEqual(
        await parsePieces(bytes, cuts, canned.head),
        whole,
        `${canned.name}: cuts ${cuts}`,
      );
    }
  }
});

/** Malformed responses and the failure each must give (error name, and words of its message). */
const MALFORMED: [string, string, RegExp][] = [
  ["garbage status line", "HTP/1.1 200 OK\r\n\r\n", /ProtocolError: invalid status line/],
  ["HTTP/2 status line", "HTTP/2 200 OK\r\n\r\n", /ProtocolError: invalid status line/],
  ["four-digit status", "HTTP/1.1 2000 OK\r\n\r\n", /ProtocolError: invalid status line/],
  ["empty line first", "\r\nHTTP/1.1 200 OK\r\n\r\n", /ProtocolError: empty line/],
  [
    "two different Content-Lengths",
    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    /ProtocolError: conflicting Content-Length values 3 and 4/,
  ],
  [
    "a list of different Content-Lengths",
    "HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\nabcd",
    /ProtocolError: conflicting Content-Length/,
  ],
  [
    "negative Content-Length",
    "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    /invalid Content-Length/,
  ],
  [
    "huge Content-Length",
    `HTTP/1.1 200 OK\r\nContent-Length: ${"9".repeat(16)}\r\n\r\n`,
    /invalid Content-Length/,
  ],
  ["bare CR in a header", "HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", /ProtocolError: bare CR/],
  ["bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", /ProtocolError: bare LF/],
  ["space before the colon", "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", /whitespace between/],
  ["obs-fold", "HTTP/1.1 200 OK\r\nX-A: a\r\n  b\r\nContent-Length: 0\r\n\r\n", /obs-fold/],
  ["no colon", "HTTP/1.1 200 OK\r\nnocolon\r\n\r\n", /without a colon/],
  ["NUL in a value", "HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n", /control character/],
  [
    "Transfer-Encoding gzip",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
    /unsupported Transfer-Encoding/,
  ],
  [
    "chunked twice",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
    /chunked applied twice/,
  ],
  [
    "Transfer-Encoding in HTTP/1.0",
    "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    /HTTP\/1.0/,
  ],
  [
    "too many header lines",
    `HTTP/1.1 200 OK\r\n${"X-A: 1\r\n".repeat(101)}\r\n`,
    /more than 100 header lines/,
  ],
  [
    "a head that never ends",
    `HTTP/1.1 200 OK\r\n${"X-A: 1\r\n".repeat(10_000)}`,
    /head over 65536 bytes/,
  ],
  ["101 Switching Protocols", "HTTP/1.1 101 Switching Protocols\r\n\r\n", /unexpected 101/],
  [
    "truncated chunk",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort",
    /TruncatedError: connection closed with 11 bytes of a chunk due/,
  ],
  [
    "no last chunk",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n",
    /TruncatedError: connection closed in a chunk-size line/,
  ],
  [
    "bad chunk size",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    /ProtocolError: chunk-size line without a size/,
  ],
  [
    "chunk size of 17 digits",
    `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${"0".repeat(16)}1\r\nx\r\n0\r\n\r\n`,
    /more than 16 digits/,
  ],
  [
    "chunk data without CRLF",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX0\r\n\r\n",
    /chunk data not followed by CRLF/,
  ],
  [
    "a chunk-size line that never ends",
    `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;${"e".repeat(5000)}`,
    /chunk-size line over 4096 bytes/,
  ],
  [
    "a bad trailer",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n",
    /without a colon/,
  ],
  [
    "body shorter than its length",
    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
    /TruncatedError: body ended after 3 of 10 bytes/,
  ],
  ["closed mid-head", "HTTP/1.1 200 OK\r\nContent-Le", /connection closed in the middle/],
  ["closed before the response", "", /ClosedError/],
];

for (const [name, raw, expected] of MALFORMED) {
  Deno.test(`h1 refuses a malformed response: ${name}`, async () => {
    const bytes = bytesOf(raw);
    const whole = await parsePieces(bytes, []);
    assert.match(whole.error ?? "(parsed)", expected);
    if (bytes.length < 1000) {
      const everyByte = Array.from({ length: bytes.length }, (_, i) => i);
      assert.deepEqual(await parsePieces(bytes, everyByte), whole, "byte by byte");
    }
  });
}
