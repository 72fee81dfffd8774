//! Starts the whole stack in-process on ephemeral ports for cross-service tests
//! (after zero-to-production's `spawn_app`).

/// A running calculator and sidecar; both stop when the test's runtime ends.
pub struct TestStack {
    pub calculator: String,
    pub sidecar: String,
    pub client: reqwest::Client,
}

/// Builds and starts both services on `127.0.0.1:0`.
pub async fn spawn_stack() -> TestStack {
    let sidecar = sidecar::Application::build(sidecar::Config::for_tests())
        .await
        .expect("the sidecar binds a free port");
    let sidecar_addr = sidecar.local_addr().expect("a bound address");
    tokio::spawn(sidecar.run_until(std::future::pending()));

    let config = calculator::Config {
        sidecar_url: Some(format!("http://{sidecar_addr}")),
        ..calculator::Config::for_tests()
    };
    let calculator = calculator::Application::build(config)
        .await
        .expect("the calculator binds a free port");
    let calculator_addr = calculator.local_addr().expect("a bound address");
    tokio::spawn(calculator.run_until(std::future::pending()));

    TestStack {
        calculator: format!("http://{calculator_addr}"),
        sidecar: format!("http://{sidecar_addr}"),
        client: reqwest::Client::new(),
    }
}
