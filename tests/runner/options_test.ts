import assert from "node:assert/strict";
import { checkRunOptions, idlePoolSize, MAX_REDIRECTS, MAX_RETRIES } from "../../runner/options.ts";
import { main } from "../../main.ts";

Deno.test("idlePoolSize() keeps what the concurrency, the per-origin cap and the client allow", () => {
  const cases: [Parameters<typeof idlePoolSize>[0], number][] = [
    [{}, 1000],
    [{ concurrency: 50 }, 50],
    [{ concurrency: 50, perHost: 4 }, 4],
    [{ concurrency: 50, clientOptions: { poolMaxIdlePerHost: 10 } }, 10],
    [{ concurrency: 5, clientOptions: { poolMaxIdlePerHost: 10 } }, 5],
    [{ clientOptions: { poolMaxIdlePerHost: 0 } }, 0],
  ];
  for (const [settings, size] of cases) assert.equal(idlePoolSize(settings), size);
});

Deno.test("The runner and the CLI share each limit", async () => {
  checkRunOptions({ retries: MAX_RETRIES, maxRedirects: MAX_REDIRECTS });
  assert.throws(() => checkRunOptions({ retries: MAX_RETRIES + 1 }), RangeError);
  assert.throws(() => checkRunOptions({ maxRedirects: MAX_REDIRECTS + 1 }), RangeError);
  const errors: string[] = [];
  const error = console.error;
  console.error = (line: string) => errors.push(line);
  try {
    const args = ["--url", "http://127.0.0.1:9/{}", "--count", "1"];
    assert.equal(await main([...args, "--retries", String(MAX_RETRIES + 1)]), 2);
    assert.equal(await main([...args, "--max-redirects", String(MAX_REDIRECTS + 1)]), 2);
  } finally {
    console.error = error;
  }
  assert.match(errors[0]!, new RegExp(`the most is ${MAX_RETRIES}$`));
  assert.match(errors[1]!, new RegExp(`the most is ${MAX_REDIRECTS}$`));
});
