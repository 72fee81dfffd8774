// The Ask panel: a question streamed through generate → validate → run and the answer it produced, the SQL
// editor's own runs, and a past analysis opened again. Its parts: the progress (ask-stages.js), running SQL
// (ask-run.js), the result table and chart (ask-result.js).

import { ApiError, streamAnalyze } from "./api.js";
import { failureBadge, hideAnswer, recordBadge, renderAnswer, renderVerdict } from "./answer.js";
import { createSqlRunner } from "./ask-run.js";
import { createResult } from "./ask-result.js";
import { createStages } from "./ask-stages.js";
import { $, confirmDialog, el, focusLost, formatCount, formatMs, plural, showError } from "./dom.js";
import { latest } from "./latest.js";
import { keepDrafts } from "./drafts.js";
import { errorText } from "./messages.js";
import { SqlEditor, formatSql, renderIssues } from "./sql-editor.js";

/** The server's limit on a question, in characters (`MAX_QUESTION_CHARS` in calculator/src/analyze/routes.rs). */
const MAX_QUESTION_CHARS = 2000;
/** What the editor holds for a freshly selected dataset. */
const STARTER_SQL = "SELECT *\nFROM data\nLIMIT 100";

export function createAsk({ getDataset, onAnalysisDone, onRecheck }) {
  const editor = new SqlEditor($("sql-editor"), { onRun: () => runOwnSql() });
  const stages = createStages();
  const result = createResult();
  const sql = createSqlRunner({ editor, getDataset, result });
  // Which question is current (see latest.js): a reset, a newer question or a dataset switch moves it on, so a
  // late reply (a stopped stream's catch) is dropped instead of landing in another dataset's panel.
  const asking = latest();
  // The SQL an answer put in the editor, while it is unedited: a new question clears it, so a question that
  // fails before any SQL is written does not leave the previous question's SQL looking like its own.
  let answerSql = null;
  function showAnswerSql(text) {
    editor.value = text;
    answerSql = editor.value;
    drafts.save();
  }
  const drafts = keepDrafts({
    getDataset,
    snapshot: () => ({ question: $("question").value, sql: editor.value, fromAnswer: answerSql !== null && editor.value === answerSql }),
    fields: [$("question"), editor.input],
  });

  /** The counter under the question: shown from 90% of the limit on, so the limit is no surprise. */
  function updateCount() {
    const used = [...$("question").value].length;
    const counter = $("question-count");
    counter.hidden = used < MAX_QUESTION_CHARS * 0.9;
    counter.textContent = `${formatCount(used)} of ${formatCount(MAX_QUESTION_CHARS)} characters`;
    counter.classList.toggle("at-limit", used >= MAX_QUESTION_CHARS);
  }
  $("question").addEventListener("input", updateCount);

  // ---- asking ----
  // Ask pressed from the keyboard: Ask is disabled while it runs, so Stop has the focus meanwhile, then Ask again.
  let focusBack = false;
  function setBusy(busy) {
    if (busy) focusBack = document.activeElement === $("ask-button");
    $("ask-button").disabled = busy || $("ask-button").dataset.llm === "off";
    $("ask-button").classList.toggle("loading", busy);
    $("ask-button").textContent = busy ? "Asking…" : "Ask";
    $("ask-cancel").hidden = !busy;
    $("question").readOnly = busy;
    if (busy && focusBack) $("ask-cancel").focus();
    if (!busy && focusBack) {
      focusBack = false;
      if (focusLost()) ($("ask-button").disabled ? $("question") : $("ask-button")).focus();
    }
  }

  async function ask() {
    const dataset = getDataset();
    const question = $("question").value.trim();
    if (!dataset) return;
    if (!question) {
      showError($("ask-error"), new ApiError({ code: "", message: "Type a question about the data first." }));
      $("question").focus();
      return;
    }
    // `maxlength` counts UTF-16 units and a pasted or scripted value can pass it; the server counts characters.
    const length = [...question].length;
    if (length > MAX_QUESTION_CHARS) {
      showError($("ask-error"), new ApiError({
        code: "",
        message: `The question is ${formatCount(length)} characters long; at most ${formatCount(MAX_QUESTION_CHARS)} are accepted. Shorten it.`,
      }));
      $("question").focus();
      return;
    }
    showError($("ask-error"), null);
    stages.reset();
    hideAnswer();
    // What is on screen belongs to the previous question.
    result.hide();
    renderIssues($("sql-issues"), {});
    // A query still running would put its rows under this question's SQL.
    sql.stop();
    if (answerSql !== null && editor.value === answerSql) editor.value = "";
    answerSql = null;
    drafts.save();
    const request = asking.start();
    const stale = request.stale;
    setBusy(true);
    stages.set("codegen", "active", "waiting for the model…");
    stages.announce("Asking the model to write the SQL…");
    let finished = false;
    const handle = (type, data) => {
      if (stale()) return;
      if (type === "result") finished = true;
      if (type === "error") finished = true;
      onEvent(type, data, question);
    };
    try {
      await streamAnalyze(dataset.id, question, handle, request.signal);
      if (!finished) throw new ApiError({ code: "stream_ended", message: "The answer stream ended before a result arrived; try again." });
    } catch (error) {
      if (stale()) return;
      if (error.name === "AbortError") {
        stages.failActive("stopped");
        stages.log("Stopped. The server finishes the query on its own; the History tab will list it.", "warn");
        stages.announce("Stopped.");
      } else {
        stages.failActive(error.code ? error.code.replaceAll("_", " ") : "");
        showFailure(error, question);
      }
    } finally {
      if (!stale()) {
        request.finish();
        setBusy(false);
        onAnalysisDone();
      }
    }
  }

  function onEvent(type, data, question) {
    if (type === "codegen") onCodegen(data);
    else if (type === "validation") {
      stages.set("validation", data.is_valid ? "done" : "failed", data.is_valid ? "passed" : "rejected");
      if (data.is_valid) stages.set("execution", "active", "starting…");
    } else if (type === "execution") onExecution(data);
    else if (type === "result") showAnalysis(data);
    else if (type === "error") {
      stages.failActive(data?.error?.code ? data.error.code.replaceAll("_", " ") : "");
      showFailure(ApiError.fromBody(0, data, "", ""), question);
    }
  }

  function onCodegen(data) {
    const tokens = $("tokens");
    switch (data.type) {
      case "started":
        stages.set("codegen", "active", data.attempt > 1 ? `repairing (answer ${data.attempt})` : "the model is writing SQL…");
        if (data.attempt > 1) {
          stages.set("validation", "pending");
          stages.set("execution", "pending");
          if (tokens.textContent) tokens.append(el("span", { class: "token-sep" }, `\n— answer ${data.attempt} —\n`));
        }
        break;
      case "delta":
        $("token-box").hidden = false;
        $("token-box").open = true;
        tokens.append(data.text);
        tokens.scrollTop = tokens.scrollHeight;
        break;
      case "repair":
        stages.log(`Answer ${data.attempt} was rejected (${data.issues.map((i) => i.rule).join(", ") || "unreadable"}); asking the model to fix it.`, "warn");
        if (tokens.textContent) tokens.append(el("span", { class: "token-sep" }, `\n— answer ${data.attempt + 1} —\n`));
        stages.set("codegen", "active", `repairing (answer ${data.attempt + 1})`);
        break;
      case "done":
        stages.set("codegen", "done", `${data.attempts} ${data.attempts === 1 ? "answer" : "answers"}`);
        stages.set("validation", "active", "checking the SQL…");
        stages.announce("SQL written; checking it…");
        showAnswerSql(formatSql(data.code));
        $("token-box").open = false;
        break;
      default:
        break;
    }
  }

  function onExecution(data) {
    if (data.type === "started") {
      stages.set("execution", "active", "running the query…");
      stages.announce("The SQL passed the validator; running it…");
    } else if (data.type === "done") stages.set("execution", "done", `${plural(data.row_count, "row")} · ${formatMs(data.elapsed_ms)}`);
    else if (data.type === "failed") {
      stages.set("execution", data.repairing ? "retry" : "failed", data.repairing ? "failed; repairing" : "failed");
      stages.log(`The query failed: ${data.message}${data.repairing ? " — asking the model to fix it." : ""}`, data.repairing ? "warn" : "error");
    }
  }

  function showAnalysis(response) {
    stages.finishAll();
    renderAnswer({
      question: response.question,
      summary: response.summary,
      outcome: "answered",
      validation: response.validation,
      model: response.model,
      attempts: response.attempts,
      timings: response.timings,
      traceId: response.trace_id,
      notes: response.notes,
      rowCount: response.result.row_count,
    }, editor);
    showAnswerSql(formatSql(response.code));
    renderIssues($("sql-issues"), {});
    result.show(response.result, `${plural(response.result.row_count, "row")} · query ${formatMs(response.timings.execute_ms)}`);
    stages.announce(`Answered: ${response.summary || ""} ${plural(response.result.row_count, "row")}.`.replace(/\s+/g, " "));
    if (response.chart) result.showProposed(response.chart);
  }

  /** An analysis that did not answer: the server's message and trace id, and the SQL and issues if any. */
  function showFailure(error, question) {
    const rejected = error.issues && error.issues.length;
    const badge = failureBadge(error);
    stages.announce(`Not answered (${badge.label}): ${errorText(error)}`);
    renderAnswer({
      question,
      ...badge,
      validation: rejected ? { is_valid: false, issues: error.issues } : null,
      attempts: error.attempts,
      traceId: error.traceId,
      error,
    }, editor);
    if (error.sql) {
      showAnswerSql(error.sql);
      editor.setIssues(error.issues || []);
    }
    if (error.code === "llm_not_configured") setLlm({ ready: false, message: error.message });
  }

  /** Run SQL / Ctrl+Enter: the answer card described the question's SQL, which this replaces, so it goes. */
  function runOwnSql() {
    // Like the disabled Run button: one query at a time, so what comes back is the SQL in the editor.
    if (sql.busy) return null;
    hideAnswer();
    renderVerdict($("verdict"), null);
    // The question's progress belongs with its answer.
    stages.hide();
    return sql.run();
  }

  // ---- wiring ----
  $("ask-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!asking.current) ask();
  });
  $("question").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (!asking.current && !$("ask-button").disabled) ask();
    }
  });
  $("ask-cancel").addEventListener("click", () => asking.current && asking.current.abort());
  $("sql-run").addEventListener("click", () => runOwnSql());

  // ---- a past analysis ----
  /** The SQL a record puts in the editor: the SQL that ran laid out for reading; rejected SQL as written. */
  function recordSql(record) {
    return record.outcome === "answered" ? formatSql(record.code) : record.code || "";
  }

  /**
   * Whether opening `record` may replace the editor's SQL: yes unless it is SQL the person wrote (not an answer's,
   * not the starter query), which is only replaced once they confirm.
   */
  async function mayReplaceSql(record) {
    const text = editor.value.trim();
    const own = text !== "" && text !== (answerSql ?? "").trim() && text !== STARTER_SQL;
    if (!own || text === recordSql(record).trim()) return true;
    return confirmDialog({
      title: "Replace the SQL in the editor?",
      text: "Opening this question puts its SQL in the editor, in place of the SQL you wrote there. Cancel keeps yours.",
      confirmLabel: "Replace",
    });
  }

  /** Shows an analysis from the audit trail again, re-running its SQL for the table. */
  async function openRecord(record) {
    // What was under way belongs to what this record replaces on screen.
    asking.drop();
    setBusy(false);
    sql.stop();
    $("question").value = record.question;
    updateCount();
    drafts.save();
    stages.hide();
    showError($("ask-error"), null);
    const recordError = record.error ? ApiError.fromBody(0, record.error, record.trace_id, "") : null;
    renderAnswer({
      question: record.question,
      summary: record.summary,
      // The same badge as the History list shows for it (one label for one outcome).
      ...recordBadge(record),
      validation: record.validation,
      model: record.model,
      attempts: record.attempts,
      timings: record.timings,
      traceId: record.trace_id,
      createdAt: record.created_at,
      rowCount: record.row_count,
      error: recordError,
    }, editor);
    // Rejected SQL stays as written, so issue locations match it.
    showAnswerSql(recordSql(record));
    renderIssues($("sql-issues"), {});
    result.hide();
    if (record.outcome === "answered" && record.code) {
      await result.redraw(await sql.run(), record.chart);
    } else if (!record.validation?.is_valid && record.validation) {
      editor.setIssues(record.validation.issues);
    }
  }

  function reset(dataset) {
    asking.drop();
    sql.stop();
    setBusy(false);
    // What was being written about this dataset before a reload or a switch, else a fresh start.
    const draft = dataset ? drafts.restore(dataset.id) : null;
    $("question").value = draft ? draft.question : "";
    updateCount();
    stages.announce("");
    stages.hide();
    showError($("ask-error"), null);
    hideAnswer();
    renderVerdict($("verdict"), null);
    editor.value = draft ? draft.sql : dataset ? STARTER_SQL : "";
    answerSql = draft?.fromAnswer ? editor.value : null;
    $("sql-tables").replaceChildren("the table is ", el("code", {}, "data"),
      ...(dataset && dataset.table_name !== "data" ? [" (or ", el("code", {}, dataset.table_name), ")"] : []));
    renderIssues($("sql-issues"), {});
    result.hide();
    result.clear();
  }

  /** No LLM: say so and what to set; the SQL editor keeps working. */
  function setLlm({ ready, title, message }) {
    const notice = $("llm-notice");
    $("ask-button").dataset.llm = ready ? "on" : "off";
    $("ask-button").disabled = !ready || Boolean(asking.current);
    if (ready) {
      notice.hidden = true;
      return;
    }
    notice.replaceChildren(
      el("strong", {}, title || "No language model is configured, so questions cannot be answered yet."),
      el("p", {}, message || ""),
      el("p", { class: "small" }, "You can still write SQL below and run it: it goes through the same validator."),
      el("button", { type: "button", class: "btn btn-ghost btn-small", onclick: () => onRecheck && onRecheck() }, "Check again"));
    notice.hidden = false;
  }

  return { reset, openRecord, mayReplaceSql, setLlm, editor };
}
