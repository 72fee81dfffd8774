//! Protocol-neutral SSE streaming: connect with retries, decode events, accumulate the answer.

use eventsource_stream::{EventStreamError, Eventsource};
use futures::stream::{self, BoxStream, StreamExt};
use reqwest::Method;
use serde_json::Value;
use tokio::time::Instant;

use crate::error::LlmError;
use crate::transport::{Call, Transport};
use crate::types::{ChatResponse, StreamEvent};

/// What one SSE `data:` payload meant.
pub(crate) enum Step {
    Delta(String),
    /// Nothing to forward (role-only chunk, usage-only chunk, thought part, ...).
    Skip,
    /// Explicit end marker (OpenAI `[DONE]`).
    End,
}

/// Per-protocol interpretation of SSE payloads.
pub(crate) trait Decoder: Send + 'static {
    fn on_data(&mut self, event: &str, data: &str) -> Result<Step, LlmError>;
    /// Called once at the end (explicit or end-of-body): final checks + accumulated response.
    fn finish(&mut self, explicit_end: bool) -> Result<ChatResponse, LlmError>;
    /// A server that ignored `stream` and sent one plain JSON response.
    fn whole(&self, body: &Value) -> Result<ChatResponse, LlmError>;
}

/// How the connection phase ended.
enum Started<D> {
    Sse(StreamEvent, Reader<D>),
    Whole(ChatResponse),
}

type Events =
    BoxStream<'static, Result<eventsource_stream::Event, EventStreamError<reqwest::Error>>>;

/// One open SSE body being decoded.
struct Reader<D> {
    events: Events,
    decoder: D,
    transport: Transport,
    deadline: Instant,
    done: bool,
    /// A delta has been handed downstream: from then on nothing is retried, and an in-band error is reported
    /// as the stream's failure whatever its code.
    forwarded: bool,
}

impl<D: Decoder> Reader<D> {
    async fn next(&mut self) -> Option<Result<StreamEvent, LlmError>> {
        if self.done {
            return None;
        }
        let item = loop {
            let next = match tokio::time::timeout_at(self.deadline, self.events.next()).await {
                Ok(next) => next,
                Err(_) => {
                    break Err(LlmError::Timeout {
                        deadline: true,
                        message: "overall deadline exceeded while streaming".into(),
                    });
                }
            };
            match next {
                None => break self.decoder.finish(false).map(StreamEvent::Done),
                Some(Err(EventStreamError::Transport(e))) => {
                    break Err(self.transport.scrub(LlmError::from_reqwest(&e)));
                }
                Some(Err(e)) => break Err(LlmError::Stream(format!("invalid SSE: {e}"))),
                Some(Ok(ev)) => match self.decoder.on_data(&ev.event, &ev.data) {
                    Ok(Step::Delta(text)) if !text.is_empty() => {
                        break Ok(StreamEvent::Delta(text));
                    }
                    Ok(Step::Delta(_) | Step::Skip) => continue,
                    Ok(Step::End) => break self.decoder.finish(true).map(StreamEvent::Done),
                    // A retryable in-band error is only worth a retry before the first delta (`open` reads
                    // that inside the retry loop); after it, it is the stream's failure.
                    Err(e) if self.forwarded && e.is_retryable() => {
                        break Err(self.transport.scrub(demoted(e)));
                    }
                    Err(e) => break Err(self.transport.scrub(e)),
                },
            }
        };
        match item {
            Ok(StreamEvent::Delta(_)) => self.forwarded = true,
            _ => self.done = true,
        }
        Some(item)
    }
}

/// Starts a streaming call. Connecting and reading up to the first event is retried like a
/// normal request; once an event has been handed downstream nothing is retried.
pub(crate) fn open<D, F>(
    transport: Transport,
    url: reqwest::Url,
    body: crate::body::JsonBody,
    request_id: String,
    trace_id: String,
    new_decoder: F,
) -> BoxStream<'static, Result<StreamEvent, LlmError>>
where
    D: Decoder,
    F: Fn() -> D + Send + Sync + 'static,
{
    let deadline = Instant::now() + transport.cfg.deadline;
    let first = async move {
        let call = Call {
            method: Method::POST,
            url: &url,
            body: Some(&body),
            trace_id: &trace_id,
            request_id: &request_id,
            streaming: true,
        };
        let attempt = |n| {
            let call = &call;
            let transport = &transport;
            let new_decoder = &new_decoder;
            async move {
                let resp = transport.send_once(call, n).await?;
                let is_json = resp
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|ct| ct.starts_with("application/json"));
                if is_json {
                    let bytes = resp
                        .bytes()
                        .await
                        .map_err(|e| transport.scrub(LlmError::from_reqwest(&e)))?;
                    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
                        LlmError::BadOutput(format!("malformed JSON in provider response ({e})"))
                    })?;
                    return new_decoder()
                        .whole(&value)
                        .map(Started::Whole)
                        .map_err(|e| transport.scrub(e));
                }
                let mut reader = Reader {
                    events: resp.bytes_stream().eventsource().boxed(),
                    decoder: new_decoder(),
                    transport: transport.clone(),
                    deadline,
                    done: false,
                    forwarded: false,
                };
                match reader.next().await {
                    Some(Ok(event)) => Ok(Started::Sse(event, reader)),
                    Some(Err(e)) => Err(e),
                    None => Err(cut_off("the stream ended without data")),
                }
            }
        };
        transport.run(&trace_id, deadline, attempt).await
    };
    stream::once(first)
        .flat_map(|started| match started {
            Ok(Started::Whole(resp)) => stream::iter([
                Ok(StreamEvent::Delta(resp.text.clone())),
                Ok(StreamEvent::Done(resp)),
            ])
            .boxed(),
            Ok(Started::Sse(event, reader)) => {
                let rest = stream::unfold(reader, |mut r| async move {
                    r.next().await.map(|item| (item, r))
                });
                stream::once(async move { Ok(event) }).chain(rest).boxed()
            }
            Err(e) => stream::once(async move { Err(e) }).boxed(),
        })
        .boxed()
}

