import assert from "node:assert/strict";
import {
  createDelayHandler,
  createDelaySequence,
  type DelayHandlerOptions,
  MAX_DELAY_SECONDS,
  serveDelay,
  spawnDelayServer,
} from "../server.ts";

const SERVER = new URL("../server.ts", import.meta.url).pathname;

/** Matches what `fetch` rejected with: Deno puts the details in the cause of "fetch failed". */
function fetchFailure(pattern: RegExp) {
  return (error: Error) => {
    assert.ok(error instanceof TypeError);
    assert.match(String(error.cause), pattern);
    return true;
  };
}

async function delays(handler: (request: Request) => Promise<Response>, count: number) {
  const result: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await handler(new Request(`http://x/${i}`));
    await response.body?.cancel();
    result.push(response.headers.get("delay") ?? "missing");
  }
  return result;
}

Deno.test("createDelayHandler() answers GET /{name} with a DELAY header and an HTML body", async () => {
  const handler = createDelayHandler({ maxDelay: 0.02 });
  const response = await handler(new Request("http://x/abc"));
  const delay = response.headers.get("delay");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
  assert.match(delay ?? "", /^0(\.\d{1,3})?$/);
  assert.equal(await response.text(), `<html><body>abc with delay ${delay}</body></html>`);
});

Deno.test("createDelayHandler() gives the same delays for the same seed", async () => {
  const options = { maxDelay: 0.003, seed: 42 };
  const first = await delays(createDelayHandler(options), 20);
  assert.deepEqual(await delays(createDelayHandler(options), 20), first);
  assert.notDeepEqual(await delays(createDelayHandler({ ...options, seed: 43 }), 20), first);
});

Deno.test("createDelayHandler() hands out the delays of createDelaySequence() in order", async () => {
  const next = createDelaySequence({ maxDelay: 0.003, seed: 9 });
  const expected = Array.from({ length: 20 }, () => String(next()));
  assert.deepEqual(await delays(createDelayHandler({ maxDelay: 0.003, seed: 9 }), 20), expected);
});

Deno.test("createDelayHandler() keeps its delays when faults are on", async () => {
  const faults = { error: 0.5, truncate: 0.3 };
  const handler = createDelayHandler({ maxDelay: 0.003, seed: 5, faults });
  const next = createDelaySequence({ maxDelay: 0.003, seed: 5 });
  const expected = Array.from({ length: 20 }, () => String(next()));
  assert.deepEqual(await delays(handler, 20), expected);
});

Deno.test("createDelaySequence() gives whole seconds from 0 to maxDelay for an integer", () => {
  const next = createDelaySequence({ maxDelay: 3, seed: 1 });
  const seen = new Set(Array.from({ length: 1000 }, next));
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3]);
});

Deno.test("createDelaySequence() gives milliseconds in [0, maxDelay] for a fraction", () => {
  const values = Array.from({ length: 1000 }, createDelaySequence({ maxDelay: 0.5 }));
  assert.ok(values.every((value) => value >= 0 && value <= 0.5));
  assert.ok(values.every((value) => Number.isInteger(Math.round(value * 1e6) / 1000)));
  assert.ok(new Set(values).size > 100);
});

Deno.test("createDelayHandler() answers 405 to other methods without taking a delay", async () => {
  const handler = createDelayHandler({ maxDelay: 0.003, seed: 3 });
  const response = await handler(new Request("http://x/abc", { method: "POST", body: "x" }));
  assert.equal(response.status, 405);
  assert.equal(response.headers.get("allow"), "GET, HEAD");
  const next = createDelaySequence({ maxDelay: 0.003, seed: 3 });
  assert.deepEqual(await delays(handler, 1), [String(next())]);
});

Deno.test("createDelayHandler() answers 503 when the request's signal aborts during a hang", async () => {
  const handler = createDelayHandler({ maxDelay: 0, faults: { hang: 1 } });
  const controller = new AbortController();
  const answer = handler(new Request("http://x/abc", { signal: controller.signal }));
  controller.abort();
  const response = await answer;
  assert.equal(response.status, 503);
  await response.body?.cancel();
});

