//! Shared HTTP plumbing: headers, per-attempt timeouts, status mapping, retries and deadline.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use backon::{ExponentialBuilder, Retryable};
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, Response};
use secrecy::ExposeSecret;
use serde_json::Value;
use tokio::time::Instant;

use crate::body::JsonBody;
use crate::config::{HttpVersion, ProviderConfig};
use crate::errbody::{clip, error_from_status, sanitize};
use crate::error::LlmError;

/// One configured HTTP client plus the provider's auth header.
#[derive(Clone)]
pub(crate) struct Transport {
    client: reqwest::Client,
    pub(crate) cfg: Arc<ProviderConfig>,
    auth: Option<(HeaderName, HeaderValue)>,
    /// For log fields only.
    pub(crate) provider: &'static str,
}

/// How an attempt's JSON body is sent.
pub(crate) struct Call<'a> {
    pub method: Method,
    /// Parsed once where the provider can (reqwest would otherwise parse a string on every attempt).
    pub url: &'a reqwest::Url,
    /// The JSON body, serialised once (see [`crate::body`]): every attempt shares its chunks.
    pub body: Option<&'a JsonBody>,
    pub trace_id: &'a str,
    /// Base of `X-Request-Id`; each attempt sends [`attempt_request_id`] of it.
    pub request_id: &'a str,
    pub streaming: bool,
}

impl Transport {
    /// `auth` is e.g. `("authorization", "Bearer ")` or `("x-goog-api-key", "")`: header name
    /// and value prefix for the key. No key configured means no header.
    pub(crate) fn new(
        cfg: ProviderConfig,
        provider: &'static str,
        auth: (&'static str, &'static str),
    ) -> Result<Self, LlmError> {
        let auth = match &cfg.api_key {
            Some(key) => {
                let mut value =
                    HeaderValue::from_str(&format!("{}{}", auth.1, key.expose_secret())).map_err(
                        |_| LlmError::NotConfigured("API key contains invalid characters".into()),
                    )?;
                // Marks the value so hyper/reqwest never print it in Debug output.
                value.set_sensitive(true);
                Some((HeaderName::from_static(auth.0), value))
            }
            None => None,
        };
        let builder = match cfg.http_version {
            HttpVersion::Auto => reqwest::Client::builder(),
            HttpVersion::Http1 => reqwest::Client::builder().http1_only(),
            HttpVersion::Http2 => reqwest::Client::builder().http2_prior_knowledge(),
        };
        let client = builder
            .connect_timeout(cfg.timeout.min(std::time::Duration::from_secs(10)))
            // For streams this bounds the silence between chunks; whole-body time is bounded
            // per request for non-streaming calls (see `send_once`).
            .read_timeout(cfg.timeout)
            // A body goes out as shared chunks, which reqwest cannot replay to a redirect's target; and
            // following one silently would send every prompt (and the key) twice, possibly elsewhere. A
            // redirect is reported instead, with where it points (see `send_once`).
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| LlmError::NotConfigured(format!("HTTP client: {e}")))?;
        Ok(Self {
            client,
            cfg: Arc::new(cfg),
            auth,
            provider,
        })
    }

    pub(crate) fn secret(&self) -> Option<&str> {
        self.cfg.api_key.as_ref().map(|k| k.expose_secret())
    }

    /// Scrubs the key out of any text that will end up in an error.
    pub(crate) fn scrub(&self, err: LlmError) -> LlmError {
        let Some(secret) = self.secret() else {
            return err;
        };
        let s = |m: String| sanitize(&m, Some(secret));
        match err {
            LlmError::Unavailable {
                status,
                retry_after,
                message,
            } => LlmError::Unavailable {
                status,
                retry_after,
                message: s(message),
            },
            LlmError::RateLimited {
                retry_after,
                daily_quota,
                message,
            } => LlmError::RateLimited {
                retry_after,
                daily_quota,
                message: s(message),
            },
            LlmError::Timeout { deadline, message } => LlmError::Timeout {
                deadline,
                message: s(message),
            },
            LlmError::BadOutput(m) => LlmError::BadOutput(s(m)),
            LlmError::NotConfigured(m) => LlmError::NotConfigured(s(m)),
            LlmError::Stream(m) => LlmError::Stream(s(m)),
            other => other,
        }
    }

    /// One attempt: sends the request and returns the response if it is 2xx.
    pub(crate) async fn send_once(
        &self,
        call: &Call<'_>,
        attempt: u32,
    ) -> Result<Response, LlmError> {
        let mut rb = self
            .client
            .request(call.method.clone(), call.url.clone())
            .header("x-request-id", attempt_request_id(call.request_id, attempt))
            .header("x-trace-id", call.trace_id);
        if let Some((name, value)) = &self.auth {
            rb = rb.header(name.clone(), value.clone());
        }
        if !call.streaming {
            rb = rb.timeout(self.cfg.timeout);
        }
        if let Some(body) = call.body {
            rb = rb
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(reqwest::Body::wrap(body.clone()));
        }
        let started = Instant::now();
        let result = rb.send().await;
        let latency_ms = started.elapsed().as_millis() as u64;
        let resp = match result {
            Ok(resp) => resp,
            Err(e) => {
                let err = self.scrub(LlmError::from_reqwest(&e));
                tracing::warn!(provider = self.provider, trace_id = call.trace_id, attempt, latency_ms, url = %crate::url::redact_url(call.url.as_str()), error = %err, "LLM request failed");
                return Err(err);
            }
        };
        let status = resp.status().as_u16();
        tracing::info!(provider = self.provider, model = %self.cfg.model, trace_id = call.trace_id, attempt, status, latency_ms, "LLM HTTP response");
        if resp.status().is_success() {
            return Ok(resp);
        }
        let err = if resp.status().is_redirection() {
            self.scrub(redirected(status, resp.headers()))
        } else {
            let headers = resp.headers().clone();
            let body = resp.text().await.unwrap_or_default();
            error_from_status(status, &headers, &body, self.secret())
        };
        tracing::warn!(provider = self.provider, trace_id = call.trace_id, attempt, status, error = %err, "LLM provider error");
        Err(err)
    }

    /// One attempt that reads and parses a JSON body.
    pub(crate) async fn json_once(&self, call: &Call<'_>, attempt: u32) -> Result<Value, LlmError> {
        let resp = self.send_once(call, attempt).await?;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| self.scrub(LlmError::from_reqwest(&e)))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            let snippet = clip(&String::from_utf8_lossy(&bytes[..bytes.len().min(200)]));
            self.scrub(LlmError::BadOutput(format!(
                "malformed JSON in provider response ({e}); body starts with {snippet:?}"
            )))
        })
    }

    /// A retried, deadline-bounded JSON call.
    pub(crate) async fn json(&self, call: &Call<'_>) -> Result<Value, LlmError> {
        let deadline = Instant::now() + self.cfg.deadline;
        self.run(call.trace_id, deadline, |n| self.json_once(call, n))
            .await
    }

    /// Runs `op(attempt)` (attempt from 1) with backoff + jitter until it succeeds, fails
    /// non-retryably, runs out of retries, or would overrun `deadline`.
    pub(crate) async fn run<T, F, Fut>(
        &self,
        trace_id: &str,
        deadline: Instant,
        mut op: F,
    ) -> Result<T, LlmError>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, LlmError>>,
    {
        let policy = &self.cfg.retry;
        let attempt = AtomicU32::new(0);
        let backoff = ExponentialBuilder::default()
            .with_min_delay(policy.base_delay)
            .with_max_delay(policy.max_delay)
            .with_max_times(policy.max_retries as usize)
            .with_jitter();
        let retried = (|| op(attempt.fetch_add(1, Ordering::Relaxed) + 1))
            .retry(backoff)
            .when(LlmError::is_retryable)
            .adjust(|err, next| {
                let backoff = next?.min(policy.max_delay);
                let hint = err.retry_after();
                if hint.is_some_and(|h| h > policy.max_delay) {
                    tracing::warn!(provider = self.provider, trace_id, retry_after_ms = hint.map(|h| h.as_millis() as u64), "server asks to wait longer than the retry cap; giving up");
                    return None;
                }
                let wait = hint.map_or(backoff, |h| h.max(backoff));
                // Sleeping past the deadline only to be cancelled would hide the real error.
                (Instant::now() + wait < deadline).then_some(wait)
            })
            .notify(|err, wait| {
                tracing::warn!(provider = self.provider, trace_id, error = %err, wait_ms = wait.as_millis() as u64, "retrying LLM request");
            });
        match tokio::time::timeout_at(deadline, retried).await {
            Ok(Err(LlmError::RateLimited {
                retry_after: None,
                daily_quota: false,
                message,
            })) => {
                // The server gave no hint: the caller is told the wait we would have made next, so that its
                // own client gets a `Retry-After` (a daily quota gets none: no short wait brings it back).
                let made = attempt.load(Ordering::Relaxed);
                Err(LlmError::RateLimited {
                    retry_after: Some(next_backoff(policy, made)),
                    daily_quota: false,
                    message,
                })
            }
            Ok(result) => result,
            Err(_) => Err(LlmError::Timeout {
                deadline: true,
                message: format!("overall deadline of {:?} exceeded", self.cfg.deadline),
            }),
        }
    }
}

