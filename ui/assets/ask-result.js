// The Ask panel's result: the table a question or a query produced, and its chart (the model's, or one drawn
// from a result column, against another column's values as labels or in row order).

import { drawChart, numericColumns, numericValues } from "./charts.js";
import { $, el, formatCount, formatValue, plural, showError } from "./dom.js";
import { labelledChartUrl } from "./label-chart.js";
import { latest } from "./latest.js";
import { renderTable } from "./table.js";

export function createResult() {
  // The result chart being drawn by the server (see latest.js): a newer table or a reset drops its reply.
  const charting = latest();
  let lastTable = null;

  function show(table, meta) {
    lastTable = table;
    $("result-card").hidden = false;
    $("result-meta").textContent = meta;
    renderTable($("result-table"), table, { label: "Query result", source: "rows produced" });
    const numeric = numericColumns(table.columns);
    $("result-chart-column").replaceChildren(...numeric.map((c) => el("option", { value: c.name }, c.name)));
    // Labels: any column, the first text-like one by default (a GROUP BY's key), else plain row order.
    const labelled = table.columns.find((c) => !numeric.includes(c));
    $("result-chart-x").replaceChildren(el("option", { value: "" }, "row order"),
      ...table.columns.map((c) => el("option", { value: c.name }, c.name)));
    $("result-chart-x").value = labelled ? labelled.name : "";
    $("result-chart-form").hidden = numeric.length === 0 || table.rows.length === 0;
    showError($("chart-error"), null);
    $("chart-figure").hidden = true;
    $("chart-card").hidden = $("result-chart-form").hidden;
  }

  /** The result and chart cards go out of view (what they showed belongs to other SQL). */
  function hide() {
    $("result-card").hidden = true;
    $("chart-card").hidden = true;
  }

  function showChartImage(src, alt, caption) {
    $("answer-chart").src = src;
    $("answer-chart").alt = alt;
    $("chart-caption").textContent = caption;
    $("chart-figure").hidden = false;
    $("chart-card").hidden = false;
  }

  /** Charts result column `column`; with `xColumn`, against that column's values as labels. */
  async function draw(column, kind, captionPrefix = "", xColumn = "") {
    if (!lastTable) return;
    const index = lastTable.columns.findIndex((c) => c.name === column);
    if (index < 0) return;
    const xIndex = xColumn ? lastTable.columns.findIndex((c) => c.name === xColumn) : -1;
    showError($("chart-error"), null);
    if (xIndex >= 0) {
      charting.drop();
      // Drawn here: `/chart` has no labels. A row whose value is empty takes its label with it.
      const points = lastTable.rows
        .map((row) => ({ value: numericValues([row], index).values[0], label: row[xIndex] }))
        .filter((p) => p.value !== undefined);
      const skipped = lastTable.rows.length - points.length;
      const image = labelledChartUrl({
        labels: points.map((p) => (p.label === null || p.label === undefined ? "(null)" : formatValue(p.label))),
        values: points.map((p) => p.value),
        kind,
        title: `${column} by ${xColumn}`,
        xLabel: xColumn,
        yLabel: column,
      });
      const parts = [`${captionPrefix}${plural(points.length, "value")} of ${column} by ${xColumn}`];
      if (skipped) parts.push(`${formatCount(skipped)} empty skipped`);
      showChartImage(image, `${kind} chart of ${column} by ${xColumn}`, parts.join(" · "));
      return;
    }
    const { values, skipped } = numericValues(lastTable.rows, index);
    const request = charting.start();
    try {
      const chart = await drawChart({ values, kind, title: column, xLabel: "row", yLabel: column }, request.signal);
      if (request.stale()) return;
      const parts = [`${captionPrefix}${plural(values.length, "value")} of ${column} in row order`];
      if (skipped) parts.push(`${formatCount(skipped)} empty skipped`);
      showChartImage(chart.image, `${kind} chart of ${column}`, parts.join(" · "));
    } catch (error) {
      if (!request.stale()) showError($("chart-error"), error);
    } finally {
      request.finish();
    }
  }

  /** The model's chart for an answer: shown as drawn, and the chart form set to redraw it. */
  function showProposed({ spec, image }) {
    showChartImage(image, `${spec.kind} chart of ${spec.y || spec.x}${spec.y ? ` by ${spec.x}` : ""}`,
      `${spec.kind} of ${spec.y ? `${spec.y} by ${spec.x}` : spec.x}, as the model proposed it`);
    if (spec.y) $("result-chart-column").value = spec.y;
    if (spec.y && lastTable.columns.some((c) => c.name === spec.x)) $("result-chart-x").value = spec.x;
  }

  /** A record's chart, redrawn over the rows its SQL gave again (when the chart still fits them). */
  async function redraw(result, spec) {
    if (!(result && spec && spec.y && spec.kind !== "histogram" && numericColumns(result.columns).some((c) => c.name === spec.y))) return;
    $("result-chart-column").value = spec.y;
    $("result-chart-kind").value = spec.kind;
    if (result.columns.some((c) => c.name === spec.x)) $("result-chart-x").value = spec.x;
    await draw(spec.y, spec.kind, "Redrawn from the re-run: ", spec.x);
  }

  $("result-chart-form").addEventListener("submit", (event) => {
    event.preventDefault();
    draw($("result-chart-column").value, $("result-chart-kind").value, "", $("result-chart-x").value);
  });

  return {
    show,
    hide,
    showProposed,
    redraw,
    /** Forgets the chart being drawn, if any: its reply belongs to what is no longer shown. */
    dropChart: () => charting.drop(),
    /** Forgets the table too (a reset). */
    clear: () => {
      lastTable = null;
    },
  };
}
