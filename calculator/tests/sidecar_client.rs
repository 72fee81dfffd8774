//! The calculator's sidecar client against a wiremock sidecar: trace id and token sent, errors classified,
//! the codegen stream decoded.

mod common;

use std::time::Duration;

use calculator::analyze::{CodegenEvent, SidecarClient, SidecarError};
use secrecy::SecretString;
use serde_json::json;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{header, method, path},
};

fn client(base: &str, token: Option<&str>, timeout: Duration) -> SidecarClient {
    SidecarClient::new(
        base,
        token.map(|t| SecretString::from(t.to_owned())),
        Duration::from_millis(500),
        timeout,
    )
    .unwrap()
}

fn codegen_answer() -> serde_json::Value {
    json!({"code": "SELECT COUNT(*) AS n FROM data", "language": "sql", "summary": "counts rows",
           "model": "m", "attempts": 1})
}

/// The error `codegen` returns when the sidecar answers with `template`, the client waiting at most `timeout`.
async fn codegen_error(template: ResponseTemplate, timeout: Duration) -> SidecarError {
    let server = MockServer::start().await;
    Mock::given(path("/ai/codegen"))
        .respond_with(template)
        .mount(&server)
        .await;
    client(&server.uri(), None, timeout)
        .codegen("t", &common::codegen_request())
        .await
        .unwrap_err()
}

#[tokio::test]
async fn codegen_sends_the_trace_id_and_the_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/ai/codegen"))
        .and(header("x-trace-id", "trace-42"))
        .and(header("authorization", "Bearer s3cret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(codegen_answer()))
        .expect(1)
        .mount(&server)
        .await;
    let answer = client(&server.uri(), Some("s3cret"), Duration::from_secs(5))
        .codegen("trace-42", &common::codegen_request())
        .await
        .unwrap();
    assert_eq!(answer.code, "SELECT COUNT(*) AS n FROM data");
    assert_eq!(answer.attempts, 1);
}

#[tokio::test]
async fn the_sidecars_error_body_is_passed_on() {
    let body = json!({"error": {"code": "llm_not_configured", "message": "set AI_BASE_URL", "trace_id": "t"}});
    let error = codegen_error(
        ResponseTemplate::new(503).set_body_json(body),
        Duration::from_secs(5),
    )
    .await;
    match error {
        SidecarError::Upstream { status, body, .. } => {
            assert_eq!(status.as_u16(), 503);
            assert_eq!(body.error.code, "llm_not_configured");
        }
        other => panic!("expected Upstream, got {other:?}"),
    }
}

#[tokio::test]
async fn nothing_listening_is_unreachable_and_slowness_is_a_timeout() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = closed.local_addr().unwrap();
    drop(closed);
    let error = client(&format!("http://{address}"), None, Duration::from_secs(5))
        .codegen("t", &common::codegen_request())
        .await
        .unwrap_err();
    assert!(
        matches!(error, SidecarError::Unreachable { .. }),
        "{error:?}"
    );

    let error = codegen_error(
        ResponseTemplate::new(200).set_delay(Duration::from_secs(3)),
        Duration::from_millis(200),
    )
    .await;
    assert!(matches!(error, SidecarError::Timeout(_)), "{error:?}");
}

/// A sidecar that does not answer to the host in SIDECAR_URL (421 `host_not_allowed`) is the operator's to fix:
/// a bad response naming ALLOWED_HOSTS, not the sidecar's 421 passed on to the user.
#[tokio::test]
async fn a_sidecar_refusing_the_host_names_allowed_hosts() {
    let body = serde_json::json!({"error": {"code": "host_not_allowed",
        "message": "this server does not answer to the host `sidecar.lan:8001`", "trace_id": "t"}});
    let error = codegen_error(
        ResponseTemplate::new(421).set_body_json(body),
        Duration::from_secs(5),
    )
    .await;
    let SidecarError::BadResponse(message) = &error else {
        panic!("{error:?}");
    };
    assert!(message.contains("sidecar.lan:8001"), "{message}");
    assert!(message.contains("ALLOWED_HOSTS"), "{message}");
}

#[tokio::test]
async fn something_else_on_the_port_is_a_bad_response() {
    let error = codegen_error(
        ResponseTemplate::new(200).set_body_string("<html>hello</html>"),
        Duration::from_secs(5),
    )
    .await;
    assert!(matches!(error, SidecarError::BadResponse(_)), "{error:?}");
}

#[tokio::test]
async fn the_codegen_stream_yields_deltas_repairs_then_the_result() {
    use futures::StreamExt;
    let server = MockServer::start().await;
    let sse = format!(
        "event: delta\ndata: {}\n\n: keep-alive\n\nevent: repair\ndata: {}\n\nevent: delta\ndata: {}\n\nevent: result\ndata: {}\n\n",
        json!({"attempt": 1, "text": "SELECT"}),
        json!({"attempt": 1, "issues": [{"rule": "table_function", "message": "no"}]}),
        json!({"attempt": 2, "text": " 1"}),
        codegen_answer(),
    );
    Mock::given(path("/ai/codegen/stream"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(sse, "text/event-stream"))
        .mount(&server)
        .await;
    let events: Vec<_> = client(&server.uri(), None, Duration::from_secs(5))
        .codegen_stream("t", &common::codegen_request())
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(events.len(), 4, "{events:?}");
    assert!(matches!(&events[0], Ok(CodegenEvent::Delta(d)) if d.text == "SELECT"));
    assert!(
        matches!(&events[1], Ok(CodegenEvent::Repair(r)) if r.issues[0].rule == "table_function")
    );
    assert!(matches!(&events[3], Ok(CodegenEvent::Result(r)) if r.attempts == 1));
}

#[tokio::test]
async fn an_error_event_ends_the_stream_with_its_status() {
    use futures::StreamExt;
    let server = MockServer::start().await;
    let sse = format!(
        "event: error\ndata: {}\n\n",
        json!({"error": {"code": "codegen_failed", "message": "gave up", "trace_id": "t", "attempts": 3}})
    );
    Mock::given(path("/ai/codegen/stream"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(sse, "text/event-stream"))
        .mount(&server)
        .await;
    let events: Vec<_> = client(&server.uri(), None, Duration::from_secs(5))
        .codegen_stream("t", &common::codegen_request())
        .await
        .unwrap()
        .collect()
        .await;
    match &events[..] {
        [Err(SidecarError::Upstream { status, body, .. })] => {
            assert_eq!(status.as_u16(), 422);
            assert_eq!(body.error.attempts, Some(3));
        }
        other => panic!("expected one Upstream error, got {other:?}"),
    }
}
