/**
 * Small SVG charts as strings, with axes, units and a legend: lines over
 * time, bars stacked over time, and a bar per category. Nothing about HTTP;
 * the HTML report draws its pictures with them.
 *
 * @module
 */

/** One line, or one layer of stacked bars. */
export interface Series {
  /** The legend's name. */
  name: string;
  /** A CSS colour. */
  color: string;
  /** One value per x; `null` leaves a gap in a line. */
  values: readonly (number | null)[];
}

/** Options for {@linkcode timeChart}. */
export interface TimeChartOptions {
  /** What the y axis measures, with its unit, such as "requests/s". */
  unit: string;
  /** The seconds each value covers, from 0. */
  stepSeconds: number;
  /** The series, drawn in order. */
  series: readonly Series[];
  /**
   * "line" draws a line per series; "stacked" stacks bars per x.
   *
   * @default {"line"}
   */
  kind?: "line" | "stacked";
  /**
   * The chart's width in pixels.
   *
   * @default {960}
   */
  width?: number;
  /**
   * The chart's height in pixels.
   *
   * @default {220}
   */
  height?: number;
  /**
   * When x = 0 is, in milliseconds since the epoch: the x axis then reads
   * wall-clock time (UTC) instead of seconds from 0.
   */
  startMs?: number;
}

const MARGIN = { left: 64, right: 16, top: 28, bottom: 34 };

/** Escapes text for HTML and SVG. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** About `count` round tick values from 0 to at least `max`. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const ticks = [0];
  while (ticks.at(-1)! < max) ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

/** A number for an axis label: 1.5k, 2M, 0.25. */
export function shortNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (abs >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`;
  return `${Number(value.toPrecision(4))}`;
}

/** The horizontal grid lines at `ticks`, each labelled at the left of the plot. */
function yGrid(ticks: readonly number[], y: (value: number) => number, width: number): string {
  let grid = "";
  for (const tick of ticks) {
    grid += `<line class="grid" x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${
      y(tick)
    }" y2="${y(tick)}"/><text class="y" x="${MARGIN.left - 6}" y="${y(tick) + 4}">${
      shortNumber(tick)
    }</text>`;
  }
  return grid;
}

function legend(series: readonly Series[], x: number): string {
  let offset = x;
  return series.map((one) => {
    const item = `<rect x="${offset}" y="8" width="10" height="10" fill="${one.color}"/>` +
      `<text x="${offset + 14}" y="17">${escapeHtml(one.name)}</text>`;
    offset += 24 + one.name.length * 7;
    return item;
  }).join("");
}

/**
 * A chart of values over time, as an SVG element.
 *
 * @param options The {@linkcode TimeChartOptions}.
 * @returns The `<svg>` markup.
 *
 * @example
 * ```ts
 * import { timeChart } from "./_svg_chart.ts";
 * import assert from "node:assert/strict";
 *
 * const svg = timeChart({ unit: "requests/s", stepSeconds: 1, series: [{ name: "done", color: "#36c", values: [1, 5, 3] }] });
 * assert.match(svg, /^<svg[^>]+viewBox="0 0 960 220"/);
 * assert.match(svg, /<polyline/);
 * ```
 */
export function timeChart(options: TimeChartOptions): string {
  const { unit, stepSeconds, series, kind = "line", width = 960, height = 220, startMs } = options;
  const xLabel = (s: number) =>
    startMs === undefined
      ? shortNumber(s)
      : new Date(startMs + s * 1000).toISOString().slice(11, s % 1 === 0 ? 19 : 22);
  const n = Math.max(1, ...series.map((one) => one.values.length));
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const totals = new Array<number>(n).fill(0);
  let max = 0;
  for (const one of series) {
    for (let i = 0; i < one.values.length; i++) {
      totals[i]! += one.values[i] ?? 0;
      max = Math.max(max, kind === "stacked" ? totals[i]! : one.values[i] ?? 0);
    }
  }
  const yTicks = niceTicks(max);
  const top = yTicks.at(-1)!;
  const seconds = n * stepSeconds;
  const xTicks = niceTicks(seconds, startMs === undefined ? 8 : 6).filter((t) => t <= seconds);
  const x = (s: number) => MARGIN.left + (s / seconds) * plotW;
  const y = (v: number) => MARGIN.top + plotH - (v / top) * plotH;
  let body = yGrid(yTicks, y, width);
  for (const tick of xTicks) {
    body += `<line class="tick" x1="${x(tick)}" x2="${x(tick)}" y1="${MARGIN.top + plotH}" y2="${
      MARGIN.top + plotH + 4
    }"/><text class="${x(tick) > width - MARGIN.right - 30 ? "end" : "x"}" x="${x(tick)}" y="${
      MARGIN.top + plotH + 16
    }">${xLabel(tick)}</text>`;
  }
  const barW = Math.max(plotW / n, 0.5);
  if (kind === "stacked") {
    const base = new Array<number>(n).fill(0);
    for (const one of series) {
      let path = "";
      for (let i = 0; i < one.values.length; i++) {
        const value = one.values[i] ?? 0;
        if (value <= 0) continue;
        const x0 = MARGIN.left + i * (plotW / n);
        path += `M${x0.toFixed(1)} ${y(base[i]! + value).toFixed(1)}h${barW.toFixed(2)}V${
          y(base[i]!).toFixed(1)
        }h${(-barW).toFixed(2)}Z`;
        base[i]! += value;
      }
      if (path) body += `<path fill="${one.color}" d="${path}"/>`;
    }
  } else {
    for (const one of series) {
      // One polyline per run of values without a gap.
      let points: string[] = [];
      const flush = () => {
        if (points.length === 1) points.push(points[0]!);
        if (points.length > 0) {
          body += `<polyline fill="none" stroke="${one.color}" stroke-width="1.5" points="${
            points.join(" ")
          }"/>`;
        }
        points = [];
      };
      for (const [i, value] of one.values.entries()) {
        if (value === null) flush();
        else points.push(`${x((i + 0.5) * stepSeconds).toFixed(1)},${y(value).toFixed(1)}`);
      }
      flush();
    }
  }
  body += `<line class="axis" x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${
    MARGIN.top + plotH
  }"/><line class="axis" x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${
    MARGIN.top + plotH
  }" y2="${MARGIN.top + plotH}"/>`;
  body += `<text class="unit" x="4" y="17">${escapeHtml(unit)}</text>`;
  body += `<text class="end" x="${width - MARGIN.right}" y="${height - 2}">` +
    `${startMs === undefined ? "seconds since the first request" : "time (UTC)"}</text>`;
  body += legend(series, MARGIN.left + 120);
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
    `data-step="${stepSeconds}" data-n="${n}" data-left="${MARGIN.left}" data-plot="${plotW}" ` +
    `xmlns="http://www.w3.org/2000/svg">${body}</svg>`;
}

