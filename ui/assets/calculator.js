// The calculator panel: add or subtract two numbers with `/add` and `/subtract`.

import { ApiError } from "./api.js";
import { $, showError } from "./dom.js";

// A JSON number, as typed. Sent verbatim, so the server judges it (e.g. `1e309` is out of range) and says so.
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function operand(text) {
  const trimmed = text.trim();
  return JSON_NUMBER.test(trimmed) ? trimmed : JSON.stringify(text);
}

export function createCalculator() {
  const form = $("calc-form");
  const output = $("calc-result");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const a = $("calc-a").value;
    const b = $("calc-b").value;
    const op = $("calc-op").value;
    showError($("calc-error"), null);
    output.classList.remove("calc-stale");
    $("calc-submit").disabled = true;
    try {
      // Built by hand so the numbers go out exactly as typed (see `operand`).
      const response = await fetch(`/${op}`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: `{"a": ${operand(a)}, "b": ${operand(b)}}`,
      }).catch((cause) => {
        throw ApiError.network(cause);
      });
      const body = await response.json().catch(() => null);
      if (!response.ok) throw ApiError.fromBody(response.status, body, response.headers.get("x-trace-id"), response.statusText);
      const sign = op === "add" ? "+" : "−";
      output.textContent = String(body.result);
      output.title = `${a.trim()} ${sign} ${b.trim()} = ${body.result}`;
    } catch (error) {
      output.classList.add("calc-stale");
      showError($("calc-error"), error);
    } finally {
      $("calc-submit").disabled = false;
    }
  });
}
