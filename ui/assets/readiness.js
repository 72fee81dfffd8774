// Reading `GET /readyz` (`contracts::Readiness`): can questions be answered now, and if not, what to do.

/**
 * `{state, label, title, message}` from the readiness answer. `state` is `ready` (the sidecar answers and has an
 * LLM), `off` (no LLM configured), `down` (the sidecar is unreachable) or `unknown` (no usable answer).
 * `message` is the server's hint: what to set or start.
 */
export function describeReadiness(status, body) {
  if (!body || typeof body !== "object" || !body.sidecar || !body.llm) {
    return {
      state: "unknown",
      label: "Status unknown",
      title: "The server's readiness is unknown",
      message: status ? `/readyz answered ${status}.` : "The server did not answer /readyz.",
    };
  }
  const { sidecar, llm, hint } = body;
  if (!sidecar.reachable) {
    return {
      state: "down",
      label: "Sidecar unavailable",
      title: "The AI sidecar cannot be reached, so questions cannot be answered right now.",
      message: [hint, sidecar.error ? `(${sidecar.error})` : ""].filter(Boolean).join(" "),
    };
  }
  if (!llm.configured) {
    return {
      state: "off",
      label: "No LLM configured",
      title: "No language model is configured, so questions cannot be answered yet.",
      message: hint || "Configure an LLM for the sidecar (see .env.example).",
    };
  }
  const model = llm.model || "LLM";
  return {
    state: "ready",
    label: `LLM: ${model}`,
    title: "",
    message: [llm.provider, llm.model, sidecar.latency_ms !== undefined ? `sidecar ${sidecar.latency_ms} ms` : ""]
      .filter(Boolean)
      .join(" · "),
  };
}
