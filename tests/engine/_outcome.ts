/**
 * What an engine made of one request, in a form two engines can be compared
 * on: status, reason, the body's decoded bytes counted by `read`, the body's
 * text through `response()`, and chosen headers; or the error.
 *
 * @module
 */

import type { Engine, SendInit } from "../../engine/engine.ts";
import { FetchEngine } from "../../engine/fetch.ts";
import { H1Engine } from "../../engine/h1.ts";

/** One request's outcome. */
export interface Outcome {
  status?: number;
  statusText?: string;
  bytes?: number;
  text?: string;
  headers?: Record<string, string | null>;
  setCookies?: string[];
  error?: string;
}

/** The headers compared (not `date`, not the framing, which engines may differ on). */
const COMPARED = ["content-type", "x-a", "location", "content-encoding"];

/**
 * Sends the request twice through `engine`: once counted with `read`, once as a `Response`
 * (so not with a stream body, which can be sent once).
 */
export async function outcome(engine: Engine, url: string, init: SendInit = {}): Promise<Outcome> {
  try {
    const counted = await engine.send(url, init);
    let bytes = 0;
    await counted.read((chunk) => bytes += chunk.length);
    const reply = await engine.send(url, init);
    const response = reply.response();
    const headers: Record<string, string | null> = {};
    for (const name of COMPARED) headers[name] = reply.header(name);
    return {
      status: reply.status,
      statusText: reply.statusText,
      bytes,
      text: await response.text(),
      headers,
      setCookies: response.headers.getSetCookie(),
    };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

/** Both engines, closed on dispose. */
export function bothEngines(
  options: { caCerts?: string[] } = {},
): { h1: H1Engine; fetch: FetchEngine } & Disposable {
  const h1 = new H1Engine(options.caCerts ? { caCerts: options.caCerts } : {});
  const fetch = new FetchEngine(
    options.caCerts ? { clientOptions: { caCerts: options.caCerts } } : {},
  );
  return {
    h1,
    fetch,
    [Symbol.dispose]() {
      h1.close();
      fetch.close();
    },
  };
}
