// What an error means to a person using the page. The server's messages are written for API users (they name
// endpoints, fields and settings: "GET /datasets lists the stored datasets", "raise AI_MAX_REPAIRS"); for the
// codes the page meets, the alert says what happened and what to do in plain words, and keeps the server's
// message under "Details" for whoever reports or fixes it. Codes not listed here (a CSV's line that failed, a
// query's SQL error) already speak to the person reading them and are shown as the server wrote them.

const ASK_HELP = "Ask again; if it keeps happening, tell whoever runs this server, quoting the trace id.";
const OPERATOR = "Tell whoever runs this server, quoting the trace id.";
const LIGHTER = "Make the query lighter: filter the rows, aggregate them, or add a LIMIT.";

/** code → [what happened, what to do (or null when the card adds its own "ask again in a moment")]. */
const PEOPLE = {
  dataset_not_found: ["This dataset no longer exists.", "It was deleted, or the link to it is wrong. Pick a dataset from the list, or upload the CSV again."],
  analysis_not_found: ["This question is no longer in the history.", "Refresh the History tab."],
  codegen_failed: ["The model could not write a query that passes the SQL validator.", "Ask again in other words, naming the columns you mean, or write the SQL yourself in the editor below."],
  llm_not_configured: ["No language model is set up, so questions cannot be answered.", "Whoever runs this server can set one up (the details say how). The SQL editor works without one."],
  llm_unavailable: ["The language model could not be reached.", null],
  llm_timeout: ["The language model took too long to answer.", null],
  sidecar_timeout: ["The language model took too long to answer.", null],
  llm_rate_limited: ["The language model has had too many requests for now.", null],
  llm_refused: ["The language model refused to answer this question.", "Ask it in other words."],
  llm_bad_output: ["The language model's reply could not be read.", ASK_HELP],
  llm_error: ["The language model answered with an error.", ASK_HELP],
  sidecar_unavailable: ["The service that talks to the language model cannot be reached.", null],
  sidecar_unauthorized: ["This server is not set up to talk to its language model service.", OPERATOR],
  sidecar_bad_response: ["The language model service sent a reply that could not be read.", ASK_HELP],
  engine_busy: ["The server is busy with other queries.", "Try again in a moment."],
  query_timeout: ["The query took too long and was stopped.", LIGHTER],
  query_too_large: ["The query needed more memory than the server allows.", LIGHTER],
  upload_stalled: ["The upload stopped sending data, so it was abandoned.", "Check the connection and upload the file again."],
  payload_too_large: ["The file is larger than this server accepts.", "The details give the limit."],
  insufficient_storage: ["The server's disk is full, so nothing was stored.", OPERATOR],
};

/**
 * `{ message, hint }` in words for people when `error` is the server's and its code is one listed above, else
 * null (the message is shown as it is). Messages the page writes itself (`fromServer` unset) are already for
 * people.
 */
export function forPeople(error) {
  if (!error || !error.fromServer) return null;
  const entry = Object.hasOwn(PEOPLE, error.code || "") ? PEOPLE[error.code] : null;
  return entry ? { message: entry[0], hint: entry[1] } : null;
}

/** The one line that says what went wrong (for a screen reader's announcement, say). */
export function errorText(error) {
  return forPeople(error)?.message || error?.message || String(error);
}
