//! Both services over real HTTP: they start on free ports, answer health checks and keep trace ids.

use integration_tests::{StackOptions, spawn_stack, worker};

#[tokio::test]
async fn both_services_answer_over_real_http() {
    let stack = spawn_stack(StackOptions::new(worker!())).await;
    for (base, service) in [
        (&stack.calculator, "calculator"),
        (stack.sidecar.as_ref().unwrap(), "sidecar"),
    ] {
        let response = stack
            .client
            .get(format!("{base}/healthz"))
            .header("x-trace-id", "stack-health-1")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["x-trace-id"], "stack-health-1");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["service"], service);
    }
}

#[tokio::test]
async fn arithmetic_over_real_http() {
    let stack = spawn_stack(StackOptions::new(worker!())).await;
    let body: serde_json::Value = stack
        .client
        .post(format!("{}/add", stack.calculator))
        .json(&serde_json::json!({"a": 2, "b": 40}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["result"], 42.0);
}
