// The SQL editor: a plain textarea (so typing, undo, selection and screen readers behave as usual) over a
// highlighted copy of its text, with line numbers and the validator's issues marked where they point.

import { el } from "./dom.js";

const KEYWORDS = new Set(`select from where group by order having limit offset as and or not in is null like ilike
  between case when then else end join left right inner outer full cross on using with union all distinct asc desc
  nulls first last cast true false except intersect over partition rows range interval exists any some filter
  within recursive lateral natural semi anti`.split(/\s+/));

const TOKEN = new RegExp([
  /(--[^\n]*|\/\*[\s\S]*?(?:\*\/|$))/.source, // 1 comment
  /('(?:[^']|'')*'?)/.source, // 2 string
  /("(?:[^"]|"")*"?)/.source, // 3 quoted identifier
  /(\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)/.source, // 4 number
  /([A-Za-z_][A-Za-z0-9_]*)(?=\s*\()/.source, // 5 function name
  /([A-Za-z_][A-Za-z0-9_]*)/.source, // 6 word
  /([^\sA-Za-z0-9_'"]+)/.source, // 7 punctuation and operators
].join("|"), "g");

function highlight(sql) {
  const out = [];
  let last = 0;
  for (const m of sql.matchAll(TOKEN)) {
    if (m.index > last) out.push(document.createTextNode(sql.slice(last, m.index)));
    const text = m[0];
    let kind = null;
    if (m[1]) kind = "comment";
    else if (m[2]) kind = "string";
    else if (m[3]) kind = "ident";
    else if (m[4]) kind = "number";
    else if (m[5]) kind = KEYWORDS.has(text.toLowerCase()) ? "keyword" : "function";
    else if (m[6]) kind = KEYWORDS.has(text.toLowerCase()) ? "keyword" : null;
    else if (m[7]) kind = "punct";
    out.push(kind ? el("span", { class: `tok-${kind}` }, text) : document.createTextNode(text));
    last = m.index + text.length;
  }
  if (last < sql.length) out.push(document.createTextNode(sql.slice(last)));
  // A trailing newline needs a visible line after it, or the two layers drift apart by one line.
  out.push(document.createTextNode("\n"));
  return out;
}

// Clauses that start a new line when a one-line query is laid out for reading.
const BREAK_BEFORE = new Set(["from", "where", "group", "having", "order", "limit", "offset", "union", "except",
  "intersect", "join", "left", "right", "inner", "full", "cross", "window", "qualify"]);
// ...unless the word before makes them part of something else (`LEFT OUTER JOIN`, `IS DISTINCT FROM`, ...).
const NO_BREAK_AFTER = new Set(["left", "right", "inner", "full", "cross", "outer", "natural", "distinct", "within"]);

/**
 * Lays a one-line query out with its clauses on separate lines. Only whitespace outside strings, quoted names
 * and parentheses changes, so the query means the same; SQL that already has line breaks is left alone.
 */
export function formatSql(sql) {
  if (!sql || sql.includes("\n") || sql.length < 60) return sql || "";
  let out = "";
  let depth = 0;
  let last = 0;
  let previous = "";
  for (const m of sql.matchAll(TOKEN)) {
    out += sql.slice(last, m.index);
    const word = (m[5] || m[6] || "").toLowerCase();
    if (word && depth === 0 && BREAK_BEFORE.has(word) && !NO_BREAK_AFTER.has(previous) && out.trim()) {
      out = out.replace(/[ \t]+$/, "") + "\n";
    }
    if (m[7]) for (const ch of m[0]) depth += ch === "(" ? 1 : ch === ")" ? -1 : 0;
    out += m[0];
    last = m.index + m[0].length;
    if (word) previous = word;
    else if (!m[7]) previous = "";
  }
  return out + sql.slice(last);
}

export class SqlEditor {
  constructor(root, { onRun } = {}) {
    this.root = root;
    this.input = root.querySelector("textarea");
    this.code = root.querySelector(".editor-highlight code");
    this.pre = root.querySelector(".editor-highlight");
    this.gutter = root.querySelector(".editor-gutter");
    this.issues = [];
    this.input.addEventListener("input", () => {
      // What was marked belongs to the text as it was; editing clears the marks.
      if (this.issues.length) this.setIssues([]);
      this.render();
    });
    this.input.addEventListener("scroll", () => this.syncScroll());
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && onRun) {
        event.preventDefault();
        onRun();
      }
    });
    this.render();
  }

  get value() {
    return this.input.value;
  }

  set value(sql) {
    this.input.value = sql;
    this.setIssues([]);
    this.render();
  }

  render() {
    const text = this.input.value;
    this.code.replaceChildren(...highlight(text));
    const lines = text.split("\n").length;
    const issueLines = new Set(this.issues.filter((i) => i.location).map((i) => i.location.line));
    this.gutter.replaceChildren(...Array.from({ length: lines }, (_, i) =>
      el("span", { class: issueLines.has(i + 1) ? "gutter-line has-issue" : "gutter-line" }, String(i + 1))));
    this.drawMarks(text);
    // Grow with the text, within bounds; past them the textarea scrolls.
    const visible = Math.min(Math.max(lines, 4), 18);
    this.root.style.setProperty("--editor-lines", String(visible));
    this.syncScroll();
  }

  drawMarks(text) {
    for (const mark of this.pre.querySelectorAll(".issue-mark, .issue-line")) mark.remove();
    const lines = text.split("\n");
    for (const issue of this.issues) {
      if (!issue.location) continue;
      const { line, column } = issue.location;
      const content = lines[line - 1];
      if (content === undefined) continue;
      // Underline the word the issue points at (at least one character).
      const rest = content.slice(Math.max(column - 1, 0));
      const word = /^("(?:[^"]|"")*"|'(?:[^']|'')*'|[A-Za-z0-9_.]+|.)/.exec(rest);
      const width = word ? word[0].length : 1;
      const band = el("span", { class: "issue-line", "aria-hidden": "true" });
      band.style.setProperty("--line", String(line - 1));
      this.pre.append(band);
      const mark = el("span", { class: "issue-mark", "aria-hidden": "true", title: `${issue.rule}: ${issue.message}` });
      mark.style.setProperty("--line", String(line - 1));
      mark.style.setProperty("--col", String(Math.max(column - 1, 0)));
      mark.style.setProperty("--width", String(width));
      this.pre.append(mark);
    }
  }

  syncScroll() {
    this.pre.scrollTop = this.input.scrollTop;
    this.pre.scrollLeft = this.input.scrollLeft;
    this.gutter.scrollTop = this.input.scrollTop;
  }

  /** Marks the issues' locations (issues without one are only listed). */
  setIssues(issues) {
    this.issues = issues || [];
    this.root.classList.toggle("editor-invalid", this.issues.some((i) => i.location));
    this.render();
  }

  /** Puts the caret at a 1-based line and column and scrolls it into view. */
  focusAt(line, column) {
    const lines = this.input.value.split("\n");
    let offset = 0;
    for (let i = 0; i < Math.min(line - 1, lines.length); i += 1) offset += lines[i].length + 1;
    offset += Math.max(column - 1, 0);
    this.input.focus();
    this.input.setSelectionRange(offset, offset);
  }
}

