//! `SIDECAR_TOKEN`: when set, every route but `/healthz` needs `Authorization: Bearer <token>`, compared in
//! constant time; anything else is 401 `unauthorized` with `WWW-Authenticate: Bearer`. `/healthz` checks a token
//! when one is sent, so that a caller's readiness probe finds out its token is wrong.

use axum::{
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::Response,
};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

/// The only route open without the token: liveness probes carry no credentials.
pub const OPEN_PATH: &str = "/healthz";

/// Middleware state: the expected token.
#[derive(Clone)]
pub struct Token(pub SecretString);

/// Lets the request through when it carries the token, answers 401 otherwise.
pub async fn require_token(State(token): State<Token>, request: Request, next: Next) -> Response {
    let open = request.uri().path() == OPEN_PATH;
    if open && !request.headers().contains_key(header::AUTHORIZATION) {
        return next.run(request).await;
    }
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, credentials) = value.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| credentials.trim())
        });
    let (message, challenge) = match presented {
        Some(candidate) if matches(candidate, &token.0) => return next.run(request).await,
        Some(_) => (
            "the bearer token is wrong",
            r#"Bearer realm="sidecar", error="invalid_token""#,
        ),
        None => (
            "this sidecar requires `Authorization: Bearer <SIDECAR_TOKEN>`",
            r#"Bearer realm="sidecar""#,
        ),
    };
    let mut response = telemetry::error_response(StatusCode::UNAUTHORIZED, "unauthorized", message);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}

/// Constant time in the token's content (a length mismatch returns early, which reveals only the length).
fn matches(candidate: &str, expected: &SecretString) -> bool {
    candidate
        .as_bytes()
        .ct_eq(expected.expose_secret().as_bytes())
        .into()
}
