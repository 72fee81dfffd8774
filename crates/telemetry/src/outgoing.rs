//! Carrying the current trace id on outgoing HTTP requests (calculator → sidecar → LLM).

use contracts::TRACE_ID_HEADER;
use reqwest::header::{HeaderMap, HeaderValue};

use crate::trace_id::current_trace_id;

/// Headers that carry `trace_id` to another service.
pub fn trace_headers(trace_id: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(trace_id) {
        headers.insert(TRACE_ID_HEADER, value);
    }
    headers
}

/// Adds `X-Trace-Id` of the request being served to an outgoing reqwest request.
pub trait TraceIdExt {
    fn with_trace_id(self) -> Self;
}

impl TraceIdExt for reqwest::RequestBuilder {
    fn with_trace_id(self) -> Self {
        match current_trace_id() {
            Some(id) if !id.is_empty() => self.headers(trace_headers(&id)),
            _ => self,
        }
    }
}
