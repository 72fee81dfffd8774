// A question's progress on the Ask panel: the three stages (generate, validate, run), the model's streamed
// output, the log of repairs and failures, and the status line a screen reader hears.

import { $, el } from "./dom.js";

export const STAGES = ["codegen", "validation", "execution"];

export function createStages() {
  function stage(name) {
    return $("stages").querySelector(`[data-stage="${name}"]`);
  }

  function set(name, state, detail = "") {
    const item = stage(name);
    item.className = `stage-${state}`;
    item.querySelector(".stage-detail").textContent = detail;
    if (state === "active") item.setAttribute("aria-current", "step");
    else item.removeAttribute("aria-current");
  }

  /** Every stage pending, the model output and the log emptied: a new question starts. */
  function reset() {
    $("stages").hidden = false;
    for (const name of STAGES) set(name, "pending");
    $("tokens").textContent = "";
    $("token-box").hidden = true;
    $("stage-log").replaceChildren();
    $("stage-log").hidden = true;
  }

  /** The progress goes out of view (it belongs with an answer no longer shown). */
  function hide() {
    $("stages").hidden = true;
    $("token-box").hidden = true;
    $("stage-log").hidden = true;
  }

  function log(text, kind = "info") {
    $("stage-log").append(el("li", { class: `log-${kind}` }, text));
    $("stage-log").hidden = false;
  }

  function failActive(detail) {
    const active = STAGES.find((name) => stage(name).classList.contains("stage-active"));
    if (active) set(active, "failed", detail);
  }

  /** Marks every stage not yet done as done (an answer arrived). */
  function finishAll() {
    for (const name of STAGES) if (!stage(name).classList.contains("stage-done")) set(name, "done");
  }

  /** What a screen reader hears: the stage reached, then the outcome (the stage list itself is not live). */
  function announce(text) {
    $("ask-status").textContent = text;
  }

  return { set, reset, hide, log, failActive, finishAll, announce };
}
