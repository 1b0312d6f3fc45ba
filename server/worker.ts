/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * The Web Worker behind `spawnDelayServer` in `server.ts`: it runs `serveDelay` off the caller's
 * thread. It answers `{ type: "start", options }` with `{ ok: true, value: addr }` once listening,
 * and `{ type: "close" }` with `{ ok: true }` once shut down; a failure is `{ ok: false, error }`.
 *
 * @module
 */

import { type DelayServer, serveDelay, type spawnDelayServer } from "../server.ts";

type Message =
  | { type: "start"; options: Parameters<typeof spawnDelayServer>[0] }
  | { type: "close" };

let server: DelayServer | undefined;

self.onmessage = async ({ data }: MessageEvent<Message>) => {
  try {
    if (data.type === "start") {
      server = serveDelay({
        ...data.options,
        onAcceptError: (error) => console.error(`Accepting failed, listening again: ${error}`),
      });
      self.postMessage({ ok: true, value: server.addr });
    } else {
      await server?.shutdown();
      self.postMessage({ ok: true });
    }
  } catch (error) {
    self.postMessage({ ok: false, error });
  }
};
