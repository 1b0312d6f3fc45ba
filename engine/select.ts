/**
 * Which engine carries a run's requests: `auto` picks h1 for plain http and
 * https, and fetch when the run needs what only fetch has (a proxy, HTTP/2,
 * a caller's own `Deno.HttpClient`).
 *
 * @module
 */

import type { Engine } from "./engine.ts";
import { FetchEngine } from "./fetch.ts";
import { H1Engine } from "./h1.ts";

/** The engines a run can ask for. */
export type EngineName = "auto" | "h1" | "fetch";

/** The engine names, for checking input. */
export const ENGINE_NAMES: readonly EngineName[] = ["auto", "h1", "fetch"];

/** What {@linkcode resolveEngine} and {@linkcode createEngine} look at. */
export interface EngineChoice {
  /**
   * The engine asked for.
   *
   * @default {"auto"}
   */
  engine?: EngineName | undefined;
  /** A caller's HTTP client: fetch's only. */
  client?: Deno.HttpClient | undefined;
  /** Client options: a proxy or HTTP/2 only are fetch's; CA certificates and no keep-alive go to h1 too. */
  clientOptions?: Deno.CreateHttpClientOptions | undefined;
  /**
   * The most idle connections kept per origin.
   *
   * @default {Infinity}
   */
  maxIdle?: number | undefined;
}

/**
 * The engine that `auto` stands for, or the one asked for.
 *
 * @param choice What the run asks for.
 * @returns `h1` or `fetch`.
 * @throws {TypeError} When h1 is asked for with what only fetch can do.
 *
 * @example
 * ```ts
 * import { resolveEngine } from "./select.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(resolveEngine({}), "h1");
 * assert.equal(resolveEngine({ clientOptions: { proxy: { url: "http://127.0.0.1:3128" } } }), "fetch");
 * assert.equal(resolveEngine({ engine: "fetch" }), "fetch");
 * ```
 */
export function resolveEngine(choice: EngineChoice): "h1" | "fetch" {
  const { engine = "auto", client, clientOptions = {} } = choice;
  const needsFetch = client !== undefined
    ? "a client"
    : clientOptions.proxy !== undefined
    ? "a proxy"
    : clientOptions.http1 === false
    ? "HTTP/2"
    : undefined;
  if (engine === "fetch") return "fetch";
  if (engine === "h1") {
    if (needsFetch !== undefined) {
      throw new TypeError(
        `Cannot use the h1 engine with ${needsFetch}: use engine 'fetch' or 'auto'`,
      );
    }
    return "h1";
  }
  return needsFetch === undefined ? "h1" : "fetch";
}

/**
 * Makes the engine a run asks for (see {@linkcode resolveEngine}).
 *
 * @param choice What the run asks for.
 * @returns The engine; the caller closes it.
 *
 * @example
 * ```ts
 * import { createEngine } from "./select.ts";
 * import { H1Engine } from "./h1.ts";
 * import assert from "node:assert/strict";
 *
 * const engine = createEngine({ maxIdle: 10 });
 * assert.ok(engine instanceof H1Engine);
 * engine.close();
 * ```
 */
export function createEngine(choice: EngineChoice): Engine {
  const { clientOptions = {}, maxIdle = Infinity } = choice;
  if (resolveEngine(choice) === "fetch") {
    return new FetchEngine({
      client: choice.client,
      clientOptions: { poolMaxIdlePerHost: Math.min(maxIdle, 2 ** 31 - 1), ...clientOptions },
    });
  }
  return new H1Engine({
    maxIdle: Math.min(maxIdle, clientOptions.poolMaxIdlePerHost ?? Infinity),
    caCerts: clientOptions.caCerts,
  });
}
