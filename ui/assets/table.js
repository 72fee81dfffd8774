// Result and preview tables: paged on the client, numbers right-aligned, whitespace shown, long cells cut
// with the full value in the tooltip.

import { el, formatCount, formatValue, isNumericDtype } from "./dom.js";
import { stringifyJson } from "./json.js";

const LONG = 28; // characters past which a cell may be cut by CSS, so it carries its full text as a title

/** Whitespace a reader could not tell apart from one space: tabs, line breaks, runs, or at either end. */
const HIDDEN_SPACE = /[\t\r\n]| {2}|^\s|\s$/;

/**
 * A cell's text with its whitespace shown (the cell keeps it, `white-space: pre`): a tab and a line break
 * each carry a visible mark, and a line break stays on the row's one line. The characters themselves stay in
 * the text, so copying a cell copies the value.
 */
function spacedText(text) {
  if (!/[\t\r\n]/.test(text)) return [text];
  return text.split(/(\r\n|\r|\n|\t)/).filter(Boolean).map((part) =>
    part === "\t" ? el("span", { class: "ws ws-tab" }, part)
      : /^[\r\n]+$/.test(part) ? el("span", { class: "ws ws-break" }, part)
        : part);
}

function cell(value, numeric) {
  if (value === null || value === undefined) return el("td", { class: numeric ? "num null" : "null" }, "null");
  const text = formatValue(value);
  const full = typeof value === "object" ? stringifyJson(value) : String(value);
  const title = full.length > LONG || full !== text || HIDDEN_SPACE.test(full) ? full : undefined;
  const kind = typeof value === "boolean" ? "bool" : "";
  return el("td", { class: [numeric ? "num" : "", kind].join(" ").trim() || undefined, title }, spacedText(text));
}

/** A cell cut by the column's width shows its whole value as a tooltip, whatever its length. */
function titleWhenCut(event) {
  const td = event.target.closest?.("td");
  if (td && !td.title && td.scrollWidth > td.clientWidth) td.title = td.textContent;
}

/**
 * Renders `{columns, rows, row_count?, truncated?}` into `container`.
 * Options: `pageSize` (default 50), `rowNumbers` (show a # column), `label` (the table's accessible name),
 * `source` (what `row_count` counts, for the footer).
 */
export function renderTable(container, table, options = {}) {
  const pageSize = options.pageSize || 50;
  const columns = table.columns || [];
  const rows = table.rows || [];
  const numeric = columns.map((c, i) => isNumericDtype(c.dtype) || rows.some((r) => typeof r[i] === "number" || typeof r[i] === "bigint"));
  const pages = Math.max(1, Math.ceil(rows.length / pageSize));
  let page = 0;

  const head = el("thead", {}, el("tr", {},
    options.rowNumbers ? el("th", { class: "num rownum", scope: "col" }, "#") : null,
    columns.map((c, i) => el("th", { scope: "col", class: numeric[i] ? "num" : undefined, title: `${c.name} (${c.dtype})` },
      el("span", { class: "th-name" }, c.name), el("span", { class: "th-type" }, c.dtype)))));
  const body = el("tbody");
  const tableEl = el("table", { class: "data-table" }, options.label ? el("caption", { class: "visually-hidden" }, options.label) : null, head, body);
  const wrap = el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": options.label || "Table" }, tableEl);
  wrap.addEventListener("mouseover", titleWhenCut);

  const status = el("span", { class: "pager-status", "aria-live": "polite" });
  const prev = el("button", { type: "button", class: "btn btn-ghost btn-small", "aria-label": "Previous page" }, "‹ Previous");
  const next = el("button", { type: "button", class: "btn btn-ghost btn-small", "aria-label": "Next page" }, "Next ›");
  const pager = el("div", { class: "pager" }, status, el("span", { class: "pager-buttons" }, prev, next));

  function draw() {
    const start = page * pageSize;
    const slice = rows.slice(start, start + pageSize);
    body.replaceChildren(...slice.map((row, r) => el("tr", {},
      options.rowNumbers ? el("td", { class: "num rownum" }, String(start + r + 1)) : null,
      columns.map((_, i) => cell(row[i], numeric[i])))));
    if (rows.length === 0) {
      body.append(el("tr", {}, el("td", { class: "empty", colspan: String(columns.length + (options.rowNumbers ? 1 : 0)) }, "No rows.")));
    }
    const total = table.row_count ?? rows.length;
    const range = rows.length ? `Rows ${formatCount(start + 1)}–${formatCount(start + slice.length)}` : "No rows";
    status.textContent = `${range} of ${formatCount(rows.length)} shown` +
      (total !== rows.length ? ` · ${formatCount(total)} ${options.source || "in total"}` : "");
    const focused = document.activeElement;
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
    // The first or last page disables the button just pressed, which would drop the focus to the page.
    if (focused === next && next.disabled) prev.focus();
    if (focused === prev && prev.disabled) next.focus();
    pager.hidden = rows.length <= pageSize && total === rows.length;
  }
  prev.addEventListener("click", () => { page -= 1; draw(); });
  next.addEventListener("click", () => { page += 1; draw(); });
  draw();

  const parts = [wrap, pager];
  if (table.truncated) {
    parts.unshift(el("p", { class: "alert alert-info truncated-notice", role: "note" },
      `Truncated: the query produced ${formatCount(table.row_count)} rows; the first ${formatCount(rows.length)} are shown.`));
  }
  container.replaceChildren(...parts);
}

