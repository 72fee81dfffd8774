// The answer card: the question, the summary, the validator's verdict (rule ids) and the review's opinion,
// and where the time went. Used for a fresh analysis and for one reopened from the history.

import { ApiError } from "./api.js";
import { $, el, formatMs, relativeTime, showError, traceIdChip } from "./dom.js";
import { issueItem } from "./sql-editor.js";

const OUTCOME_LABEL = {
  answered: "Answered",
  rejected: "Rejected",
  failed: "Failed",
  unavailable: "Unavailable",
  // The client left (a closed tab, Stop): the server stopped the analysis.
  cancelled: "Cancelled",
};

/** Failures that are usually over soon: the card says asking again may work. */
const TRANSIENT = new Set(["llm_timeout", "sidecar_timeout", "llm_unavailable", "sidecar_unavailable", "llm_rate_limited", "network"]);

/** True when every issue is `bad_output`: the model answered in prose, so there was no SQL to validate. */
export function noSqlWritten(issues) {
  return Boolean(issues?.length) && issues.every((i) => i.rule === "bad_output");
}

/**
 * Why an analysis did not answer, as a badge: `{outcome, label, retry}`, `outcome` choosing its colour and
 * `retry` saying asking again may work. The code says whose problem it is (the question, the query, the model,
 * the service), which one "Unavailable" for all hid.
 */
export function failureBadge(error) {
  const badge = failureKind(error);
  return { ...badge, retry: TRANSIENT.has(error?.code || "") };
}

function failureKind(error) {
  const code = error?.code || "";
  if (noSqlWritten(error?.issues)) return { outcome: "rejected", label: "No SQL written" };
  if (error?.issues?.length) return { outcome: "rejected", label: "Rejected" };
  if (code === "invalid_input") return { outcome: "invalid", label: "Invalid question" };
  if (code === "codegen_failed") return { outcome: "rejected", label: "No valid SQL" };
  if (code === "query_timeout" || code === "query_too_large") return { outcome: "failed", label: "Query too costly" };
  if (code === "query_failed" || code === "validation_failed") return { outcome: "failed", label: "Failed" };
  if (code === "dataset_not_found") return { outcome: "failed", label: "Dataset gone" };
  if (code === "llm_not_configured") return { outcome: "unavailable", label: "No LLM" };
  if (code === "llm_rate_limited") return { outcome: "unavailable", label: "Rate limited" };
  if (code === "llm_refused") return { outcome: "failed", label: "Model refused" };
  if (code === "llm_timeout" || code === "sidecar_timeout") return { outcome: "unavailable", label: "Timed out" };
  if (code === "llm_unavailable") return { outcome: "unavailable", label: "LLM unavailable" };
  if (code.startsWith("llm_")) return { outcome: "failed", label: "LLM error" };
  if (code === "stream_ended") return { outcome: "unavailable", label: "Interrupted" };
  return { outcome: "unavailable", label: "Unavailable" };
}

/** An audit record's badge, the same in the History list and on the card it reopens as. */
export function recordBadge(record) {
  if (record.error) return failureBadge(ApiError.fromBody(0, record.error, record.trace_id, ""));
  return { outcome: record.outcome, label: OUTCOME_LABEL[record.outcome] || record.outcome, retry: false };
}

const REVIEW_LABEL = {
  answers: "Answers the question",
  doubtful: "Doubtful",
  wrong: "Does not answer it",
};

