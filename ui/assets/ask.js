// The Ask panel: a question streamed through generate → validate → run, the answer it produced, the SQL
// editor (run through `/query`, the same validator), the result table and the chart.

import { ApiError, api, streamAnalyze } from "./api.js";
import { failureBadge, hideAnswer, recordBadge, renderAnswer, renderVerdict } from "./answer.js";
import { drawChart, numericColumns, numericValues } from "./charts.js";
import { $, confirmDialog, el, formatCount, formatMs, formatValue, plural, showError } from "./dom.js";
import { labelledChartUrl } from "./label-chart.js";
import { latest } from "./latest.js";
import { keepDrafts } from "./drafts.js";
import { errorText } from "./messages.js";
import { SqlEditor, formatSql, renderIssues } from "./sql-editor.js";
import { renderTable } from "./table.js";

const STAGES = ["codegen", "validation", "execution"];
/** The server's limit on a question, in characters (`MAX_QUESTION_CHARS` in calculator/src/analyze/routes.rs). */
const MAX_QUESTION_CHARS = 2000;
/** What the editor holds for a freshly selected dataset. */
const STARTER_SQL = "SELECT *\nFROM data\nLIMIT 100";

export function createAsk({ getDataset, onAnalysisDone, onRecheck }) {
  const editor = new SqlEditor($("sql-editor"), { onRun: () => runOwnSql() });
  // Which question, query and result chart are current (see latest.js): a reset, a newer request or a dataset
  // switch moves each on, so a late reply (a slow query's rows, a stopped stream's catch) is dropped instead of
  // landing under other SQL or in another dataset's panel.
  const asking = latest();
  const running = latest();
  const charting = latest();
  let lastTable = null;
  // The SQL an answer put in the editor, while it is unedited: a new question clears it, so a question that
  // fails before any SQL is written does not leave the previous question's SQL looking like its own.
  let answerSql = null;
  function showAnswerSql(sql) {
    editor.value = sql;
    answerSql = editor.value;
    drafts.save();
  }
  const drafts = keepDrafts({
    getDataset,
    snapshot: () => ({ question: $("question").value, sql: editor.value, fromAnswer: answerSql !== null && editor.value === answerSql }),
    fields: [$("question"), editor.input],
  });

  // ---- stages ----
  function stage(name) {
    return $("stages").querySelector(`[data-stage="${name}"]`);
  }

  function setStage(name, state, detail = "") {
    const item = stage(name);
    item.className = `stage-${state}`;
    item.querySelector(".stage-detail").textContent = detail;
    if (state === "active") item.setAttribute("aria-current", "step");
    else item.removeAttribute("aria-current");
  }

  function resetStages() {
    $("stages").hidden = false;
    for (const name of STAGES) setStage(name, "pending");
    $("tokens").textContent = "";
    $("token-box").hidden = true;
    $("stage-log").replaceChildren();
    $("stage-log").hidden = true;
  }

  function log(text, kind = "info") {
    $("stage-log").append(el("li", { class: `log-${kind}` }, text));
    $("stage-log").hidden = false;
  }

  function failActiveStage(detail) {
    const active = STAGES.find((name) => stage(name).classList.contains("stage-active"));
    if (active) setStage(active, "failed", detail);
  }

  /** What a screen reader hears: the stage reached, then the outcome (the stage list itself is not live). */
  function announce(text) {
    $("ask-status").textContent = text;
  }

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
  function setBusy(busy) {
    $("ask-button").disabled = busy || $("ask-button").dataset.llm === "off";
    $("ask-button").classList.toggle("loading", busy);
    $("ask-button").textContent = busy ? "Asking…" : "Ask";
    $("ask-cancel").hidden = !busy;
    $("question").readOnly = busy;
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
    resetStages();
    hideAnswer();
    // What is on screen belongs to the previous question.
    $("result-card").hidden = true;
    $("chart-card").hidden = true;
    renderIssues($("sql-issues"), {});
    // A query still running would put its rows under this question's SQL.
    stopSql();
    if (answerSql !== null && editor.value === answerSql) editor.value = "";
    answerSql = null;
    drafts.save();
    const request = asking.start();
    const stale = request.stale;
    setBusy(true);
    setStage("codegen", "active", "waiting for the model…");
    announce("Asking the model to write the SQL…");
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
        failActiveStage("stopped");
        log("Stopped. The server finishes the query on its own; the History tab will list it.", "warn");
        announce("Stopped.");
      } else {
        failActiveStage(error.code ? error.code.replaceAll("_", " ") : "");
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
      setStage("validation", data.is_valid ? "done" : "failed", data.is_valid ? "passed" : "rejected");
      if (data.is_valid) setStage("execution", "active", "starting…");
    } else if (type === "execution") onExecution(data);
    else if (type === "result") showAnalysis(data);
    else if (type === "error") {
      failActiveStage(data?.error?.code ? data.error.code.replaceAll("_", " ") : "");
      showFailure(ApiError.fromBody(0, data, "", ""), question);
    }
  }

  function onCodegen(data) {
    const tokens = $("tokens");
    switch (data.type) {
      case "started":
        setStage("codegen", "active", data.attempt > 1 ? `repairing (answer ${data.attempt})` : "the model is writing SQL…");
        if (data.attempt > 1) {
          setStage("validation", "pending");
          setStage("execution", "pending");
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
        log(`Answer ${data.attempt} was rejected (${data.issues.map((i) => i.rule).join(", ") || "unreadable"}); asking the model to fix it.`, "warn");
        if (tokens.textContent) tokens.append(el("span", { class: "token-sep" }, `\n— answer ${data.attempt + 1} —\n`));
        setStage("codegen", "active", `repairing (answer ${data.attempt + 1})`);
        break;
      case "done":
        setStage("codegen", "done", `${data.attempts} ${data.attempts === 1 ? "answer" : "answers"}`);
        setStage("validation", "active", "checking the SQL…");
        announce("SQL written; checking it…");
        showAnswerSql(formatSql(data.code));
        $("token-box").open = false;
        break;
      default:
        break;
    }
  }

  function onExecution(data) {
    if (data.type === "started") {
      setStage("execution", "active", "running the query…");
      announce("The SQL passed the validator; running it…");
    } else if (data.type === "done") setStage("execution", "done", `${plural(data.row_count, "row")} · ${formatMs(data.elapsed_ms)}`);
    else if (data.type === "failed") {
      setStage("execution", data.repairing ? "retry" : "failed", data.repairing ? "failed; repairing" : "failed");
      log(`The query failed: ${data.message}${data.repairing ? " — asking the model to fix it." : ""}`, data.repairing ? "warn" : "error");
    }
  }

  function showAnalysis(response) {
    for (const name of STAGES) if (!stage(name).classList.contains("stage-done")) setStage(name, "done");
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
    showResult(response.result, `${plural(response.result.row_count, "row")} · query ${formatMs(response.timings.execute_ms)}`);
    announce(`Answered: ${response.summary || ""} ${plural(response.result.row_count, "row")}.`.replace(/\s+/g, " "));
    if (response.chart) {
      const { spec, image } = response.chart;
      showChartImage(image, `${spec.kind} chart of ${spec.y || spec.x}${spec.y ? ` by ${spec.x}` : ""}`,
        `${spec.kind} of ${spec.y ? `${spec.y} by ${spec.x}` : spec.x}, as the model proposed it`);
      if (spec.y) $("result-chart-column").value = spec.y;
      if (spec.y && lastTable.columns.some((c) => c.name === spec.x)) $("result-chart-x").value = spec.x;
    }
  }

  /** An analysis that did not answer: the server's message and trace id, and the SQL and issues if any. */
  function showFailure(error, question) {
    const rejected = error.issues && error.issues.length;
    const badge = failureBadge(error);
    announce(`Not answered (${badge.label}): ${errorText(error)}`);
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

  // ---- running SQL by hand ----
  /** Run SQL / Ctrl+Enter: the answer card described the question's SQL, which this replaces, so it goes. */
  function runOwnSql() {
    // Like the disabled Run button: one query at a time, so what comes back is the SQL in the editor.
    if (running.current) return null;
    hideAnswer();
    renderVerdict($("verdict"), null);
    // The question's progress belongs with its answer.
    $("stages").hidden = true;
    $("token-box").hidden = true;
    $("stage-log").hidden = true;
    return runSql();
  }

  async function runSql() {
    const dataset = getDataset();
    const sql = editor.value.trim();
    if (!dataset) return null;
    if (!sql) {
      const box = el("div", { class: "alert alert-error", role: "alert" });
      showError(box, new ApiError({ message: "The editor is empty: write a SELECT over the table data first." }));
      renderIssues($("sql-issues"), { errorNode: box });
      editor.setIssues([]);
      $("result-card").hidden = true;
      $("chart-card").hidden = true;
      editor.input.focus();
      return null;
    }
    const request = running.start();
    charting.drop();
    setRunning(true);
    try {
      const result = await api(`/datasets/${encodeURIComponent(dataset.id)}/query`, { method: "POST", json: { sql }, signal: request.signal });
      if (request.stale()) return null;
      editor.setIssues([]);
      renderIssues($("sql-issues"), { notes: result.notes || [], editor });
      showResult(result, `${plural(result.row_count, "row")} · ${formatMs(result.elapsed_ms)}`);
      $("chart-figure").hidden = true;
      return result;
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
      $("result-card").hidden = true;
      $("chart-card").hidden = true;
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
    $("sql-run").disabled = busy;
    $("sql-run").classList.toggle("loading", busy);
    editor.input.readOnly = busy;
  }

  /** Forgets the running query and result chart, if any: their replies belong to what is no longer shown. */
  function stopSql() {
    running.drop();
    charting.drop();
    setRunning(false);
  }

  // ---- result and chart ----
  function showResult(table, meta) {
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

  function showChartImage(src, alt, caption) {
    $("answer-chart").src = src;
    $("answer-chart").alt = alt;
    $("chart-caption").textContent = caption;
    $("chart-figure").hidden = false;
    $("chart-card").hidden = false;
  }

  /** Charts result column `column`; with `xColumn`, against that column's values as labels. */
  async function drawResultColumn(column, kind, captionPrefix = "", xColumn = "") {
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

  $("result-chart-form").addEventListener("submit", (event) => {
    event.preventDefault();
    drawResultColumn($("result-chart-column").value, $("result-chart-kind").value, "", $("result-chart-x").value);
  });

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
    stopSql();
    $("question").value = record.question;
    updateCount();
    drafts.save();
    $("stages").hidden = true;
    $("token-box").hidden = true;
    $("stage-log").hidden = true;
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
    $("result-card").hidden = true;
    $("chart-card").hidden = true;
    if (record.outcome === "answered" && record.code) {
      const result = await runSql();
      const spec = record.chart;
      if (result && spec && spec.y && spec.kind !== "histogram" && numericColumns(result.columns).some((c) => c.name === spec.y)) {
        $("result-chart-column").value = spec.y;
        $("result-chart-kind").value = spec.kind;
        if (result.columns.some((c) => c.name === spec.x)) $("result-chart-x").value = spec.x;
        await drawResultColumn(spec.y, spec.kind, "Redrawn from the re-run: ", spec.x);
      }
    } else if (!record.validation?.is_valid && record.validation) {
      editor.setIssues(record.validation.issues);
    }
  }

  function reset(dataset) {
    asking.drop();
    stopSql();
    setBusy(false);
    // What was being written about this dataset before a reload or a switch, else a fresh start.
    const draft = dataset ? drafts.restore(dataset.id) : null;
    $("question").value = draft ? draft.question : "";
    updateCount();
    announce("");
    $("stages").hidden = true;
    $("token-box").hidden = true;
    $("stage-log").hidden = true;
    showError($("ask-error"), null);
    hideAnswer();
    renderVerdict($("verdict"), null);
    editor.value = draft ? draft.sql : dataset ? STARTER_SQL : "";
    answerSql = draft?.fromAnswer ? editor.value : null;
    $("sql-tables").replaceChildren("the table is ", el("code", {}, "data"),
      ...(dataset && dataset.table_name !== "data" ? [" (or ", el("code", {}, dataset.table_name), ")"] : []));
    renderIssues($("sql-issues"), {});
    $("result-card").hidden = true;
    $("chart-card").hidden = true;
    lastTable = null;
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
