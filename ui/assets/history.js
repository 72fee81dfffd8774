// The History tab: the dataset's past analyses from the audit trail (newest first); opening one shows it again.

import { api } from "./api.js";
import { recordBadge } from "./answer.js";
import { $, el, formatMs, plural, relativeTime, showError } from "./dom.js";

export function createHistory({ onOpen }) {
  let datasetId = null;

  async function load(id = datasetId) {
    datasetId = id;
    if (!id) return;
    try {
      const list = await api(`/datasets/${encodeURIComponent(id)}/analyses`);
      if (id !== datasetId) return;
      render(list.analyses || []);
      showError($("history-error"), null);
    } catch (error) {
      render([]);
      showError($("history-error"), error);
    }
  }

  function render(records) {
    $("history-count").textContent = records.length ? String(records.length) : "";
    $("history-empty").hidden = records.length > 0;
    $("history-list").replaceChildren(...records.map((record) => {
      const details = [
        record.model,
        record.row_count !== undefined && record.row_count !== null ? plural(record.row_count, "row") : null,
        record.timings ? formatMs(record.timings.total_ms) : null,
        record.error ? record.error.error?.code : null,
      ].filter(Boolean);
      // The record's outcome is one of five words; its error code says which failure it was, as on the card.
      const badge = recordBadge(record);
      return el("li", {}, el("button", {
        type: "button",
        class: "history-item",
        dataset: { traceId: record.trace_id },
        onclick: () => onOpen(record),
      },
      el("span", { class: "history-question" }, record.question),
      el("span", { class: "history-meta" },
        el("span", { class: `badge badge-label badge-outcome-${badge.outcome}` }, badge.label),
        el("time", { datetime: record.created_at, title: record.created_at }, relativeTime(record.created_at)),
        details.length ? el("span", { class: "muted" }, details.join(" · ")) : null)));
    }));
  }

  $("history-refresh").addEventListener("click", () => load());

  return { load, clear: () => render([]) };
}
