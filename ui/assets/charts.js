// Charts drawn by the server (`POST /chart`): a numeric column of a dataset or of a result table.

import { api } from "./api.js";
import { formatCount, isNumericDtype, quoteIdent } from "./dom.js";

/** How many values a quick chart fetches through `/query` (the server's default row cap). */
export const QUICK_CHART_ROWS = 10000;

/** Draws `values` with `/chart`; resolves to the ChartJson answer (`image` is a PNG data URL). */
export function drawChart({ values, kind, title, xLabel, yLabel }, signal) {
  return api("/chart", {
    method: "POST",
    signal,
    json: {
      values,
      kind,
      title: title ? String(title).slice(0, 200) : undefined,
      x_label: xLabel ? String(xLabel).slice(0, 200) : undefined,
      y_label: yLabel ? String(yLabel).slice(0, 200) : undefined,
      width: 880,
      height: 420,
    },
  });
}

/** The finite numbers of column `index` of a result's rows, and how many cells were skipped. */
export function numericValues(rows, index) {
  const values = [];
  let skipped = 0;
  for (const row of rows) {
    const v = row[index];
    if (typeof v === "number" && Number.isFinite(v)) values.push(v);
    // A BigInt cell (a whole number beyond 2^53) is drawn at its nearest double: a pixel cannot tell them apart.
    else if (typeof v === "bigint") values.push(Number(v));
    else skipped += 1;
  }
  return { values, skipped };
}

/** Columns of a result (or dataset) that can be charted. */
export function numericColumns(columns) {
  return columns.filter((c) => isNumericDtype(c.dtype));
}

/**
 * A quick chart of a dataset column: its values fetched with `/query` (the same validated path as any SQL),
 * then drawn by `/chart`. Resolves to `{chart, caption}`; `signal` aborts either request.
 */
export async function chartDatasetColumn(dataset, column, kind, signal) {
  const result = await api(`/datasets/${encodeURIComponent(dataset.id)}/query`, {
    method: "POST",
    signal,
    json: { sql: `SELECT ${quoteIdent(column)} FROM data`, limit: QUICK_CHART_ROWS },
  });
  const { values, skipped } = numericValues(result.rows, 0);
  if (values.length === 0) {
    throw Object.assign(new Error(`Column “${column}” has no numbers to draw (every value is empty).`), { code: "" });
  }
  const chart = await drawChart({ values, kind, title: `${column} — ${dataset.name}`, xLabel: "row", yLabel: column }, signal);
  const parts = [`${formatCount(values.length)} values of “${column}” in row order`];
  if (result.truncated) parts.push(`the first ${formatCount(result.rows.length)} of ${formatCount(result.row_count)} rows`);
  if (skipped) parts.push(`${formatCount(skipped)} empty skipped`);
  if (chart.drawn_points < chart.points) parts.push(`downsampled to ${formatCount(chart.drawn_points)} points`);
  return { chart, caption: parts.join(" · ") };
}