/** The schema table of a dataset: name, type, nulls and the numeric statistics, with a chart button. */
export function renderSchema(container, dataset, onChart) {
  const rows = dataset.columns.map((c) => {
    const numeric = isNumericDtype(c.dtype);
    const nullShare = dataset.row_count ? c.null_count / dataset.row_count : 0;
    return el("tr", {},
      el("th", { scope: "row", class: "col-name", title: c.name.length > LONG ? c.name : undefined }, c.name),
      el("td", {}, el("span", { class: `type-badge type-${typeFamily(c.dtype)}` }, c.dtype)),
      el("td", { class: "num", title: `${(nullShare * 100).toFixed(1)}% empty` },
        el("span", { class: c.null_count ? "nulls" : "muted" }, formatCount(c.null_count))),
      el("td", { class: "num", title: c.min !== undefined ? String(c.min) : undefined }, c.min !== undefined ? formatValue(c.min) : ""),
      el("td", { class: "num", title: c.max !== undefined ? String(c.max) : undefined }, c.max !== undefined ? formatValue(c.max) : ""),
      el("td", { class: "num" }, c.mean !== undefined && c.mean !== null ? formatValue(c.mean) : ""),
      el("td", { class: "actions" }, numeric
        ? el("button", { type: "button", class: "btn btn-ghost btn-small", "aria-label": `Chart ${c.name}`, onclick: () => onChart(c.name) }, "Chart")
        : null));
  });
  const table = el("table", { class: "data-table schema-table" },
    el("caption", { class: "visually-hidden" }, "Columns of the dataset"),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, "Column"), el("th", { scope: "col" }, "Type"),
      el("th", { scope: "col", class: "num" }, "Nulls"), el("th", { scope: "col", class: "num" }, "Min"),
      el("th", { scope: "col", class: "num" }, "Max"), el("th", { scope: "col", class: "num" }, "Mean"),
      el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, "Actions")))),
    el("tbody", {}, rows));
  container.replaceChildren(table);
}

function typeFamily(dtype) {
  if (isNumericDtype(dtype)) return "number";
  if (dtype === "str" || dtype.startsWith("cat") || dtype === "enum") return "text";
  if (dtype === "bool") return "bool";
  if (dtype.startsWith("date") || dtype.startsWith("time") || dtype.startsWith("duration")) return "time";
  return "other";
}
