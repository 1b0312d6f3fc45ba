/**
 * The flags about how requests go out and what becomes of the bodies:
 * headers, the HTTP client (CA certificates, proxy, protocol, keep-alive),
 * redirects, body limits and `--save`; and the network permission check
 * made before anything is sent.
 *
 * @module
 */

import denoJson from "../deno.json" with { type: "json" };
import type { SaveOptions } from "../runner/save.ts";
import { checkHeader } from "../sources/targets.ts";
import { blockedPort } from "../engine/fetch.ts";
import { ENGINE_NAMES, type EngineName } from "../engine/select.ts";
import { integer, UsageError } from "./args.ts";
import { openForReading, requirePermission } from "./files.ts";
import { MAX_REDIRECTS } from "../runner/options.ts";

/** The `User-Agent` the CLI sends when `--header` gives none (the h1 engine sends the same). */
export const USER_AGENT = `manyreq/${denoJson.version}`;

/**
 * The run's headers with the default `User-Agent` added when they have none.
 *
 * @param headers The `--header` pairs.
 * @returns The headers to send.
 */
export function withUserAgent(headers: [string, string][]): [string, string][] {
  const named = headers.some(([name]) => name.toLowerCase() === "user-agent");
  return named ? headers : [...headers, ["user-agent", USER_AGENT]];
}

/**
 * The HTTP version the run speaks, for the summary: HTTP/2 with `--http2`
 * (over TLS only); HTTP/1.1 with the h1 engine, over plain http, or with
 * `--http1`; and with fetch over https otherwise, whichever TLS negotiates (ALPN).
 *
 * @param flags `--http1`, `--http2`, `--engine` and `--proxy`.
 * @param url The `--url` template, if any.
 * @param bundled Whether the run aims at the bundled server (plain http).
 * @returns `h2`, `http/1.1`, or both as negotiated.
 */
export function protocolOf(
  flags: Parameters<typeof planEngine>[0] & { http1?: boolean | undefined },
  url: string | undefined,
  bundled: boolean,
): string {
  if (flags.http2) return "h2";
  if (planEngine(flags).resolved === "h1") return "http/1.1";
  if (flags.http1 || bundled || url?.startsWith("http:")) return "http/1.1";
  return "http/1.1, or h2 over https where the server offers it";
}

export const TRANSPORT_OPTIONS = {
  targets: { type: "string" },
  save: { type: "string" },
  "save-failed": { type: "boolean" },
  "max-bytes": { type: "string" },
  "max-redirects": { type: "string" },
  "ca-cert": { type: "string", multiple: true },
  proxy: { type: "string" },
  http1: { type: "boolean" },
  http2: { type: "boolean" },
  "no-keepalive": { type: "boolean" },
  engine: { type: "string" },
} as const;

/** The transport flags, checked. */
export interface TransportPlan {
  /** The engine asked for (`auto` by default). */
  engine: EngineName;
  /** Options of the HTTP client, without the pool size. */
  clientOptions: Deno.CreateHttpClientOptions;
  maxRedirects: number;
  maxBytes?: number;
  save?: SaveOptions;
}

/** Checks the transport flags, reading the CA certificate files; throws {@linkcode UsageError}. */
export async function planTransport(flags: {
  save?: string | undefined;
  "save-failed"?: boolean | undefined;
  "max-bytes"?: string | undefined;
  "max-redirects"?: string | undefined;
  "ca-cert"?: string[] | undefined;
  proxy?: string | undefined;
  http1?: boolean | undefined;
  http2?: boolean | undefined;
  "no-keepalive"?: boolean | undefined;
  engine?: string | undefined;
}): Promise<TransportPlan> {
  const clientOptions: Deno.CreateHttpClientOptions = {};
  if (flags.http1 && flags.http2) throw new UsageError("Cannot use --http1 and --http2 together");
  if (flags.http1) clientOptions.http2 = false;
  if (flags.http2) clientOptions.http1 = false;
  if (flags["no-keepalive"]) clientOptions.poolMaxIdlePerHost = 0;
  if (flags.proxy !== undefined) clientOptions.proxy = { url: checkProxy(flags.proxy) };
  const caCerts: string[] = [];
  for (const path of flags["ca-cert"] ?? []) caCerts.push(await readCertificate(path));
  if (caCerts.length > 0) clientOptions.caCerts = caCerts;
  const engine = planEngine(flags);
  const plan: TransportPlan = {
    engine: engine.name,
    clientOptions,
    maxRedirects: integer("max-redirects", flags["max-redirects"] ?? "20", 0, MAX_REDIRECTS),
  };
  if (flags["max-bytes"] !== undefined) plan.maxBytes = integer("max-bytes", flags["max-bytes"], 0);
  if (flags["save-failed"] && flags.save === undefined) {
    throw new UsageError("Cannot use --save-failed without --save DIR");
  }
  if (flags.save !== undefined) {
    requirePermission("write", flags.save);
    // Each body is renamed into place: that reads as well as writes.
    requirePermission("read", flags.save);
    const stat = await Deno.stat(flags.save).catch(() => undefined);
    if (stat !== undefined && !stat.isDirectory) {
      throw new UsageError(`Cannot save bodies under '${flags.save}' as it is not a directory`);
    }
    plan.save = { dir: flags.save, failed: flags["save-failed"] ?? false };
  }
  return plan;
}

