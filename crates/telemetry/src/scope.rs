//! The request layer: for the whole time a request is served, its trace id is in a task-local (for log lines,
//! error bodies and outgoing calls) and its `request{trace_id,method,path}` span is entered; when the response
//! is ready it gets the trace id header, the error body if it lacks one, and the access log line. A streamed
//! body (server-sent events) is produced in the same scope and span, so its log lines carry the id too. A
//! request over the head limits is answered here without reaching the router, and a handler that panics is
//! answered 500 `internal_error` instead of losing its connection.
//!
//! One hand-written layer rather than tower-http's `SetRequestId` + `PropagateRequestId` + `TraceLayer` and two
//! `map_*` closures: that stack cost more CPU per request than the `/add` handler itself (`bench/http.sh`;
//! the figures are in the CHANGELOG) — two extension maps, cloned and reformatted ids, a boxed response body
//! and five nested futures. This one allocates at most the generated id and adds one future.

use std::{
    any::Any,
    future::Future,
    panic::{AssertUnwindSafe, catch_unwind},
    pin::Pin,
    task::{Context, Poll, ready},
    time::Instant,
};

use axum::{
    body::{Body, Bytes, HttpBody},
    http::{HeaderValue, Request, StatusCode},
    response::Response,
};
use http_body::{Frame, SizeHint};
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};
use tracing::{Instrument, Span};

use crate::{
    HeadLimits,
    errors::{ensure_error_body, error_response},
    trace_id::{TRACE_ID, accept_or_assign},
};

/// What the rest of the request can know about it without being handed the request.
#[derive(Debug, Clone)]
pub(crate) struct RequestContext {
    /// The request's trace id: the caller's when well formed, otherwise a generated UUID.
    pub(crate) trace_id: HeaderValue,
    /// The most a JSON body may hold (`MAX_BODY_BYTES`), when the layer was given one (see [`crate::ApiJson`]).
    pub(crate) body_limit: Option<usize>,
}

tokio::task_local! {
    pub(crate) static CURRENT_REQUEST: RequestContext;
}

/// Applies [`RequestService`] to a router's routes (see [`crate::instrument`]), with the JSON body limit its
/// requests carry and the limits on their URI and headers.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RequestLayer {
    pub(crate) body_limit: Option<usize>,
    pub(crate) head: HeadLimits,
}

impl<S> Layer<S> for RequestLayer {
    type Service = RequestService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestService {
            inner,
            body_limit: self.body_limit,
            head: self.head,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct RequestService<S> {
    inner: S,
    body_limit: Option<usize>,
    head: HeadLimits,
}

impl<S, B> Service<Request<B>> for RequestService<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = TaskLocalFuture<RequestContext, ResponseFuture<S::Future>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let start = Instant::now();
        let trace_id = accept_or_assign(request.headers_mut());
        let span = tracing::info_span!(
            "request",
            trace_id = trace_id.to_str().unwrap_or_default(),
            method = request.method().as_str(),
            path = request.uri().path(),
        );
        // Over a limit, the inner service is not called: the answer is made in the request's scope, with its id.
        let refused = self.head.refuse(&request);
        let inner = match refused {
            None => Some(self.inner.call(request)),
            Some(_) => None,
        };
        let context = RequestContext {
            trace_id,
            body_limit: self.body_limit,
        };
        CURRENT_REQUEST.scope(
            context.clone(),
            ResponseFuture {
                inner,
                refused,
                span,
                context: Some(context),
                start,
            },
        )
    }
}

pin_project_lite::pin_project! {
    /// Runs the inner service in the request span, then finishes the response.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: Option<F>,
        // The answer to a request over the head limits, instead of the inner service's.
        refused: Option<(StatusCode, &'static str, String)>,
        span: Span,
        // Taken when the response is ready: its trace id goes on the response, and a streamed body keeps it.
        context: Option<RequestContext>,
        start: Instant,
    }
}

