//! The sidecar's server loop on a real socket: a graceful shutdown lets an in-flight call finish and stops
//! accepting new ones.

mod common;

use std::time::Duration;

use common::*;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer};

#[tokio::test]
async fn shutdown_finishes_in_flight_calls_then_stops_accepting() {
    let llm = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(openai_reply(&answer(GOOD_SQL)).set_delay(Duration::from_millis(400)))
        .mount(&llm)
        .await;
    let app = sidecar::Application::build(config(openai(&llm)))
        .await
        .unwrap();
    let url = format!("http://{}", app.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));

    let client = reqwest::Client::new();
    let call = tokio::spawn({
        let (client, url) = (client.clone(), url.clone());
        async move {
            client
                .post(format!("{url}/ai/codegen"))
                .header("content-type", "application/json")
                .body(codegen_body())
                .send()
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    let response = call.await.unwrap().expect("the in-flight call is answered");
    assert_eq!(response.status(), 200);
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops once the call is done")
        .unwrap()
        .unwrap();
    let refused = reqwest::Client::new()
        .get(format!("{url}/healthz"))
        .send()
        .await;
    assert!(refused.is_err(), "no longer accepting: {refused:?}");
}
