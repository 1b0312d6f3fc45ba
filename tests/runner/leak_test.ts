/**
 * Leak check, a few seconds: `_leak_probe.ts` runs 10,000 requests through the runner and a
 * summary in a subprocess that can force a full garbage collection; after warm-up neither the
 * V8 heap in use (with external memory, where `ArrayBuffer`s live) nor the open descriptors may
 * grow. The full-size soak (RSS and descriptors of the CLI over 1M requests, workers included)
 * is the bench's `million` scenario.
 *
 * @module
 */

import assert from "node:assert/strict";

const PROBE = new URL("./_leak_probe.ts", import.meta.url);
const COUNT = 10_000;
const EVERY = 1_000;
/**
 * The most the heap may grow per request after warm-up, in bytes. Measured: 8.5 without a leak;
 * a 3-field object kept per request, 62; a 256-byte `Uint8Array`, 450.
 */
const BYTES_PER_REQUEST = 24;
/** Descriptors the last half may hold above the warm-up's (measured: none). */
const FD_SLACK = 8;

Deno.test({
  name: "runRequests() and Summary hold the heap and open descriptors flat over 10,000 requests",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all", // reading /proc/self needs all access
        "--v8-flags=--expose-gc",
        PROBE.href,
        String(COUNT),
        String(EVERY),
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(stdout);
    assert.equal(code, 0, `_leak_probe.ts exited ${code}: ${new TextDecoder().decode(stderr)}`);
    const { heap, fds, ok }: { heap: number[]; fds: number[]; ok: number } = JSON.parse(text);
    assert.equal(ok, COUNT);
    assert.equal(heap.length, COUNT / EVERY);
    // The first checkpoint is warm-up; the second is the base, the last half's peak the end.
    const half = heap.length >> 1;
    const grown = Math.max(...heap.slice(half)) - heap[1]!;
    const requests = (heap.length - 1 - 1) * EVERY;
    const detail = heap.map((bytes) => `${(bytes / 2 ** 20).toFixed(2)} MB`).join(", ");
    assert.ok(
      grown / requests <= BYTES_PER_REQUEST,
      `the heap grew ${(grown / requests).toFixed(1)} bytes per request after warm-up ` +
        `(at most ${BYTES_PER_REQUEST}): ${detail}`,
    );
    assert.ok(
      Math.max(...fds.slice(half)) <= fds[1]! + FD_SLACK,
      `open descriptors grew after warm-up: ${fds.join(", ")}`,
    );
  },
});
