//! `AI_MAX_CONCURRENCY`: calls beyond the bound wait for a slot instead of reaching the LLM at once.

mod common;

use std::time::{Duration, Instant};

use common::{answer, codegen_body, config, openai, openai_reply, post, router};
use wiremock::{Mock, MockServer, matchers::path};

#[tokio::test]
async fn with_one_slot_two_questions_reach_the_llm_one_after_the_other() {
    let server = MockServer::start().await;
    let delay = Duration::from_millis(300);
    Mock::given(path("/v1/chat/completions"))
        .respond_with(openai_reply(&answer("SELECT COUNT(*) AS n FROM data")).set_delay(delay))
        .expect(2)
        .mount(&server)
        .await;
    let mut settings = config(openai(&server));
    settings.max_concurrency = 1;
    let app = router(settings);

    let started = Instant::now();
    let (first, second) = tokio::join!(
        testkit::send(app.clone(), post("/ai/codegen", &codegen_body())),
        testkit::send(app.clone(), post("/ai/codegen", &codegen_body())),
    );
    let elapsed = started.elapsed();
    assert_eq!((first.status.as_u16(), second.status.as_u16()), (200, 200));
    // In parallel both would be answered after one delay; with one slot the second waits for the first.
    assert!(elapsed >= delay * 2, "both answered after {elapsed:?}");
}
