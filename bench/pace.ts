/**
 * The pace goals of issue 10, each a run of the CLI against a counting server in this process:
 *
 * - rate: 1,000 requests at `--rate 200` take 5 s (±5%); the achieved rate (arrivals at the
 *   server from the 100th to the last, past the opening of connections) is within 2% of R;
 * - duration: `--duration 4s --rate 500` makes 2,000 requests (±5%) and ends within 6 s;
 * - backoff: 2,000 requests at the default concurrency with `--retries 10` against a server that
 *   allows 200/s (429 with Retry-After past that) all succeed, sending at most 2.5x as many;
 * - under the limit: `--rate 180 --retries 3` against that server sends at most 2% more;
 * - per host: 4 hosts, a list sorted by host, `--per-host 5 --concurrency 100`: no host sees more
 *   than 5 at once, at least 15 in flight together.
 *
 * @module
 */

import { serveCounting } from "../tests/_pace_server.ts";
import { log, runCli, type Settings } from "./common.ts";
import type { Row } from "./table.ts";

/**
 * Runs the pace scenarios `repeat` times.
 *
 * @param settings The run's settings.
 * @returns The rows of the goals' table.
 */
export async function pace(settings: Settings): Promise<Row[]> {
  const rateSeconds: number[] = [], achieved: number[] = [];
  const durationCounts: number[] = [], durationWall: number[] = [];
  const backoffSent: number[] = [], backoffOk: number[] = [];
  const underSent: number[] = [];
  const hostMost: number[] = [], together: number[] = [];
  for (let i = 0; i < settings.repeat; i++) {
    {
      await using server = serveCounting();
      const { json } = await runCli(
        ["--url", `${server.url}{}`, "--count", "1000", "--rate", "200", "--json", "--quiet"],
        settings,
      );
      // The steady rate: from the 100th arrival to the last (the first open connections).
      const steady = server.arrivals.slice(99);
      const rate = (steady.length - 1) / ((steady.at(-1)! - steady[0]!) / 1000);
      rateSeconds.push(json.seconds);
      achieved.push(rate);
      log(`pace rate ${i + 1}: ${json.seconds} s, ${rate.toFixed(1)}/s from the 100th arrival`);
    }
    {
      await using server = serveCounting();
      const { json, result } = await runCli(
        ["--url", `${server.url}{}`, "--duration", "4s", "--rate", "500", "--json", "--quiet"],
        settings,
      );
      durationCounts.push(json.count);
      durationWall.push(result.seconds);
      log(`pace duration ${i + 1}: ${json.count} requests, process ${result.seconds} s`);
    }
    {
      await using server = serveCounting({ limit: { requests: 200, windowMs: 1000 } });
      const { json } = await runCli(
        ["--url", `${server.url}{}`, "--count", "2000", "--retries", "10", "--json", "--quiet"],
        settings,
      );
      backoffSent.push(server.arrivals.length);
      backoffOk.push(json.ok);
      log(`pace backoff ${i + 1}: ${json.ok} ok, ${server.arrivals.length} sent`);
    }
    {
      await using server = serveCounting({ limit: { requests: 200, windowMs: 1000 } });
      const args = ["--url", `${server.url}{}`, "--count", "1800", "--rate", "180"];
      const { json } = await runCli([...args, "--retries", "3", "--json", "--quiet"], settings);
      underSent.push(server.arrivals.length);
      log(`pace under the limit ${i + 1}: ${json.ok} ok, ${server.arrivals.length} sent`);
    }
    {
      const servers = [0, 1, 2, 3].map(() => serveCounting({ delayMs: 50 }));
      const list = await Deno.makeTempFile({ suffix: ".txt" });
      try {
        const urls = servers.flatMap((server) =>
          Array.from({ length: 200 }, (_, k) => `${server.url}${k}`)
        );
        await Deno.writeTextFile(list, urls.join("\n") + "\n");
        let most = 0;
        const sampler = setInterval(() => {
          most = Math.max(most, servers.reduce((sum, server) => sum + server.inFlight, 0));
        }, 5);
        try {
          await runCli(
            ["--urls", list, "--per-host", "5", "--concurrency", "100", "--json", "--quiet"],
            settings,
          );
        } finally {
          clearInterval(sampler);
        }
        hostMost.push(Math.max(...servers.map((server) => server.maxInFlight)));
        together.push(most);
        log(`pace per host ${i + 1}: a host saw ${hostMost.at(-1)}, ${most} together`);
      } finally {
        await Deno.remove(list);
        for (const server of servers) await server[Symbol.asyncDispose]();
      }
    }
  }
  const each = (value: number) => Array(settings.repeat).fill(value);
  return [
    {
      scenario: "pace: 1,000 requests at --rate 200, seconds vs 5 s",
      ours: { values: rateSeconds, unit: "s" },
      reference: { values: each(5), unit: "s" },
      ratios: rateSeconds.map((value) => value / 5),
      goal: "0.95–1.05",
      meets: (ratio) => ratio >= 0.95 && ratio <= 1.05,
    },
    {
      scenario: "pace: achieved rate, 100th arrival to the last, vs --rate 200",
      ours: { values: achieved, unit: "req/s" },
      reference: { values: each(200), unit: "req/s" },
      ratios: achieved.map((value) => value / 200),
      goal: "0.98–1.02",
      meets: (ratio) => ratio >= 0.98 && ratio <= 1.02,
    },
    {
      scenario: "pace: --duration 4s --rate 500, requests vs 2,000",
      ours: { values: durationCounts, unit: "requests" },
      reference: { values: each(2000), unit: "requests" },
      ratios: durationCounts.map((value) => value / 2000),
      goal: "0.95–1.05",
      meets: (ratio) => ratio >= 0.95 && ratio <= 1.05,
    },
    {
      scenario: "pace: --duration 4s --rate 500, whole process vs 6 s",
      ours: { values: durationWall, unit: "s" },
      reference: { values: each(6), unit: "s" },
      ratios: durationWall.map((value) => value / 6),
      goal: "≤ 1",
      meets: (ratio) => ratio <= 1,
    },
    {
      scenario: "pace: 2,000 at limit 1000, --retries 10, server allows 200/s: sent vs needed",
      ours: { values: backoffSent, unit: "requests" },
      reference: { values: backoffOk, unit: "ok" },
      ratios: backoffSent.map((value) => value / 2000),
      goal: "≤ 2.5, all ok",
      meets: (ratio) => ratio <= 2.5 && backoffOk.every((ok) => ok === 2000),
    },
    {
      scenario: "pace: --rate 180 --retries 3, server allows 200/s: sent vs 1,800 needed",
      ours: { values: underSent, unit: "requests" },
      reference: { values: each(1800), unit: "requests" },
      ratios: underSent.map((value) => value / 1800),
      goal: "≤ 1.02",
      meets: (ratio) => ratio <= 1.02,
    },
    {
      scenario: "pace: 4 hosts sorted, --per-host 5 --concurrency 100: most at one host",
      ours: { values: hostMost, unit: "in flight" },
      reference: { values: each(5), unit: "cap" },
      ratios: hostMost.map((value) => value / 5),
      goal: "≤ 1",
      meets: (ratio) => ratio <= 1,
    },
    {
      scenario: "pace: same run, most in flight together vs 15",
      ours: { values: together, unit: "in flight" },
      reference: { values: each(15), unit: "in flight" },
      ratios: together.map((value) => value / 15),
      goal: "≥ 1",
      meets: (ratio) => ratio >= 1,
    },
  ];
}
