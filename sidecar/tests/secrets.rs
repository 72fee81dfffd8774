//! The API key and the sidecar token never appear in logs or `Debug` output, whatever the LLM echoes back.

mod common;

use common::*;
use serde_json::json;
use testkit::{capture_logs, get, send};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "tok-SIDECAR-TOKEN-77b1";

#[tokio::test(flavor = "current_thread")]
async fn api_key_and_token_never_reach_the_logs() {
    let (logs, _guard) = capture_logs("trace");
    let server = MockServer::start().await;
    // The provider echoes the key in its errors, as some do.
    Mock::given(request_id("trace-1-1"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"error": {"message": format!("backend hiccup for key {KEY}"), "type": "server_error"}})))
        .mount(&server)
        .await;
    Mock::given(request_id("trace-1-2"))
        .respond_with(openai_reply(&answer(
            "SELECT * FROM read_csv('/etc/passwd')",
        )))
        .mount(&server)
        .await;
    Mock::given(request_id("trace-1-r1-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": {"message": format!("Incorrect API key provided: {KEY}"), "type": "invalid_request_error", "code": "invalid_api_key"}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"error": format!("key {KEY} revoked")})),
        )
        .mount(&server)
        .await;

    for provider in [openai(&server), gemini(&server)] {
        let config = config(provider).with_token(TOKEN);
        let debug = format!("{config:?}");
        let router = router(config);
        let mut request = post("/ai/codegen", &codegen_body());
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {TOKEN}").parse().unwrap());
        let reply = send(router.clone(), request).await;
        assert!(
            reply.status.is_server_error() || reply.status.is_client_error(),
            "{}",
            reply.text()
        );
        let mut request = get("/ai/models");
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {TOKEN}").parse().unwrap());
        let models = send(router.clone(), request).await;
        let wrong = send(router, get("/ai/models")).await;
        for (what, text) in [
            ("config Debug", debug),
            ("codegen reply", reply.text()),
            ("models reply", models.text()),
            ("401 reply", wrong.text()),
        ] {
            assert!(
                !text.contains(KEY) && !text.contains("SIDECAR-SECRET"),
                "key leaked into {what}: {text}"
            );
            assert!(!text.contains(TOKEN), "token leaked into {what}: {text}");
        }
    }
    let text = logs.text();
    assert!(
        text.contains("LLM HTTP response"),
        "the calls were logged:\n{text}"
    );
    assert!(
        text.contains("[REDACTED]"),
        "the echoed key was scrubbed:\n{text}"
    );
    assert!(
        !text.contains(KEY) && !text.contains("SIDECAR-SECRET"),
        "API key in the logs:\n{text}"
    );
    assert!(!text.contains(TOKEN), "token in the logs:\n{text}");
}
