/**
 * A fast static server to measure clients against: nginx with one worker on 127.0.0.1, a
 * generated config in a temporary directory, answering every request with a tiny body.
 *
 * @module
 */

import { type Background, freePort, start, waitForPort } from "./process.ts";

/** A running nginx from {@linkcode startNginx}. */
export interface Nginx extends AsyncDisposable {
  /** The port it listens on. */
  readonly port: number;
  /** Its base URL, such as `http://127.0.0.1:8080/`. */
  readonly url: string;
  /** Stops nginx and removes its directory. */
  stop(): Promise<void>;
}

/** Options for {@linkcode startNginx}. */
export interface NginxOptions {
  /** The nginx binary. @default {"nginx"} */
  binary?: string;
  /** Pins nginx (master and worker) to this CPU with `taskset -c`. */
  cpu?: number;
}

/**
 * Starts nginx with one worker on a free port of 127.0.0.1: `return 200` with a 3-byte body,
 * no access log, keep-alive for practically every request, 8192 connections per worker.
 *
 * @param options The binary and the CPU.
 * @returns The running server, once it accepts connections.
 * @throws {Error} When nginx does not start.
 */
export async function startNginx(options: NginxOptions = {}): Promise<Nginx> {
  const { binary = "nginx", cpu } = options;
  const dir = await Deno.makeTempDir({ prefix: "bench-nginx-" });
  await Deno.chmod(dir, 0o755); // a root master runs its worker as nobody
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) { // the free port may be taken meanwhile
    const port = freePort();
    await Deno.writeTextFile(`${dir}/nginx.conf`, config(dir, port));
    const process: Background = start(
      [binary, "-p", dir, "-c", `${dir}/nginx.conf`, "-e", `${dir}/error.log`],
      cpu === undefined ? {} : { cpu },
    );
    try {
      await waitForPort(port, process.child);
    } catch (error) {
      lastError = error;
      await process.stop();
      continue;
    }
    const stop = async () => {
      await process.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    };
    return { port, url: `http://127.0.0.1:${port}/`, stop, [Symbol.asyncDispose]: stop };
  }
  const log = await Deno.readTextFile(`${dir}/error.log`).catch(() => "");
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  throw new Error(`Cannot start nginx: ${lastError}\n${log.trim()}`);
}

function config(dir: string, port: number): string {
  return `daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 20000;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events {
  worker_connections 8192;
}
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / {
      default_type text/plain;
      return 200 "ok\\n";
    }
  }
}
`;
}
