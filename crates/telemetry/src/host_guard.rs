//! The browser guard both services put in front of their routes: a request addressed to a host the service
//! does not answer to (DNS rebinding) is 421 `host_not_allowed`, and a request that changes something sent by
//! a page of another site (a cross-site form: CSRF) is 403 `cross_origin_refused`.
//!
//! Requests from curl and scripts carry no `Origin` and pass; the browser UI's own requests carry the origin
//! they were sent to, which is the request's `Host`. Tests that build requests without a `Host` pass too.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use axum::{
    http::{Method, Request, StatusCode, header},
    response::Response,
};
use tower::{Layer, Service};

use crate::{
    allowed_hosts::{ALLOWED_HOSTS, AllowedHosts, host_and_port},
    errors::error_response,
};

/// Applies [`HostGuard`] with the service's [`AllowedHosts`]: `router.layer(HostGuardLayer::new(hosts))`,
/// inside the request layer (so its answers carry the trace id).
#[derive(Debug, Clone)]
pub struct HostGuardLayer {
    hosts: AllowedHosts,
}

impl HostGuardLayer {
    pub fn new(hosts: AllowedHosts) -> Self {
        Self { hosts }
    }
}

impl<S> Layer<S> for HostGuardLayer {
    type Service = HostGuard<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HostGuard {
            inner,
            hosts: self.hosts.clone(),
        }
    }
}

/// See the module documentation.
#[derive(Debug, Clone)]
pub struct HostGuard<S> {
    inner: S,
    hosts: AllowedHosts,
}

impl<S, B> Service<Request<B>> for HostGuard<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = GuardFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        match refusal(&self.hosts, &request) {
            Some(refusal) => GuardFuture::Refused {
                refusal: Some(refusal),
            },
            None => GuardFuture::Passed {
                inner: self.inner.call(request),
            },
        }
    }
}

/// Why a request was refused: the error body is rendered only when the guard's future is polled. `call` runs
/// before the request layer's scope is entered when the guard wraps the whole router (`crate::served`), so a
/// body rendered there had an empty `trace_id`; polled, the future is inside that scope.
#[derive(Debug)]
pub struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
}

pin_project_lite::pin_project! {
    /// The inner service's future, or the guard's answer.
    #[project = GuardProjection]
    pub enum GuardFuture<F> {
        Refused { refusal: Option<Refusal> },
        Passed { #[pin] inner: F },
    }
}

impl<F, E> Future for GuardFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            GuardProjection::Refused { refusal } => {
                let Refusal {
                    status,
                    code,
                    message,
                } = refusal.take().expect("polled after completion");
                Poll::Ready(Ok(error_response(status, code, message)))
            }
            GuardProjection::Passed { inner } => inner.poll(cx),
        }
    }
}

/// The guard's answer to `request`, or `None` to let it through.
fn refusal<B>(hosts: &AllowedHosts, request: &Request<B>) -> Option<Refusal> {
    let headers = request.headers();
    // RFC 9112 §3.2: two Host headers are a bad request (a proxy and the server could each read another).
    if headers.get_all(header::HOST).iter().nth(1).is_some() {
        return Some(Refusal::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the request has more than one Host header".to_owned(),
        ));
    }
    // An absolute-form target (`POST http://evil.example/datasets`) names the host it means: it must be one
    // this server answers to as well, whatever the Host header says.
    if let Some(target) = request.uri().authority()
        && host_and_port(target.as_str()).is_none_or(|(host, _)| !hosts.allows(&host))
    {
        return Some(Refusal::new(
            StatusCode::MISDIRECTED_REQUEST,
            "host_not_allowed",
            format!(
                "this server does not answer to the host `{}` (the request's target); to reach it by that \
                 name, add the name to {ALLOWED_HOSTS} (host names separated by commas, `*` for any)",
                quoted(target.as_str())
            ),
        ));
    }
    // A `Host` that is not text is no host this server answers to: it is compared as an empty one.
    let authority = match headers.get(header::HOST) {
        Some(value) => Some(value.to_str().unwrap_or_default()),
        None => request.uri().authority().map(|a| a.as_str()),
    };
    let target = authority.map(|a| (a, host_and_port(a)));
    if let Some((shown, parsed)) = &target {
        let allowed = match parsed {
            Some((host, _)) => hosts.allows(host),
            None => hosts.is_any(),
        };
        if !allowed {
            return Some(Refusal::new(
                StatusCode::MISDIRECTED_REQUEST,
                "host_not_allowed",
                format!(
                    "this server does not answer to the host `{}` (the request's Host header); to reach it by \
                     that name, add the name to {ALLOWED_HOSTS} (host names separated by commas, `*` for any)",
                    quoted(shown)
                ),
            ));
        }
    }
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return None;
    }
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"));
    let origin = headers.get(header::ORIGIN).map(|v| v.as_bytes());
    let foreign_origin = match (
        origin,
        target.as_ref().and_then(|(_, parsed)| parsed.as_ref()),
    ) {
        (Some(origin), Some((host, port))) => !same_origin(origin, host, *port),
        // No `Host` to compare with (a test's request): only `Sec-Fetch-Site` can tell.
        _ => false,
    };
    if !(cross_site || foreign_origin) {
        return None;
    }
    let from = origin.map_or_else(
        || "another site".to_owned(),
        |o| format!("`{}`", quoted(&String::from_utf8_lossy(o))),
    );
    Some(Refusal::new(
        StatusCode::FORBIDDEN,
        "cross_origin_refused",
        format!(
            "refused a {} sent by a web page of {from}: requests that change data are accepted from this \
             server's own pages, or without an `Origin` header (curl, scripts)",
            request.method()
        ),
    ))
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, message: String) -> Self {
        Self {
            status,
            code,
            message,
        }
    }
}

/// Whether an `Origin` header (`http://localhost:8000`) names the request's own host and port. An opaque
/// origin (`null`: a sandboxed frame, a file) never does.
fn same_origin(origin: &[u8], host: &str, port: Option<u16>) -> bool {
    let Ok(origin) = std::str::from_utf8(origin) else {
        return false;
    };
    let Some((scheme, authority)) = origin.trim().split_once("://") else {
        return false;
    };
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => 80,
        "https" => 443,
        _ => return false,
    };
    match host_and_port(authority) {
        Some((origin_host, origin_port)) => {
            origin_host == host
                && origin_port.unwrap_or(default_port) == port.unwrap_or(default_port)
        }
        None => false,
    }
}

/// At most 100 characters of a header's text, for a message (the value is the client's, and any length).
fn quoted(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(100).collect()
}