/**
 * The `--engine` asked for, and the one it comes to (`auto`: h1 unless
 * `--proxy` or `--http2`); throws {@linkcode UsageError} on a bad name or h1
 * with what only fetch does.
 */
export function planEngine(flags: {
  engine?: string | undefined;
  proxy?: string | undefined;
  http2?: boolean | undefined;
}): { name: EngineName; resolved: "h1" | "fetch" } {
  const name = (flags.engine ?? "auto") as EngineName;
  if (!ENGINE_NAMES.includes(name)) {
    throw new UsageError(
      `Cannot use --engine '${flags.engine}': it must be ${ENGINE_NAMES.join(", ")}`,
    );
  }
  const needs = flags.proxy !== undefined ? "--proxy" : flags.http2 ? "--http2" : undefined;
  if (name === "h1" && needs !== undefined) {
    throw new UsageError(`Cannot use --engine h1 with ${needs}: only fetch does that`);
  }
  return { name, resolved: name === "fetch" || needs !== undefined ? "fetch" : "h1" };
}

/**
 * Refuses, before anything is sent, a port that fetch blocks (6000, 6665,
 * 10080, ...) when fetch carries the run; h1 does not block ports.
 */
export function requireUnblockedPorts(hosts: Iterable<string>, engine: "h1" | "fetch"): void {
  if (engine !== "fetch") return;
  for (const host of hosts) {
    const port = blockedPort(`http://${host}/`);
    if (port !== undefined) {
      throw new UsageError(
        `Cannot send requests to port ${port} with the fetch engine as fetch blocks it: ` +
          `use --engine h1 (or auto, without --proxy and --http2)`,
      );
    }
  }
}

/**
 * `--header 'Name: value'` flags as header pairs, every value of a repeated
 * name kept; a header the engine sets itself is refused (with fetch: `Host`,
 * `Content-Length`, `Connection` and the like; with h1 only the body's framing).
 */
export function parseHeaders(
  lines: string[],
  engine: "h1" | "fetch" = "fetch",
): [string, string][] {
  const headers: [string, string][] = [];
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (colon < 1) {
      throw new UsageError(`Cannot use header ${JSON.stringify(line)}: it must be 'Name: value'`);
    }
    try {
      checkHeader(name, value, engine);
    } catch (error) {
      throw new UsageError(`${(error as Error).message}: ${JSON.stringify(line)}`);
    }
    headers.push([name, value]);
  }
  return headers;
}

/**
 * Refuses, rather than prompts or fails every request, when network
 * permission is missing for a host known before the run.
 */
export function requireNetPermission(hosts: Iterable<string>): void {
  if (Deno.permissions.querySync({ name: "net" }).state === "granted") return;
  for (const host of hosts) {
    if (Deno.permissions.querySync({ name: "net", host }).state !== "granted") {
      throw new UsageError(
        `Cannot send requests to '${host}' as network permission is missing: ` +
          `run with --allow-net=${host} or -A`,
      );
    }
  }
}

/** The host (with its port, if any) of a URL, as `--allow-net` names it. */
export function netHost(url: string): string {
  return new URL(url).host;
}

function checkProxy(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`Cannot use --proxy '${text}' as it is not an absolute URL`);
  }
  if (!["http:", "https:", "socks5:", "socks5h:"].includes(url.protocol)) {
    throw new UsageError(`Cannot use --proxy '${text}' as its scheme is not http, https or socks5`);
  }
  return text;
}

async function readCertificate(path: string): Promise<string> {
  const file = await openForReading(path);
  const text = await new Response(file.readable).text();
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new UsageError(`Cannot use --ca-cert '${path}' as it holds no PEM certificate`);
  }
  return text;
}
