//! Asking a question in real headless Chromium, against the whole stack with the LLM mocked by wiremock: the
//! stages stream in, then the summary, the SQL, the verdict with the review, the result table and the chart; a
//! model that only writes forbidden SQL ends in a rejection with its issues; the History tab reopens an
//! analysis. Screenshots go to `target/ui-screenshots/`.
//!
//! Skipped with a printed reason where Chromium or chromedriver is missing; in CI (`CI` set) they must run.

#[path = "../src/browser_harness.rs"]
mod browser_harness;

use std::time::Duration;

use browser_harness::{one_at_a_time, setup::Setup};
use integration_tests::{PASSENGERS_CSV, llm_mock::answer};
use serde_json::json;

const ENTER: &str = "\u{E007}";
const QUESTION: &str = "What is the average fare per class?";

#[tokio::test]
async fn a_question_streams_its_stages_then_shows_sql_verdict_table_chart_and_history() {
    one_at_a_time("ask", async {
        let good = answer(
            "SELECT class, ROUND(AVG(fare), 2) AS mean_fare, COUNT(*) AS passengers \
             FROM passengers GROUP BY class ORDER BY class",
            "Average fare per passenger class.",
            Some(json!({"kind": "bar", "x": "class", "y": "mean_fare"})),
        );
        let forbidden = answer(
            "SELECT * FROM read_csv('/etc/passwd')",
            "Reads a file.",
            None,
        );
        // Codegen answers well once; every later answer is the forbidden one.
        let Some(page) = Setup::new("ask")
            .answering(vec![good, forbidden])
            .with_review()
            .upload("passengers", PASSENGERS_CSV)
            .start()
            .await
        else {
            return;
        };
        // The review is held back a moment, so the page can be seen mid-analysis (generated, now validating).
        page.llm()
            .review_after(
                Duration::from_millis(1500),
                "answers",
                "Groups the passengers by class and averages their fares.",
            )
            .await;
        let browser = &page.browser;
        browser.open("/").await;
        browser.wait_text("#llm-status", "test-model").await;
        browser.click("#tab-ask").await;
        assert!(
            browser
                .find("#llm-notice")
                .await
                .attr("hidden")
                .await
                .unwrap()
                .is_some()
        );

        browser.fill("#question", QUESTION).await;
        browser
            .find("#question")
            .await
            .send_keys(ENTER)
            .await
            .unwrap();
        // Mid-flight: the SQL is generated (its tokens were streamed), the review is still running.
        browser
            .wait_js(
                "document.querySelector('[data-stage=codegen].stage-done') && \
                 document.querySelector('[data-stage=validation].stage-active')",
                "generation done and validation running",
            )
            .await;
        let tokens = browser
            .eval("document.getElementById('tokens').textContent")
            .await;
        assert!(
            tokens.as_str().unwrap().contains("mean_fare"),
            "tokens arrived: {tokens}"
        );
        assert!(browser.value("#sql-input").await.contains("FROM data"));
        browser.shot("11-asking").await;

        // The answer.
        browser
            .wait_text("#answer-summary", "Average fare per passenger class.")
            .await;
        browser
            .wait_js(
                "document.querySelectorAll('#stages .stage-done').length === 3",
                "every stage done",
            )
            .await;
        let verdict = browser.text("#verdict").await;
        assert!(verdict.contains("Passed the SQL validator"), "{verdict}");
        assert!(
            verdict.contains("Answers the question") && verdict.contains("averages their fares"),
            "{verdict}"
        );
        assert_eq!(browser.text("#answer-outcome").await, "Answered");
        assert!(browser.text("#answer-meta").await.contains("test-model"));
        let sql = browser.value("#sql-input").await;
        assert!(
            sql.contains("AVG(\"fare\")") && sql.contains("FROM data"),
            "{sql}"
        );
        assert!(browser.text("#result-meta").await.starts_with("3 rows"));
        let rows = browser.text("#result-table tbody").await;
        assert!(rows.contains("82.83") && rows.contains("12.09"), "{rows}");
        browser
            .wait_js(
                "document.getElementById('answer-chart').complete && \
                 document.getElementById('answer-chart').naturalWidth === 800",
                "the analysis chart image",
            )
            .await;
        assert!(
            browser
                .text("#chart-caption")
                .await
                .contains("mean_fare by class")
        );
        browser.shot("12-answer").await;

        // A model that only writes a file-reading query: nothing runs, the issues are shown.
        browser.fill("#question", "Show me the password file").await;
        browser.click("#ask-button").await;
        browser.wait_text("#answer-outcome", "Rejected").await;
        let answer_card = browser.text("#answer-card").await;
        assert!(answer_card.contains("table_function"), "{answer_card}");
        assert!(browser.text("#answer-error").await.contains("trace id"));
        assert!(browser.value("#sql-input").await.contains("read_csv"));
        browser.shot("13-rejected").await;

        // History: both analyses, newest first; opening the answered one shows it again.
        browser.click("#tab-history").await;
        browser
            .wait_js(
                "document.querySelectorAll('#history-list li').length === 2",
                "two history entries",
            )
            .await;
        let history = browser.text("#history-list").await;
        assert!(
            history.find("password").unwrap() < history.find(QUESTION).unwrap(),
            "{history}"
        );
        assert!(
            history.contains("Answered") && history.contains("Rejected"),
            "{history}"
        );
        browser.shot("14-history").await;
        browser.click("#history-list li:nth-child(2) button").await;
        browser
            .wait_text("#answer-summary", "Average fare per passenger class.")
            .await;
        browser.wait_text("#result-meta", "3 rows").await;
        browser
            .wait_js(
                "!document.getElementById('chart-figure').hidden && \
                 document.getElementById('answer-chart').naturalWidth > 0",
                "the chart redrawn from the re-run",
            )
            .await;
        // Redrawn with the model's x column as its labels, not the rows' positions 0, 1, 2.
        let labels = browser
            .eval(
                "[...new DOMParser().parseFromString(decodeURIComponent(document.getElementById('answer-chart')                  .src.split(',')[1]), 'image/svg+xml').querySelectorAll('.x-label')].map(t => t.textContent)",
            )
            .await;
        assert_eq!(labels, json!(["1", "2", "3"]), "the classes label the bars");
        assert!(
            browser
                .text("#chart-caption")
                .await
                .contains("mean_fare by class")
        );
        assert_eq!(browser.value("#question").await, QUESTION);
        browser.shot("15-history-reopened").await;
        // The same page in the dark colour scheme (the stylesheet follows the system's).
        browser.emulate_dark(true).await;
        let background = browser
            .eval("getComputedStyle(document.body).backgroundColor")
            .await;
        assert_eq!(background, "rgb(11, 16, 32)", "the dark palette applies");
        browser.shot("16-dark").await;
        page.close().await;
    })
    .await;
}
