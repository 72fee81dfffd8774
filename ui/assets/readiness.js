// Reading `GET /readyz`: is there a language model to answer questions, and is the sidecar reachable?

/**
 * `{state, label, message}` from the readiness answer. `state` is `ready` (an LLM is configured and reachable),
 * `off` (no LLM configured: `message` says what to set), `down` (the sidecar or LLM is unreachable) or
 * `unknown` (no answer).
 */
export function describeReadiness(status, body) {
  if (!body || typeof body !== "object") {
    return { state: "unknown", label: "Status unknown", message: status ? `/readyz answered ${status}` : "The server did not answer /readyz." };
  }
  const llm = body.llm || body.checks?.llm || {};
  const sidecar = body.sidecar || body.checks?.sidecar || {};
  const llmStatus = String(llm.status || "").toLowerCase();
  const sidecarStatus = String(sidecar.status || "").toLowerCase();
  const model = llm.model || body.model || "";
  if (llmStatus === "not_configured" || llm.configured === false) {
    return { state: "off", label: "No LLM configured", message: llm.message || llm.hint || "" };
  }
  if (sidecarStatus && !["ok", "up", "ready"].includes(sidecarStatus)) {
    return { state: "down", label: "Sidecar unavailable", message: sidecar.message || sidecar.error || "" };
  }
  if (llmStatus && !["ok", "up", "ready", "configured"].includes(llmStatus)) {
    return { state: "down", label: "LLM unavailable", message: llm.message || llm.error || "" };
  }
  if (status >= 200 && status < 300) {
    return { state: "ready", label: model ? `LLM: ${model}` : "LLM ready", message: [llm.provider, model].filter(Boolean).join(" · ") };
  }
  return { state: "down", label: "Not ready", message: body.error?.message || `/readyz answered ${status}` };
}
