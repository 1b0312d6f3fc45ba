/**
 * A million zero-delay requests to nginx at the CLI's defaults: the wall time, that none is lost,
 * and the soak (the client's RSS and open descriptors, sampled from /proc, do not grow after
 * warm-up). `--quick` makes 200,000 (the soak test that used to be in the suite).
 *
 * @module
 */

import { label, log, MB, runCli, type Settings } from "./common.ts";
import { startNginx } from "./nginx.ts";
import { ensureCommand } from "./process.ts";
import { type Growth, growthAfterWarmUp, WARM_UP } from "./soak.ts";
import { median, type Row } from "./table.ts";

/** Soak: descriptors the last third may hold above the middle third's peak. */
const FD_SLACK = 16;
/** Soak: the most the last third's peak RSS may exceed the middle third's. */
const RSS_GROWTH = 1.06;

/**
 * Runs the million `repeat` times; records the client's rate in `settings.clientRates`.
 *
 * @param settings The run's settings.
 * @returns The rows: wall time, requests lost, peak RSS, and the soak's growth.
 */
export async function million(settings: Settings): Promise<Row[]> {
  const nginxMissing = await ensureCommand("nginx", "nginx-light");
  if (nginxMissing !== undefined) {
    settings.notes.push(`million skipped: ${nginxMissing}`);
    return [{ scenario: "million against nginx", goal: "–", skipped: "nginx is missing" }];
  }
  const count = settings.quick ? 200_000 : 1_000_000;
  const sampleMs = settings.quick ? 100 : 500;
  const wall: number[] = [], rates: number[] = [], lost: number[] = [], rss: number[] = [];
  const rssGrowth: Growth[] = [], fdGrowth: Growth[] = [];
  await using nginx = await startNginx();
  for (let i = 0; i < settings.repeat; i++) {
    const { json, result } = await runCli(
      ["--url", `${nginx.url}{}`, "--count", String(count), "--json", "--quiet"],
      settings,
      { rss: true, sampleMs },
    );
    wall.push(result.seconds);
    rates.push(json.requestsPerSecond);
    lost.push(count - json.ok);
    rss.push((result.rssKb ?? NaN) / MB);
    const samples = result.samples ?? [];
    const memory = growthAfterWarmUp(samples.map((sample) => sample.rssKb / MB));
    const fds = growthAfterWarmUp(samples.map((sample) => sample.fds));
    if (memory && fds) {
      rssGrowth.push(memory);
      fdGrowth.push(fds);
    }
    log(
      `million ${i + 1}/${settings.repeat}: ${result.seconds.toFixed(2)} s, ` +
        `${json.requestsPerSecond} req/s, ${json.ok} ok, ${rss.at(-1)!.toFixed(1)} MB; soak: ` +
        (memory && fds
          ? `RSS ${memory.middle.toFixed(1)} -> ${memory.last.toFixed(1)} MB, ` +
            `descriptors ${fds.middle} -> ${fds.last} (${samples.length} samples)`
          : `only ${samples.length} samples`),
    );
  }
  settings.clientRates = rates;
  const name = `${label(count)} zero-delay requests to nginx, defaults`;
  const rows: Row[] = [
    {
      scenario: `million: wall time (process), ${name}, vs 60 s`,
      ours: { values: wall, unit: "s" },
      reference: { values: wall.map(() => 60), unit: "s" },
      ratios: wall.map((value) => value / 60),
      goal: "< 1.00",
      ...(settings.quick ? {} : { meets: (ratio: number) => ratio < 1 }),
    },
    {
      scenario: `million: requests not ok (lost or failed), ${name}`,
      ours: { values: lost, unit: "requests" },
      reference: { values: lost.map(() => count), unit: "requests" },
      ratios: lost.map((value) => value / count),
      goal: "0",
      meets: (ratio) => ratio === 0,
    },
    {
      scenario: `million: client rate (in-run), ${name}`,
      ours: { values: rates, unit: "req/s" },
      goal: "–",
    },
    {
      scenario: `million: peak RSS, ${name}`,
      ours: { values: rss, unit: "MB" },
      goal: "–",
    },
  ];
  const every = sampleMs >= 1000 ? `every ${sampleMs / 1000} s` : `every ${sampleMs} ms`;
  settings.notes.push(
    `soak: the client's VmRSS and /proc/PID/fd entries, read ${every} during the ${label(count)} ` +
      `run; the first ${WARM_UP * 100}% of the samples are warm-up, then the peak of the last ` +
      "third is compared with the peak of the middle third",
  );
  if (settings.quick) settings.notes.push("--quick: the million's 60 s goal is not judged");
  const soak = `soak after warm-up, ${name} (last third's peak vs middle third's)`;
  if (rssGrowth.length === 0) {
    const skipped = "too few samples (is /proc readable?)";
    rows.push({ scenario: `${soak}: RSS`, goal: `≤ ${RSS_GROWTH}`, skipped });
    return rows;
  }
  const middleFds = median(fdGrowth.map((growth) => growth.middle));
  rows.push(
    {
      scenario: `${soak}: RSS`,
      ours: { values: rssGrowth.map((growth) => growth.last), unit: "MB" },
      reference: { values: rssGrowth.map((growth) => growth.middle), unit: "MB" },
      ratios: rssGrowth.map((growth) => growth.last / growth.middle),
      goal: `≤ ${RSS_GROWTH}`,
      meets: (ratio) => ratio <= RSS_GROWTH,
    },
    {
      scenario: `${soak}: open descriptors`,
      ours: { values: fdGrowth.map((growth) => growth.last), unit: "fds" },
      reference: { values: fdGrowth.map((growth) => growth.middle), unit: "fds" },
      ratios: fdGrowth.map((growth) => growth.last / growth.middle),
      goal: `≤ +${FD_SLACK} fds`,
      meets: (ratio) => ratio * middleFds <= middleFds + FD_SLACK,
    },
  );
  return rows;
}