impl<F, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let response = match (this.inner.as_pin_mut(), this.refused.take()) {
            // A handler that panics would otherwise take its connection down with it: the client got no
            // answer at all, not even a status.
            (Some(inner), _) => match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
                Ok(polled) => ready!(polled)?,
                Err(panic) => {
                    tracing::error!(
                        panic = panic_text(&*panic),
                        "the request's handler panicked"
                    );
                    error_response(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "internal_error",
                        "internal error; quote the trace id when reporting it",
                    )
                }
            },
            (None, Some((status, code, message))) => error_response(status, code, message),
            (None, None) => error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "the request was answered twice",
            ),
        };
        let context = this.context.take().unwrap_or_else(|| RequestContext {
            trace_id: HeaderValue::from_static(""),
            body_limit: None,
        });
        let mut response =
            ensure_error_body(response, context.trace_id.to_str().unwrap_or_default());
        // A handler that set the header itself (a proxied answer, say) keeps its value.
        response
            .headers_mut()
            .entry(TRACE_ID)
            .or_insert_with(|| context.trace_id.clone());
        log_access(response.status(), *this.start);
        // A body of known length is already there; one that is produced as it is sent gets the scope.
        if response.body().size_hint().exact().is_none() {
            let span = this.span.clone();
            response = response.map(|inner| {
                Body::new(ScopedBody {
                    inner,
                    span,
                    context,
                })
            });
        }
        Poll::Ready(Ok(response))
    }
}

pin_project_lite::pin_project! {
    /// A response body polled in its request's span and trace-id scope.
    struct ScopedBody {
        #[pin]
        inner: Body,
        span: Span,
        context: RequestContext,
    }
}

impl HttpBody for ScopedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.project();
        let _entered = this.span.enter();
        let inner = this.inner;
        CURRENT_REQUEST.sync_scope(this.context.clone(), || inner.poll_frame(cx))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The access line (target `access`): faults of the service at error; 502, 503 and 504 at warn, because they
/// report the state of something it depends on (no LLM configured, the LLM down or slow), not a fault of its
/// own; client errors at info; successes at debug. A busy service logging at info writes a line per problem,
/// not per request.
///
/// The latency is read from the clock only for a line that is written (the macros evaluate their fields only
/// when enabled): most requests succeed, and at info their line is not.
fn log_access(status: StatusCode, start: Instant) {
    let status = status.as_u16();
    let latency_us = || u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
    if matches!(status, 502..=504) {
        tracing::warn!(target: "access", status, latency_us = latency_us(), "request failed upstream");
    } else if status >= 500 {
        tracing::error!(target: "access", status, latency_us = latency_us(), "request failed");
    } else if status >= 400 {
        tracing::info!(target: "access", status, latency_us = latency_us(), "request rejected");
    } else {
        tracing::debug!(target: "access", status, latency_us = latency_us(), "request served");
    }
}

/// A panic's message, when it has one (`panic!` with a text).
fn panic_text(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// The JSON body limit of the request being served, when its layer was given one.
pub(crate) fn current_body_limit() -> Option<usize> {
    CURRENT_REQUEST
        .try_with(|context| context.body_limit)
        .ok()
        .flatten()
}

/// Runs `future` — typically one handed to `tokio::spawn` — in the request context of the caller, so that its
/// log lines, error bodies and outgoing calls carry the same trace id (and its log lines the request span).
/// Outside a request it runs as it is.
pub fn in_request_scope<F: std::future::Future>(
    future: F,
) -> impl std::future::Future<Output = F::Output> {
    let context = CURRENT_REQUEST.try_with(RequestContext::clone).ok();
    let span = Span::current();
    async move {
        match context {
            Some(context) => {
                CURRENT_REQUEST
                    .scope(context, future)
                    .instrument(span)
                    .await
            }
            None => future.instrument(span).await,
        }
    }
}
