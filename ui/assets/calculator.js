// The calculator panel: add or subtract two numbers with `/add` and `/subtract`.

import { ApiError } from "./api.js";
import { $, setBusyButton, showError } from "./dom.js";

// A number as people type it: a sign, digits with a decimal point or comma, an exponent.
const TYPED_NUMBER = /^([+-]?)(\d*)(?:[.,](\d*))?([eE][+-]?\d+)?$/;
// "1,000" may be a thousand or one: refused rather than guessed.
const GROUPED = /^[+-]?\d{1,3},\d{3}$/;

/**
 * The JSON number for what was typed in a field, or `{error}` saying what to type. `1,5` is 1.5; `.5`, `5.` and
 * `+5` are accepted. Digits are sent as typed (not through a double), so the server judges a value such as
 * `1e309` and says so, as it does for the API.
 */
export function parseOperand(text) {
  const typed = text.trim();
  if (GROUPED.test(typed)) {
    return { error: `“${typed}” could be a thousand or one: write ${typed.replace(",", "")} or ${typed.replace(",", ".")}.` };
  }
  const match = TYPED_NUMBER.exec(typed);
  if (!match || (!match[2] && !match[3])) return { error: typed ? `“${typed}” is not a number. Enter a number, e.g. 1.5.` : "Enter a number, e.g. 1.5." };
  const [, sign, whole, fraction = "", exponent = ""] = match;
  const digits = whole.replace(/^0+(?=\d)/, "") || "0";
  return { json: `${sign === "-" ? "-" : ""}${digits}${fraction ? `.${fraction}` : ""}${exponent}` };
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
    // Checked here, so a typo gets a sentence about the field, not the server's JSON parser error.
    const operands = [["calc-a", "First number", parseOperand(a)], ["calc-b", "Second number", parseOperand(b)]];
    for (const [id, , parsed] of operands) $(id).setAttribute("aria-invalid", String(Boolean(parsed.error)));
    const wrong = operands.find(([, , parsed]) => parsed.error);
    if (wrong) {
      const [id, label, { error }] = wrong;
      output.classList.add("calc-stale");
      showError($("calc-error"), new ApiError({ code: "", message: `${label}: ${error}` }));
      $(id).focus();
      return;
    }
    output.classList.remove("calc-stale");
    setBusyButton($("calc-submit"), true);
    try {
      // Built by hand so the numbers go out exactly as typed (see `operand`).
      const response = await fetch(`/${op}`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: `{"a": ${operands[0][2].json}, "b": ${operands[1][2].json}}`,
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
      setBusyButton($("calc-submit"), false);
    }
  });
}
