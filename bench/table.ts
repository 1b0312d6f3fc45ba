/**
 * The bench's one table: each row a scenario with our figure, the reference figure and their
 * ratio, each as the median over the repeats with the spread (min–max), the goal, and whether
 * the median ratio meets it.
 *
 * @module
 */

/** Figures from the repeats of one measurement, in one unit. */
export interface Figure {
  /** One value per repeat. */
  values: number[];
  /** The unit: `s`, `ms`, `req/s`, `MB`, `µs` or `fds` (open descriptors). */
  unit: string;
}

/** One row of the table. */
export interface Row {
  /** The scenario's name and setting. */
  scenario: string;
  /** Our figure; absent when it could not be measured. */
  ours?: Figure;
  /** The reference figure; absent when it could not be measured. */
  reference?: Figure;
  /** One ratio per repeat, ours / reference. */
  ratios?: number[];
  /** The goal, as text, such as `≤ 1.02`. */
  goal: string;
  /** Whether a median ratio meets the goal; absent for an informational row. */
  meets?: (ratio: number) => boolean;
  /** Why the row is incomplete, shown in the result column. */
  skipped?: string;
}

/**
 * The median of some numbers (the mean of the middle two for an even count).
 *
 * @param values The numbers, at least one.
 * @returns The median.
 */
export function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Formats rows as a Markdown table.
 *
 * @param rows The rows.
 * @returns The table, one line per row after the header.
 */
export function formatTable(rows: Row[]): string {
  const lines = [
    ["scenario", "ours", "reference", "ratio", "goal", "result"],
    ["---", "---:", "---:", "---:", "---", "---"],
  ];
  for (const row of rows) {
    const ratio = row.ratios?.length ? median(row.ratios) : undefined;
    let result = "info";
    if (row.skipped !== undefined) result = `skipped: ${row.skipped}`;
    else if (row.meets && ratio !== undefined) result = row.meets(ratio) ? "pass" : "FAIL";
    lines.push([
      row.scenario,
      formatFigure(row.ours),
      formatFigure(row.reference),
      row.ratios?.length ? spread(row.ratios, (value) => value.toFixed(3)) : "–",
      row.goal,
      result,
    ]);
  }
  return lines.map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

function formatFigure(figure: Figure | undefined): string {
  if (!figure?.values.length) return "–";
  const digits = figure.unit === "s" || figure.unit === "x"
    ? 2
    : figure.unit === "MB" || figure.unit === "µs" || figure.unit === "ms"
    ? 1
    : 0;
  const text = (value: number) =>
    value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${spread(figure.values, text)} ${figure.unit}`;
}

/**
 * Figures as `median (min–max)`, or just the value when there is one.
 *
 * @param values The figures, at least one.
 * @param text Formats one figure.
 * @returns The text.
 */
export function spread(values: number[], text: (value: number) => string): string {
  if (values.length === 1) return text(values[0]!);
  return `${text(median(values))} (${text(Math.min(...values))}–${text(Math.max(...values))})`;
}
