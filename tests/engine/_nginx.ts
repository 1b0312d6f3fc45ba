/**
 * nginx on a free loopback port for the differential suite, when it is
 * installed (`apt-get install nginx-light`): a short text, a static file
 * (gzipped, chunked, when asked), a redirect, its own 404 page.
 *
 * @module
 */

/** A running nginx. */
export interface TestNginx extends AsyncDisposable {
  url: string;
}

/**
 * Starts nginx, or returns `undefined` when it is not installed.
 *
 * @returns The server, once it accepts connections.
 */
export async function startTestNginx(): Promise<TestNginx | undefined> {
  const binary = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });
  if (binary === undefined) return undefined;
  const dir = await Deno.makeTempDir({ prefix: "engine-nginx-" });
  await Deno.chmod(dir, 0o755);
  await Deno.mkdir(`${dir}/www`);
  await Deno.writeTextFile(`${dir}/www/file.txt`, "nginx serves this line.\n".repeat(5000));
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  await Deno.writeTextFile(`${dir}/nginx.conf`, config(dir, port));
  const child = new Deno.Command(binary, {
    args: ["-p", dir, "-c", `${dir}/nginx.conf`, "-e", `${dir}/error.log`],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Exited.
    }
    await child.status;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  for (let tries = 0; tries < 100; tries++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return { url: `http://127.0.0.1:${port}`, [Symbol.asyncDispose]: stop };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  await stop();
  throw new Error("Cannot start nginx for the differential suite");
}

function config(dir: string, port: number): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${dir}/www;
    location = /text { default_type text/plain; return 200 "hello"; }
    location = /redirect { return 302 /text; }
    location = /file.txt { gzip on; gzip_types text/plain; gzip_min_length 1; }
  }
}
`;
}
