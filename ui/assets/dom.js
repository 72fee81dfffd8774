// Small DOM and formatting helpers shared by every panel. Text always goes in as text, never as HTML:
// CSV headers, cells and model output are untrusted.

import { stringifyJson } from "./json.js";
import { forPeople } from "./messages.js";

/** `el("p", {class: "x", title: "y"}, "text", childNode)`; `on*` attributes become listeners. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const $ = (id) => document.getElementById(id);

export function show(node, visible = true) {
  node.hidden = !visible;
}

/** True when no element has the keyboard focus: it fell back to the page, or sits in something now hidden. */
export function focusLost() {
  const active = document.activeElement;
  return !active || active === document.body || Boolean(active.closest("[hidden]"));
}

// Buttons disabled while they had the focus, to be given it back.
const refocus = new WeakSet();

/**
 * Disables or enables a button that is busy with its work. A disabled button drops the focus to the page, where
 * the next Tab starts over at the top: a button disabled while focused gets the focus back once enabled, unless
 * the person has put it somewhere else meanwhile.
 */
export function setBusyButton(button, busy) {
  if (busy && document.activeElement === button) refocus.add(button);
  button.disabled = busy;
  if (!busy && refocus.delete(button) && focusLost()) button.focus();
}

const INTEGER = /^(i|u)(8|16|32|64|128)$/;
const FLOAT = /^f(32|64)$|^decimal/;

/** Polars type names of numbers: `i64`, `u32`, `f64`, `decimal[10,2]`, ... */
export function isNumericDtype(dtype) {
  return INTEGER.test(dtype) || FLOAT.test(dtype);
}

export function formatCount(n) {
  return Number(n).toLocaleString("en-US");
}

/** "1 row", "2 rows", "1,000 rows": a count and its noun, singular for exactly one. */
export function plural(n, noun) {
  return `${formatCount(n)} ${Number(n) === 1 ? noun : `${noun}s`}`;
}

export function formatBytes(n) {
  if (!Number.isFinite(n)) return "";
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** A cell's text: floats shortened to 6 decimals for reading (the full value goes in the tooltip). */
export function formatValue(value) {
  if (value === null || value === undefined) return "";
  // Whole numbers beyond 2^53 arrive as BigInt (see json.js): their digits are exact, print them all.
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    // An unsafe "integer" here can only be a large float (exact whole numbers would be BigInt): printing it
    // in full would show digits the double does not have, so it takes the exponent form below.
    if (Number.isSafeInteger(value)) return String(value);
    const abs = Math.abs(value);
    if (abs !== 0 && (abs >= 1e15 || abs < 1e-6)) return value.toExponential(6);
    return String(Number(value.toFixed(6)));
  }
  if (typeof value === "object") return stringifyJson(value);
  return String(value);
}

export function formatMs(ms) {
  if (ms === undefined || ms === null) return "";
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

export function relativeTime(iso) {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso || "";
  const seconds = Math.round((Date.now() - then) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 30) return `${days} d ago`;
  return new Date(then).toLocaleDateString();
}

/** Puts an ApiError (message as the server phrased it, and its trace id) into an alert box. */
export function showError(box, error, { title = "" } = {}) {
  box.replaceChildren();
  if (!error) {
    box.hidden = true;
    return;
  }
  appendError(box, error, { title });
}

/**
 * Adds one more error to an alert box, below those already in it (several files failing, say). A server error
 * the page has words for (messages.js) says those, with the server's own message and code under "Details".
 */
export function appendError(box, error, { title = "" } = {}) {
  const parts = [];
  if (title) parts.push(el("p", { class: "alert-title" }, title));
  const code = error.code && error.code !== "error" ? el("span", { class: "alert-code" }, error.code) : null;
  const people = forPeople(error);
  if (people) {
    parts.push(el("p", { class: "alert-message" }, people.message));
    if (people.hint) parts.push(el("p", { class: "alert-hint" }, people.hint));
    parts.push(el("details", { class: "alert-details" },
      el("summary", {}, "Details"),
      el("p", { class: "alert-server" }, error.message), code));
  } else {
    parts.push(el("p", { class: "alert-message" }, error.message || String(error)));
    if (code) parts.push(code);
  }
  if (error.traceId) parts.push(traceIdChip(error.traceId));
  // The first error fills the box as before; each further one is a group of its own, ruled off above.
  if (box.childElementCount) box.append(el("div", { class: "alert-item" }, parts));
  else box.append(...parts);
  box.hidden = false;
}

/** The trace id, selectable, with a copy button: what a person quotes when reporting a problem. */
export function traceIdChip(traceId, { label = "trace id " } = {}) {
  const copy = el("button", { type: "button", class: "copy-btn", "aria-label": `Copy trace id ${traceId}` }, "Copy");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(traceId);
      copy.textContent = "Copied";
    } catch {
      copy.textContent = "Select it";
    }
    setTimeout(() => (copy.textContent = "Copy"), 1500);
  });
  return el("span", { class: "trace" }, label, el("code", { class: "trace-id" }, traceId), copy);
}

/** A short-lived message in the corner (for successes; errors stay in their panels). */
export function toast(message, kind = "info") {
  const box = $("toasts");
  const item = el("div", { class: `toast toast-${kind}`, role: "status" }, message);
  box.append(item);
  setTimeout(() => item.classList.add("toast-out"), 3200);
  setTimeout(() => item.remove(), 3700);
}

/** Asks for confirmation in the modal dialog; resolves true when the person confirms. */
export function confirmDialog({ title, text, confirmLabel = "Delete" }) {
  const dialog = $("confirm-dialog");
  $("confirm-title").textContent = title;
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = confirmLabel;
  dialog.returnValue = "";
  return new Promise((resolve) => {
    // `close` is dispatched a task after closing: reopened at once, the dialog would take the previous close
    // as its own answer (Cancel). A close event while the dialog is open again is that stale one.
    const onClose = () => {
      if (dialog.open) return;
      dialog.removeEventListener("close", onClose);
      resolve(dialog.returnValue === "confirm");
    };
    dialog.addEventListener("close", onClose);
    dialog.showModal();
  });
}

/** Double-quotes an identifier for SQL (`"` doubled inside). */
export function quoteIdent(name) {
  return `"${String(name).replaceAll('"', '""')}"`;
}
