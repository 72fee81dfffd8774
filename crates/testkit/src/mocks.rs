//! Mounting the LLM mocks the llm and sidecar tests share.

use wiremock::{Match, Mock, MockServer, ResponseTemplate};

/// Mounts on `server` a mock answering the requests `matcher` matches with `response`, verified (when the
/// server is dropped) to have been called exactly `times` times.
pub async fn mount(
    server: &MockServer,
    matcher: impl Match + 'static,
    response: ResponseTemplate,
    times: u64,
) {
    Mock::given(matcher)
        .respond_with(response)
        .expect(times)
        .mount(server)
        .await;
}