/** The static verdict (authoritative) and the LLM review (advisory), or a plain note when absent. */
export function renderVerdict(container, validation, editor) {
  if (!validation) {
    container.replaceChildren();
    return;
  }
  const valid = validation.is_valid;
  // A prose answer never reached the validator: saying it rejected something would blame the wrong step.
  const noSql = !valid && noSqlWritten(validation.issues);
  const [heading, detail] = valid
    ? ["Passed the SQL validator", "One read-only query over the table data, with allowlisted functions only."]
    : noSql
      ? ["The model wrote no SQL", "Its answer held no query, so there was nothing to check or run."]
      : ["Rejected by the SQL validator", "It was not executed."];
  const parts = [
    el("div", { class: `verdict-row ${valid ? "verdict-ok" : "verdict-bad"}` },
      el("span", { class: "verdict-icon", "aria-hidden": "true" }, valid ? "✓" : "✕"),
      el("div", {}, el("strong", {}, heading), el("p", { class: "muted small" }, detail))),
  ];
  if (validation.issues && validation.issues.length) {
    parts.push(el("ul", { class: "issue-list", "aria-label": valid ? "Validator notes" : "Validation issues" },
      validation.issues.map((i) => issueItem(i, editor, valid ? "note" : "error"))));
  }
  const review = validation.review;
  // A rejected query is never reviewed; saying so adds nothing.
  if (!valid && !review) {
    container.replaceChildren(...parts);
    return;
  }
  parts.push(review
    ? el("div", { class: `review review-${review.verdict}` },
        el("span", { class: "review-title" }, "LLM review"),
        el("span", { class: `badge badge-review-${review.verdict}` }, REVIEW_LABEL[review.verdict] || review.verdict),
        el("p", { class: "review-comments" }, review.comments || ""),
        el("p", { class: "muted small" }, "Advisory: the review can flag a query, never approve one the validator rejects."))
    : el("div", { class: "review review-none" },
        el("span", { class: "review-title" }, "LLM review"),
        el("span", { class: "muted small" }, "Not given for this query.")));
  container.replaceChildren(...parts);
}

function metaItem(label, value) {
  if (value === undefined || value === null || value === "") return [];
  return [el("dt", {}, label), el("dd", {}, value)];
}

/**
 * Fills the answer card from an AnalyzeResponse (`source: "live"`) or an AnalysisRecord (`source: "history"`).
 * `error` is an ApiError when the analysis did not answer; `label` overrides the outcome's badge text; `retry`
 * adds that asking again may work.
 */
export function renderAnswer({ question, summary, outcome, label, retry, validation, model, attempts, timings, traceId, createdAt, notes, error, rowCount }, editor) {
  $("answer-card").hidden = false;
  $("answer-question").textContent = question || "";
  $("answer-summary").textContent = summary || "";
  $("answer-summary").hidden = !summary;
  const badge = $("answer-outcome");
  badge.textContent = label || OUTCOME_LABEL[outcome] || outcome || "";
  badge.className = `badge badge-label badge-outcome-${outcome}`;

  const t = timings || {};
  const timing = t.total_ms !== undefined
    ? `${formatMs(t.total_ms)} (model ${formatMs(t.codegen_ms)}, checks ${formatMs(t.validate_ms)}, query ${formatMs(t.execute_ms)})`
    : "";
  $("answer-meta").replaceChildren(
    ...metaItem("Model", model),
    ...metaItem("Model answers", attempts ? String(attempts) : ""),
    ...metaItem("Rows", rowCount !== undefined && rowCount !== null ? Number(rowCount).toLocaleString("en-US") : ""),
    ...metaItem("Time", timing),
    ...metaItem("Asked", createdAt ? el("time", { datetime: createdAt, title: createdAt }, relativeTime(createdAt)) : ""),
    // A failed analysis shows its trace id with the error instead.
    ...metaItem("Trace id", traceId && !error ? traceIdChip(traceId, { label: "" }) : ""),
  );

  renderVerdict($("verdict"), validation, editor);

  const list = $("answer-notes");
  const items = [...(notes || []).map((n) => el("li", {}, n))];
  list.replaceChildren(...items);
  list.hidden = items.length === 0;

  showError($("answer-error"), error || null);
  if (error && retry) $("answer-error").append(el("p", { class: "alert-hint" }, "This is usually temporary: ask again in a moment."));
}

export function hideAnswer() {
  $("answer-card").hidden = true;
}
