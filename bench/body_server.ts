/**
 * The bodies scenario's server: `GET /big/N` answers a body of `--size` bytes (one buffer,
 * shared by every response); any other path answers a JSON document of about 2 kB naming it.
 *
 * `deno run --allow-net bench/body_server.ts PORT SIZE`
 *
 * @module
 */

const port = Number(Deno.args[0] ?? 8080);
const size = Number(Deno.args[1] ?? 5 * 1024 * 1024);
const big = new Uint8Array(size).fill(120);
const items = Array.from(
  { length: 20 },
  (_, i) => ({ id: i, name: `item ${i}`, tags: ["a", "b"], score: i / 7 }),
);

Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, (request) => {
  const path = new URL(request.url).pathname;
  if (path.startsWith("/big/")) return new Response(big);
  return Response.json({ path, items });
});
