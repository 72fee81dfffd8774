//! The request context task-local: the trace id (for log lines, error bodies and outgoing calls) and the
//! method and URI (for error messages), in scope for the whole time a request is served.
//!
//! Hand-written rather than `axum::middleware::from_fn` because it runs on every request and `from_fn` clones
//! and boxes the inner service each time; this one adds no allocation beyond the context itself.

use std::task::{Context, Poll};

use axum::http::{Method, Request, Uri};
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};

use crate::trace_id::header_trace_id;

/// What the rest of the request can know about it without being handed the request.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestContext {
    pub(crate) trace_id: String,
    pub(crate) method: Method,
    pub(crate) uri: Uri,
}

tokio::task_local! {
    pub(crate) static CURRENT_REQUEST: RequestContext;
}

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RequestScopeLayer;

impl<S> Layer<S> for RequestScopeLayer {
    type Service = RequestScope<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestScope { inner }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct RequestScope<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for RequestScope<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = TaskLocalFuture<RequestContext, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let context = RequestContext {
            trace_id: header_trace_id(request.headers()).unwrap_or_default(),
            method: request.method().clone(),
            uri: request.uri().clone(),
        };
        CURRENT_REQUEST.scope(context, self.inner.call(request))
    }
}