/// The backoff after `attempts` attempts, without jitter: the base delay doubled per retry made, capped at the
/// policy's longest wait, and at least 1 s (a `Retry-After` is whole seconds; 0 would say "retry now").
fn next_backoff(policy: &crate::config::RetryPolicy, attempts: u32) -> std::time::Duration {
    let doublings = attempts.saturating_sub(1).min(31);
    policy
        .base_delay
        .saturating_mul(1 << doublings)
        .min(policy.max_delay)
        .max(std::time::Duration::from_secs(1))
}

/// The `X-Request-Id` of one attempt: `{base}-{attempt}-{nonce}`. The base starts with the trace id, so a
/// search of the LLM server's logs by trace id finds it; the attempt numbers transport retries; the random
/// nonce keeps the id unique where the rest repeats (two analyses sent with the same client-chosen
/// `X-Trace-Id`, the pages of a model list): vLLM uses it as its engine request id.
pub(crate) fn attempt_request_id(base: &str, attempt: u32) -> String {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    format!("{base}-{attempt}-{}", &nonce[..8])
}

/// The trace id to use: the caller's, or a fresh one so attempts stay correlated.
pub(crate) fn trace_id_or_new(trace_id: &str) -> String {
    if trace_id.trim().is_empty() {
        uuid::Uuid::new_v4().simple().to_string()
    } else {
        trace_id.to_string()
    }
}

/// A redirect from the LLM server: a configuration to fix (`AI_BASE_URL` points at an old or plain-HTTP
/// address), named with where it points, not retried.
fn redirected(status: u16, headers: &reqwest::header::HeaderMap) -> LlmError {
    let target = headers
        .get(reqwest::header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .map(clip)
        .unwrap_or_else(|| "an address it did not give".to_owned());
    LlmError::NotConfigured(format!(
        "the LLM server answered HTTP {status}, a redirect to {target}; set AI_BASE_URL to the address it \
         redirects to (redirects are not followed)"
    ))
}