/**
 * A bar per category, as an SVG element: a histogram with labelled ranges.
 *
 * @param labels One label per bar.
 * @param values One value per bar.
 * @param unit What the y axis counts.
 * @param color The bars' colour.
 * @returns The `<svg>` markup.
 */
export function barChart(
  labels: readonly string[],
  values: readonly number[],
  unit: string,
  color: string,
): string {
  const width = 960;
  const height = 260;
  const bottom = 80;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - bottom;
  const yTicks = niceTicks(Math.max(0, ...values));
  const top = yTicks.at(-1)!;
  const y = (v: number) => MARGIN.top + plotH - (v / top) * plotH;
  const slot = plotW / Math.max(1, values.length);
  let body = yGrid(yTicks, y, width);
  for (const [i, value] of values.entries()) {
    const x0 = MARGIN.left + i * slot;
    body += `<rect fill="${color}" x="${(x0 + 1).toFixed(1)}" y="${y(value).toFixed(1)}" width="${
      Math.max(0.5, slot - 2).toFixed(1)
    }" height="${(MARGIN.top + plotH - y(value)).toFixed(1)}"><title>${
      escapeHtml(labels[i]!)
    }: ${value}</title></rect>`;
    const cx = x0 + slot / 2;
    const ly = MARGIN.top + plotH + 10;
    // Anchored at their end and turned down to the left, so none runs off the right edge.
    body += `<text class="end" transform="translate(${cx.toFixed(1)} ${ly}) rotate(-40)">${
      escapeHtml(labels[i]!)
    }</text>`;
  }
  body += `<line class="axis" x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${
    MARGIN.top + plotH
  }" y2="${MARGIN.top + plotH}"/><text class="unit" x="4" y="17">${escapeHtml(unit)}</text>`;
  return `<svg class="bars" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
    `xmlns="http://www.w3.org/2000/svg">${body}</svg>`;
}