/// A stream that ended before its protocol says the answer is complete (no `[DONE]`, no finish reason).
///
/// A connection closed early, as a body read error is: a transport failure, so it is retried while nothing
/// has been forwarded downstream (`open` reads the first event inside the retry loop) and is an error, never
/// a shorter answer, after that.
pub(crate) fn cut_off(what: &str) -> LlmError {
    LlmError::Unavailable {
        status: None,
        retry_after: None,
        message: format!("{what}: the answer is incomplete"),
    }
}

/// Parses one SSE payload as JSON, reporting bad payloads as stream errors.
pub(crate) fn parse_chunk(data: &str) -> Result<Value, LlmError> {
    serde_json::from_str(data).map_err(|e| {
        LlmError::Stream(format!(
            "malformed stream chunk ({e}): {:?}",
            data.chars().take(200).collect::<String>()
        ))
    })
}

/// In-band error object (vLLM sends `data: {"error": {...}}` after a 200), as a stream error.
pub(crate) fn in_band_error(chunk: &Value) -> Option<LlmError> {
    let err = chunk.get("error")?;
    if err.is_null() {
        return None;
    }
    let parsed = crate::errbody::parse_error_body(&chunk.to_string());
    Some(LlmError::Stream(parsed.message))
}

/// An in-band error of a stream chunk, classified by the HTTP status its `code` (or Gemini `status`) names.
///
/// A chunk saying 500, 503, 429, ... (vLLM's engine died, Gemini is overloaded) is the same trouble as that
/// HTTP status before the stream: mapped like it, so that it is retried while nothing has been forwarded
/// (llm-protocols.md §C). Once a delta is out, `Reader` reports it as [`LlmError::Stream`] again. Any other code
/// is a stream error at once.
pub(crate) fn in_band_chunk_error(chunk: &Value) -> Option<LlmError> {
    let error = in_band_error(chunk)?;
    let body = chunk.to_string();
    let parsed = crate::errbody::parse_error_body(&body);
    let status = parsed
        .code
        .as_deref()
        .and_then(|code| code.trim().parse::<u16>().ok())
        .or_else(|| parsed.kind.as_deref().and_then(grpc_status));
    match status {
        Some(status @ (408 | 409 | 429 | 500 | 502 | 503 | 504)) => {
            let mapped = crate::errbody::error_from_status(
                status,
                &reqwest::header::HeaderMap::new(),
                &body,
                None,
            );
            // A daily quota is not retried: it stays the stream's error as it was.
            Some(if mapped.is_retryable() { mapped } else { error })
        }
        _ => Some(error),
    }
}

/// The HTTP status of a Gemini (gRPC) status name that is worth a retry.
fn grpc_status(name: &str) -> Option<u16> {
    match name {
        "UNAVAILABLE" => Some(503),
        "RESOURCE_EXHAUSTED" => Some(429),
        "INTERNAL" => Some(500),
        "DEADLINE_EXCEEDED" => Some(504),
        _ => None,
    }
}

/// A retryable in-band error met after a delta went downstream: reported as the stream's failure, with the
/// provider's message as it was.
fn demoted(error: LlmError) -> LlmError {
    match error {
        LlmError::Unavailable { message, .. } | LlmError::RateLimited { message, .. } => {
            LlmError::Stream(message)
        }
        // Timeouts carry "HTTP 408: " before the provider's message.
        LlmError::Timeout { message, .. } => LlmError::Stream(
            message
                .split_once(": ")
                .map_or(message.clone(), |(_, rest)| rest.to_owned()),
        ),
        other => other,
    }
}
