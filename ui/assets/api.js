// Talking to the calculator: JSON calls, the upload with byte progress, and the analyze event stream.
// Every failure becomes an ApiError carrying the server's own message and trace id.

import { parseJson, stringifyJson } from "./json.js";
import { SseParser } from "./sse.js";

/** An error as the server phrased it: `{"error":{"code","message","trace_id","issues"?,"sql"?,"attempts"?}}`. */
export class ApiError extends Error {
  constructor({ status = 0, code = "error", message, traceId = "", issues = [], sql = null, attempts = null, fromServer = false }) {
    super(message);
    // True for the server's own words (written for API users; see messages.js), false for the page's.
    this.fromServer = fromServer;
    this.status = status;
    this.code = code;
    this.traceId = traceId;
    this.issues = issues;
    this.sql = sql;
    this.attempts = attempts;
  }

  /** Builds one from a parsed body; anything else (a proxy's HTML page, say) keeps the status line. */
  static fromBody(status, body, headerTraceId, statusText) {
    const e = body && typeof body === "object" && body.error && typeof body.error === "object" ? body.error : null;
    if (e && typeof e.message === "string") {
      return new ApiError({
        status,
        code: e.code || "error",
        message: e.message,
        traceId: e.trace_id || headerTraceId || "",
        issues: Array.isArray(e.issues) ? e.issues : [],
        sql: e.sql ?? null,
        attempts: e.attempts ?? null,
        fromServer: true,
      });
    }
    return new ApiError({
      status,
      code: "http_" + status,
      message: `The server answered ${status} ${statusText || ""}`.trim(),
      traceId: headerTraceId || "",
    });
  }

  static network(cause) {
    return new ApiError({
      code: "network",
      message: `Could not reach the server (${cause && cause.message ? cause.message : "network error"}). Is it still running?`,
    });
  }
}

const goneListeners = new Set();

/**
 * Registers `listener(datasetId)`, called whenever the server answers `dataset_not_found` for a dataset's
 * URL, whatever the action was: a dataset deleted in another tab or with curl must not linger in the page.
 */
export function onDatasetGone(listener) {
  goneListeners.add(listener);
}

function noticeGone(path, error) {
  if (error.code !== "dataset_not_found") return;
  const match = /^\/datasets\/([^/?]+)/.exec(path);
  if (!match) return;
  const id = decodeURIComponent(match[1]);
  for (const listener of goneListeners) listener(id);
}

async function errorFrom(response) {
  const text = await response.text().catch(() => "");
  let body = null;
  try {
    body = parseJson(text);
  } catch {
    body = null;
  }
  return ApiError.fromBody(response.status, body, response.headers.get("x-trace-id"), response.statusText);
}

/** `fetch` with a JSON body and a JSON answer; throws ApiError on any non-2xx or network failure. */
export async function api(path, { method = "GET", json, signal } = {}) {
  const init = { method, signal, headers: { accept: "application/json" } };
  if (json !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = stringifyJson(json);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (cause) {
    if (cause && cause.name === "AbortError") throw cause;
    throw ApiError.network(cause);
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    noticeGone(path, error);
    throw error;
  }
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? parseJson(text) : null;
}

/**
 * Uploads a file as multipart `file`, reporting bytes sent. XMLHttpRequest, because `fetch` has no upload
 * progress. `dateOrder` ("day_first" or "month_first") says how a column whose every date reads both ways
 * (01/02/2024) is read; only month first is sent, day first being the server's default. `monthNames` ("text" or
 * "dates") says whether dates written with a month's name (Mar 5 2024) are kept as text (the default) or stored
 * as dates. Returns `{ promise, abort }`; the promise resolves to the stored Dataset.
 */
export function uploadDataset(file, onProgress, { dateOrder = "day_first", monthNames = "text" } = {}) {
  const xhr = new XMLHttpRequest();
  const query = new URLSearchParams();
  if (dateOrder && dateOrder !== "day_first") query.set("date_order", dateOrder);
  if (monthNames && monthNames !== "text") query.set("month_names", monthNames);
  const path = query.size ? `/datasets?${query}` : "/datasets";
  const promise = new Promise((resolve, reject) => {
    xhr.open("POST", path);
    xhr.setRequestHeader("accept", "application/json");
    xhr.responseType = "text";
    xhr.upload.addEventListener("progress", (event) => {
      onProgress({ loaded: event.loaded, total: event.lengthComputable ? event.total : file.size, done: false });
    });
    // The body is sent; the server is now parsing it and writing Parquet.
    xhr.upload.addEventListener("load", () => onProgress({ loaded: file.size, total: file.size, done: true }));
    xhr.addEventListener("load", () => {
      let body = null;
      try {
        body = parseJson(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) resolve(body);
      else reject(ApiError.fromBody(xhr.status, body, xhr.getResponseHeader("x-trace-id"), xhr.statusText));
    });
    xhr.addEventListener("error", () => reject(ApiError.network(new Error("the connection failed during the upload"))));
    xhr.addEventListener("abort", () => reject(new DOMException("Upload cancelled", "AbortError")));
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

/**
 * POSTs a question to the streaming analyze endpoint and calls `onEvent(type, data)` for each SSE event as it
 * arrives. `EventSource` cannot POST, so the body is read with a stream reader and parsed here.
 */
export async function streamAnalyze(datasetId, question, onEvent, signal) {
  const path = `/datasets/${encodeURIComponent(datasetId)}/analyze/stream`;
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ question }),
      signal,
    });
  } catch (cause) {
    if (cause && cause.name === "AbortError") throw cause;
    throw ApiError.network(cause);
  }
  // Refusals that happen before the stream starts (no LLM, unknown dataset, bad question) are plain JSON.
  if (!response.ok) {
    const error = await errorFrom(response);
    noticeGone(path, error);
    throw error;
  }
  const traceId = response.headers.get("x-trace-id") || "";
  const parser = new SseParser();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const dispatch = (events) => {
    for (const { event, data } of events) {
      let parsed = data;
      try {
        parsed = parseJson(data);
      } catch {
        // Not JSON: hand over the raw text.
      }
      if (event === "error" && parsed?.error?.code) noticeGone(path, { code: parsed.error.code });
      onEvent(event, parsed, traceId);
    }
  };
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch (cause) {
      if (cause && cause.name === "AbortError") throw cause;
      throw ApiError.network(cause);
    }
    if (chunk.done) break;
    dispatch(parser.push(chunk.value));
  }
  dispatch(parser.finish());
  return traceId;
}
