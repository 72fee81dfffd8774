//! What the page says, in real headless Chromium with the LLM mocked by wiremock: the calculator checks what
//! was typed before asking the server (a decimal comma is fine); a focused tab panel shows a focus ring; a
//! prose answer, a refusal and an unavailable model each say what happened (one label on the card and in the
//! History tab, and whether to try again); opening a History record asks before replacing SQL you wrote.
//!
//! Skipped with a printed reason where Chromium or chromedriver is missing; in CI (`CI` set) they must run.

#[path = "../src/browser_harness.rs"]
mod browser_harness;

use browser_harness::{
    Browser, one_at_a_time,
    setup::{Setup, by_class},
};
use integration_tests::PASSENGERS_CSV;
use serde_json::json;
use wiremock::{Mock, ResponseTemplate, matchers};

const TAB: &str = "\u{E004}";

/// How many calculator requests the page has sent.
async fn calculator_requests(browser: &Browser) -> serde_json::Value {
    browser
        .eval("performance.getEntriesByType('resource').filter((e) => /\\/(add|subtract)$/.test(e.name)).length")
        .await
}

#[tokio::test]
async fn the_calculator_checks_numbers_and_a_tab_panel_shows_focus() {
    one_at_a_time("calculator input", async {
        let Some(page) = Setup::new("calculator_input")
            .upload("passengers", PASSENGERS_CSV)
            .start()
            .await
        else {
            return;
        };
        let browser = &page.browser;
        browser.open("/").await;

        // A decimal comma is a decimal point.
        browser.fill("#calc-a", "1,5").await;
        browser.fill("#calc-b", "2").await;
        browser.click("#calc-submit").await;
        browser.wait_text("#calc-result", "3.5").await;
        let sent = calculator_requests(browser).await;

        // Not a number, or nothing: a sentence about the field, never the server's JSON parser error, and
        // nothing is sent.
        for (typed, says) in [
            ("abc", "First number: “abc” is not a number. Enter a number, e.g. 1.5."),
            ("", "First number: Enter a number, e.g. 1.5."),
        ] {
            browser.fill("#calc-a", typed).await;
            browser.click("#calc-submit").await;
            let error = browser.wait_text("#calc-error", says).await;
            assert!(!error.contains("invalid type"), "{error}");
            assert_eq!(
                browser
                    .eval("[document.activeElement.id, document.getElementById('calc-a').getAttribute('aria-invalid')]")
                    .await,
                json!(["calc-a", "true"])
            );
        }
        assert_eq!(calculator_requests(browser).await, sent, "nothing was sent");

        // Tab from the selected tab to its panel: the panel shows where focus is.
        browser.click_centered("#tab-data").await;
        browser.find("#tab-data").await.send_keys(TAB).await.unwrap();
        let focus = browser
            .eval(
                "(() => { const s = getComputedStyle(document.activeElement); \
                 return [document.activeElement.id, s.outlineStyle, s.outlineWidth]; })()",
            )
            .await;
        assert_eq!(focus, json!(["panel-data", "solid", "2px"]));
        browser.shot("40-tab-panel-focus").await;
        page.close().await;
    })
    .await;
}

#[tokio::test]
async fn failures_say_what_happened_and_history_asks_before_replacing_your_sql() {
    one_at_a_time("failure messages", async {
        let Some(page) = Setup::new("failure_messages")
            .answering(vec![
                by_class(false),
                "Sorry, I am just a chatbot and cannot write SQL.".into(),
            ])
            .upload("passengers", PASSENGERS_CSV)
            .start()
            .await
        else {
            return;
        };
        let (browser, llm) = (&page.browser, page.llm());
        page.open_ask().await;
        let ask = async |question: &str| {
            browser.fill("#question", question).await;
            browser.click("#ask-button").await;
            browser
                .wait_js(
                    "!document.getElementById('ask-button').classList.contains('loading') && \
                     !document.getElementById('answer-card').hidden",
                    "the answer card",
                )
                .await;
            browser.text("#answer-outcome").await
        };
        assert_eq!(ask("How many passengers per class?").await, "Answered");

        // Prose instead of SQL: nothing reached the validator, and the card says so.
        assert_eq!(ask("Tell me a story").await, "No SQL written");
        let verdict = browser.text("#verdict").await;
        assert!(verdict.contains("The model wrote no SQL"), "{verdict}");
        assert!(
            !verdict.contains("Rejected by the SQL validator"),
            "{verdict}"
        );

        // A refusal: "Model refused" on the card and in the History tab alike.
        Mock::given(matchers::method("POST"))
            .and(matchers::path("/v1/chat/completions"))
            .respond_with(ResponseTemplate::new(400).set_body_json(
                json!({"error": {"code": "content_filter", "message": "The prompt was filtered."}}),
            ))
            .with_priority(1)
            .mount(&llm.server)
            .await;
        assert_eq!(ask("Something refused").await, "Model refused");
        browser.click_centered("#tab-history").await;
        browser
            .wait_text(
                "#history-list li:first-child .history-question",
                "Something refused",
            )
            .await;
        assert_eq!(
            browser.text("#history-list li:first-child .badge").await,
            "Model refused"
        );

        // The model server down: the card says asking again may work.
        llm.server.reset().await;
        llm.fail_with(500).await;
        browser.click_centered("#tab-ask").await;
        assert_eq!(ask("And per port?").await, "LLM unavailable");
        browser
            .wait_text("#answer-error", "ask again in a moment")
            .await;

        // SQL you wrote is not replaced by a History record without asking; Cancel keeps it.
        let mine = "SELECT COUNT(*) AS n FROM data";
        browser.fill("#sql-input", mine).await;
        browser.click_centered("#tab-history").await;
        let open_first_question = "[...document.querySelectorAll('.history-item')] \
             .find((b) => b.textContent.includes('per class?')).click()";
        browser.eval(open_first_question).await;
        browser
            .wait_js(
                "document.getElementById('confirm-dialog').open",
                "the confirmation",
            )
            .await;
        assert_eq!(
            browser.text("#confirm-title").await,
            "Replace the SQL in the editor?"
        );
        browser.shot("41-history-confirm").await;
        browser.click("#confirm-dialog button[value=cancel]").await;
        assert_eq!(
            browser
                .eval("document.getElementById('tab-history').getAttribute('aria-selected')")
                .await,
            json!("true")
        );
        assert_eq!(browser.value("#sql-input").await, mine);
        // Replace (asked for straight after Cancel, as a script can): the record opens with its own SQL.
        browser.eval(open_first_question).await;
        browser.click("#confirm-ok").await;
        browser.wait_text("#answer-outcome", "Answered").await;
        assert!(browser.value("#sql-input").await.contains("GROUP BY"));
        page.close().await;
    })
    .await;
}
