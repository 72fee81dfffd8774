//! `SIDECAR_URL` as the calculator's sidecar client uses it: a path prefix leads to the API under it, and a
//! URL that does not lead to the sidecar's API is a bad answer from the sidecar, never the sidecar's 404
//! passed on to the client as `not_found`.

mod common;

use std::time::Duration;

use calculator::analyze::{SidecarClient, SidecarError};
use serde_json::json;
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::path};

fn client(base: &str) -> SidecarClient {
    SidecarClient::new(
        base,
        None,
        Duration::from_millis(500),
        Duration::from_secs(5),
    )
    .unwrap()
}

/// A sidecar behind a proxy at `/csv-ask/`: calls go to `/csv-ask/ai/codegen`.
#[tokio::test]
async fn a_path_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(path("/csv-ask/ai/codegen"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "code": "SELECT 1 AS one", "language": "sql", "summary": "one", "model": "m", "attempts": 1
        })))
        .expect(1)
        .mount(&server)
        .await;
    let answer = client(&format!("{}/csv-ask/", server.uri()))
        .codegen("t", &common::codegen_request())
        .await
        .unwrap();
    assert_eq!(answer.code, "SELECT 1 AS one");
}

/// The real sidecar answers a path it does not serve with 404 `not_found`: the client's question named
/// nothing missing, the calculator's SIDECAR_URL did.
#[tokio::test]
async fn the_sidecars_404_is_a_bad_response_naming_sidecar_url() {
    let sidecar = sidecar::Application::build(sidecar::Config::for_tests())
        .await
        .unwrap();
    let addr = sidecar.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(sidecar.run_until(async move {
        let _ = stopped.await;
    }));
    let error = client(&format!("http://{addr}/base"))
        .codegen("t", &common::codegen_request())
        .await
        .unwrap_err();
    match &error {
        SidecarError::BadResponse(message) => {
            assert!(message.contains("HTTP 404"), "{message}");
            assert!(
                message.contains(&format!("http://{addr}/base/ai/codegen")),
                "{message}"
            );
            assert!(message.contains("SIDECAR_URL"), "{message}");
        }
        other => panic!("expected BadResponse, got {other:?}"),
    }
    let _ = stop.send(());
    served.await.unwrap().unwrap();
}