Deno.test("createDelayHandler() throws RangeError on invalid options", () => {
  const table: [DelayHandlerOptions, RegExp][] = [
    [{ maxDelay: -1 }, /'maxDelay' must be a number from 0 to 3600: current value is -1$/],
    [{ maxDelay: NaN }, /'maxDelay'.*current value is NaN$/],
    [{ maxDelay: Infinity }, /'maxDelay'.*current value is Infinity$/],
    [{ maxDelay: MAX_DELAY_SECONDS + 1 }, /'maxDelay'.*current value is 3601$/],
    [{ seed: 1.5 }, /'seed' must be an integer: current value is 1.5$/],
    [{ slowDuration: -1 }, /'slowDuration'.*current value is -1$/],
    [{ retryAfter: -1 }, /'retryAfter' must be an integer from 0 to 3600: current value is -1$/],
    [{ retryAfter: 1.5 }, /'retryAfter'.*current value is 1.5$/],
    [{ faults: { drop: 2 } }, /'faults.drop' must be a number from 0 to 1: current value is 2$/],
    [{ faults: { hang: NaN } }, /'faults.hang'.*current value is NaN$/],
    [{ faults: { error: 0.6, slow: 0.6 } }, /must add up to at most 1: current sum is 1.2$/],
  ];
  for (const [options, message] of table) {
    assert.throws(() => createDelayHandler(options), (error: Error) => {
      assert.ok(error instanceof RangeError);
      assert.match(error.message, /^Cannot create delay handler as /);
      assert.match(error.message, message);
      return true;
    });
  }
  assert.throws(() => createDelaySequence({ maxDelay: -1 }), RangeError);
  assert.throws(() => serveDelay({ port: 70000 }), RangeError);
});