/**
 * Lists validator issues (rule id, message, location) under the editor. `notes` are rewrites the validator
 * made (e.g. a column's case corrected); they are shown apart from rejections.
 */
export function renderIssues(container, { error = null, issues = [], notes = [], editor = null, errorNode = null }) {
  const items = [];
  if (errorNode) items.push(errorNode);
  if (issues.length) {
    items.push(el("ul", { class: "issue-list", "aria-label": "Validation issues" }, issues.map((issue) => issueItem(issue, editor, "error"))));
  }
  if (notes.length) {
    items.push(el("ul", { class: "issue-list", "aria-label": "Validator notes" }, notes.map((note) => issueItem(note, editor, "note"))));
  }
  container.replaceChildren(...items);
  container.hidden = items.length === 0;
  if (error && editor) editor.setIssues(issues);
}

export function issueItem(issue, editor, kind) {
  const where = issue.location
    ? el("button", {
        type: "button",
        class: "issue-loc",
        "aria-label": `Go to line ${issue.location.line}, column ${issue.location.column}`,
        onclick: () => editor && editor.focusAt(issue.location.line, issue.location.column),
      }, `line ${issue.location.line}, col ${issue.location.column}`)
    : null;
  return el("li", { class: `issue issue-${kind}` },
    el("code", { class: "rule-id" }, issue.rule),
    el("span", { class: "issue-message" }, issue.message),
    where);
}
