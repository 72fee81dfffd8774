// Running the editor's SQL through `/query` (the same validator as a question's): one query at a time, its
// SQL read-only while it runs, its rows or the validator's issues shown, a late reply dropped.

import { ApiError, api } from "./api.js";
import { $, el, formatMs, plural, setBusyButton, showError } from "./dom.js";
import { latest } from "./latest.js";
import { renderIssues } from "./sql-editor.js";

export function createSqlRunner({ editor, getDataset, result }) {
  // The query running now (see latest.js): a reset, a newer query or a question drops it.
  const running = latest();

  async function run() {
    const dataset = getDataset();
    const sql = editor.value.trim();
    if (!dataset) return null;
    if (!sql) {
      const box = el("div", { class: "alert alert-error", role: "alert" });
      showError(box, new ApiError({ message: "The editor is empty: write a SELECT over the table data first." }));
      renderIssues($("sql-issues"), { errorNode: box });
      editor.setIssues([]);
      result.hide();
      editor.input.focus();
      return null;
    }
    const request = running.start();
    result.dropChart();
    setRunning(true);
    try {
      const table = await api(`/datasets/${encodeURIComponent(dataset.id)}/query`, { method: "POST", json: { sql }, signal: request.signal });
      if (request.stale()) return null;
      editor.setIssues([]);
      renderIssues($("sql-issues"), { notes: table.notes || [], editor });
      result.show(table, `${plural(table.row_count, "row")} · ${formatMs(table.elapsed_ms)}`);
      $("chart-figure").hidden = true;
      return table;
    } catch (error) {
      if (request.stale()) return null;
      const box = el("div", { class: "alert alert-error", role: "alert" });
      const issues = error.issues || [];
      // With issues, the server's message repeats them word for word; the list below says it once.
      showError(box, issues.length
        ? new ApiError({ code: error.code, traceId: error.traceId, message: "The SQL validator rejected this query, so it was not run:" })
        : error);
      renderIssues($("sql-issues"), { error, issues, editor, errorNode: box });
      editor.setIssues(error.issues || []);
      result.hide();
      return null;
    } finally {
      if (!request.stale()) {
        request.finish();
        setRunning(false);
      }
    }
  }

  /** While a query runs its SQL stays as sent (read-only), and Run waits. */
  function setRunning(busy) {
    setBusyButton($("sql-run"), busy);
    $("sql-run").classList.toggle("loading", busy);
    editor.input.readOnly = busy;
  }

  /** Forgets the running query and result chart, if any: their replies belong to what is no longer shown. */
  function stop() {
    running.drop();
    result.dropChart();
    setRunning(false);
  }

  return {
    run,
    stop,
    /** True while a query runs. */
    get busy() {
      return Boolean(running.current);
    },
  };
}