Deno.test("serveDelay() serves GET and HEAD on 127.0.0.1", async () => {
  await using server = serveDelay({ maxDelay: 0.005, seed: 2 });
  assert.equal(server.addr.hostname, "127.0.0.1");
  assert.equal(server.url, `http://127.0.0.1:${server.addr.port}/`);
  const next = createDelaySequence({ maxDelay: 0.005, seed: 2 });
  for (const name of ["a", "b", "c"]) {
    const response = await fetch(new URL(name, server.url));
    const delay = String(next());
    assert.equal(response.headers.get("delay"), delay);
    assert.ok(response.headers.has("date"));
    assert.equal(await response.text(), `<html><body>${name} with delay ${delay}</body></html>`);
  }
  const head = await fetch(new URL("d", server.url), { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("delay"), String(next()));
  assert.equal(await head.text(), "");
});

/** Serves with every request given `fault`, and fetches one page. */
function fetchFault(fault: string, options: DelayHandlerOptions = {}, init?: RequestInit) {
  const server = serveDelay({ maxDelay: 0, ...options, faults: { [fault]: 1 } });
  return {
    response: fetch(new URL("abc", server.url), init),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

Deno.test("serveDelay() answers 500 and 503 in turn for the error fault", async () => {
  await using server = serveDelay({ maxDelay: 0, faults: { error: 1 } });
  const statuses = [];
  for (let i = 0; i < 4; i++) {
    const response = await fetch(new URL("abc", server.url));
    await response.body?.cancel();
    statuses.push([response.status, response.headers.get("retry-after")]);
    assert.equal(response.headers.get("delay"), "0");
  }
  assert.deepEqual(statuses, [[500, null], [503, "1"], [500, null], [503, "1"]]);
});

Deno.test("createDelayHandler() sends its retryAfter on the error fault's 503 and when cancelled", async () => {
  const handler = createDelayHandler({ maxDelay: 0, faults: { error: 1 }, retryAfter: 0 });
  const answers = [];
  for (let i = 0; i < 2; i++) {
    const response = await handler(new Request(`http://x/${i}`));
    await response.body?.cancel();
    answers.push([response.status, response.headers.get("retry-after")]);
  }
  assert.deepEqual(answers, [[500, null], [503, "0"]]);
  const hang = createDelayHandler({ maxDelay: 0, faults: { hang: 1 }, retryAfter: 7 });
  const response = await hang(new Request("http://x/a", { signal: AbortSignal.abort() }));
  await response.body?.cancel();
  assert.deepEqual([response.status, response.headers.get("retry-after")], [503, "7"]);
});

Deno.test("serveDelay() makes fetch reject for the drop fault", async () => {
  await using faulty = fetchFault("drop");
  await assert.rejects(faulty.response, fetchFailure(/message head is too large/));
});

Deno.test("serveDelay() never answers for the hang fault until the client gives up", async () => {
  await using faulty = fetchFault("hang", {}, { signal: AbortSignal.timeout(100) });
  await assert.rejects(faulty.response, { name: "TimeoutError" });
});

Deno.test("serveDelay() answers hung requests 503 when it shuts down", async () => {
  const server = serveDelay({ maxDelay: 0, faults: { hang: 1 } });
  const response = fetch(new URL("abc", server.url));
  await new Promise((resolve) => setTimeout(resolve, 50));
  await server.shutdown();
  const answer = await response;
  assert.equal(answer.status, 503);
  await answer.body?.cancel();
});

Deno.test("serveDelay() cuts the body short for the truncate fault", async () => {
  await using faulty = fetchFault("truncate");
  const response = await faulty.response;
  assert.equal(response.status, 200);
  const body = "<html><body>abc with delay 0</body></html>";
  assert.equal(response.headers.get("content-length"), String(body.length));
  const reader = response.body!.getReader();
  const first = await reader.read();
  assert.equal(new TextDecoder().decode(first.value), body.slice(0, body.length >> 1));
  await assert.rejects(reader.read(), /error reading a body from connection/);
});

Deno.test("serveDelay() sends the body in chunks over time for the slow fault", async () => {
  await using faulty = fetchFault("slow", { slowDuration: 300 });
  const start = performance.now();
  const response = await faulty.response;
  let chunks = 0;
  let text = "";
  for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) {
    chunks++;
    text += chunk;
  }
  assert.equal(text, "<html><body>abc with delay 0</body></html>");
  assert.ok(chunks >= 5, `${chunks} chunks`);
  assert.ok(performance.now() - start >= 250);
});

Deno.test("serveDelay() shuts down when its signal aborts", async () => {
  const controller = new AbortController();
  const server = serveDelay({ signal: controller.signal });
  controller.abort();
  await server.finished;
  await assert.rejects(fetch(server.url), fetchFailure(/Connection refused/));
});

Deno.test("spawnDelayServer() serves from a worker and closes it", async () => {
  const server = await spawnDelayServer({ maxDelay: 0, seed: 4 });
  const response = await fetch(new URL("abc", server.url));
  assert.equal(await response.text(), "<html><body>abc with delay 0</body></html>");
  await server.close();
  await assert.rejects(fetch(server.url), fetchFailure(/Connection refused/));
});

Deno.test("spawnDelayServer() rejects with the server's error", async () => {
  await assert.rejects(spawnDelayServer({ maxDelay: -1 }), RangeError);
});

/** Starts the CLI with `args`, under a file descriptor limit if given, and waits for its URL. */
async function startCli(args: string[], fdLimit?: number) {
  const deno = [Deno.execPath(), "run", "--allow-net", SERVER, ...args];
  const command = fdLimit === undefined
    ? new Deno.Command(deno[0]!, { args: deno.slice(1), stdout: "piped", stderr: "piped" })
    : new Deno.Command("bash", {
      args: ["-c", `ulimit -n ${fdLimit} && exec "$@"`, "bash", ...deno],
      stdout: "piped",
      stderr: "piped",
    });
  const child = command.spawn();
  const stderr = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value = "" } = await lines.read();
  await lines.cancel();
  let stopped: Promise<void> | undefined;
  return {
    url: value.match(/^Listening on (http:\S+)\n$/)?.[1] ?? value,
    stderr,
    /** Sends SIGTERM once, and checks that the CLI exits 0. */
    [Symbol.asyncDispose]() {
      stopped ??= (async () => {
        child.kill("SIGTERM");
        const [{ code }] = await Promise.all([child.status, stderr]);
        assert.equal(code, 0);
      })();
      return stopped;
    },
  };
}

Deno.test("the CLI prints its URL, serves, and exits 0 on SIGTERM", async () => {
  await using cli = await startCli(["--port", "0", "--max-delay", "0", "--seed", "3"]);
  assert.match(cli.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const response = await fetch(new URL("abc", cli.url));
  assert.equal(await response.text(), "<html><body>abc with delay 0</body></html>");
});

Deno.test("the CLI exits 2 with one line on stderr for a bad flag", async () => {
  for (const args of [["--bogus"], ["--max-delay", "x"], ["--drop", "2"], ["--port=-1"]]) {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", SERVER, ...args],
    }).output();
    const message = new TextDecoder().decode(stderr);
    assert.equal(code, 2, message);
    assert.equal(stdout.length, 0);
    assert.match(message, /^error: [^\n]+\n$/);
  }
});

Deno.test("serveDelay() keeps serving after running out of file descriptors", async () => {
  await using cli = await startCli(["--port", "0", "--max-delay", "0.2"], 64);
  const port = Number(new URL(cli.url).port);
  const conns = await Promise.allSettled(
    Array.from({ length: 200 }, () => Deno.connect({ hostname: "127.0.0.1", port })),
  );
  const request = new TextEncoder().encode("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
  const open = conns.flatMap((conn) => conn.status === "fulfilled" ? [conn.value] : []);
  await Promise.allSettled(open.map((conn) => conn.write(request)));
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const conn of open) conn.close();
  let status = 0;
  for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    try {
      const response = await fetch(new URL("after", cli.url));
      status = response.status;
      await response.body?.cancel();
    } catch {
      // Not listening again yet: try once more.
    }
  }
  assert.equal(status, 200);
  await cli[Symbol.asyncDispose]();
  assert.match(await cli.stderr, /Accepting failed, listening again: .*Too many open files/);
});
