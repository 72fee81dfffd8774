//! What the page keeps and says, in real headless Chromium: while an upload runs no second one can start (the
//! file input is disabled, not only the dropzone's mouse); a reload comes back to the tab it was on, with the
//! question and SQL being written about each dataset; errors the server words for API users (a dataset that
//! no longer exists, a model that wrote no valid SQL) say what happened and what to do, the server's message
//! kept under "Details".
//!
//! Skipped with a printed reason where Chromium or chromedriver is missing; in CI (`CI` set) they must run.

#[path = "../src/browser_harness.rs"]
mod browser_harness;

use std::time::Duration;

use browser_harness::{
    Browser, one_at_a_time,
    setup::{Setup, by_class},
};
use integration_tests::PASSENGERS_CSV;
use serde_json::json;

const ENTER: &str = "\u{E007}";

/// Holds every upload's request body until `__release()`: an upload that runs as long as the test needs.
const HOLD_UPLOADS: &str = "(() => {
  const send = XMLHttpRequest.prototype.send;
  window.__held = [];
  window.__release = () => { const held = window.__held; window.__held = []; held.forEach((go) => go()); return held.length; };
  XMLHttpRequest.prototype.send = function (body) { window.__held.push(() => send.call(this, body)); };
  return true;
})()";

async fn names(stack: &integration_tests::TestStack) -> Vec<String> {
    let (_, list) = stack.get("/datasets").await;
    list["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Before: the dropzone ignored the mouse while busy but the file input still took a file (Tab, Space): the
/// progress box then named the second file with the first's byte counts, and the first ran on unseen.
#[tokio::test]
async fn a_second_upload_cannot_start_while_one_runs() {
    one_at_a_time("upload busy", async {
        let Some(page) = Setup::new("upload_busy").start().await else {
            return;
        };
        let (browser, stack) = (&page.browser, &page.stack);
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, PASSENGERS_CSV).unwrap();
            path.display().to_string()
        };
        let (first, second) = (path("first.csv"), path("second.csv"));
        browser.open("/").await;
        browser.eval(HOLD_UPLOADS).await;

        let input = browser.find("#file-input").await;
        input.send_keys(&first).await.unwrap();
        browser
            .wait_js("window.__held.length === 1", "the first upload, held")
            .await;
        assert_eq!(
            browser
                .eval("document.getElementById('file-input').disabled")
                .await,
            json!(true),
            "the file input is disabled while the upload runs"
        );
        // A second file given to the input anyway (WebDriver may refuse it, or the page must ignore it).
        let _ = input.send_keys(&second).await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(
            browser.eval("window.__held.length").await,
            json!(1),
            "no second upload"
        );
        assert_eq!(browser.text("#upload-name").await, "first.csv");

        assert_eq!(browser.eval("window.__release()").await, json!(1));
        browser.wait_text("#ds-name", "first").await;
        browser
            .wait_js(
                "!document.getElementById('file-input').disabled",
                "the file input enabled again",
            )
            .await;
        assert_eq!(names(stack).await, ["first"]);
        page.close().await;
    })
    .await;
}

/// `[the selected tab, the question, the SQL]` as the page shows them.
async fn ask_state(browser: &Browser) -> serde_json::Value {
    browser
        .eval(
            "[document.querySelector('[role=tab][aria-selected=true]').id, \
              document.getElementById('question').value, document.getElementById('sql-input').value]",
        )
        .await
}

async fn reload(browser: &Browser) {
    browser.client.refresh().await.unwrap();
    browser
        .wait_js(
            "document.body.dataset.ready === 'true'",
            "the reloaded page",
        )
        .await;
}

/// Before: a reload went back to the Data tab with an empty question and the starter SQL.
#[tokio::test]
async fn a_reload_keeps_the_tab_and_what_was_written_per_dataset() {
    one_at_a_time("reload", async {
        let Some(page) = Setup::new("reload")
            .answering(vec![by_class(false)])
            .upload("alpha", PASSENGERS_CSV)
            .upload("beta", PASSENGERS_CSV)
            .start()
            .await
        else {
            return;
        };
        let (browser, alpha, beta) = (&page.browser, page.id(0), page.id(1));
        browser.open(&format!("/#/datasets/{alpha}")).await;
        browser.click_centered("#tab-ask").await;
        assert_eq!(
            browser.eval("location.hash").await,
            json!(format!("#/datasets/{alpha}/ask"))
        );
        browser.fill("#question", "Half a question").await;
        browser.fill("#sql-input", "SELECT name FROM data").await;
        reload(browser).await;
        assert_eq!(
            ask_state(browser).await,
            json!(["tab-ask", "Half a question", "SELECT name FROM data"])
        );

        // Each dataset has its own: another one starts afresh, and coming back gives the first one's again.
        browser
            .eval(&format!("(location.hash = '#/datasets/{beta}', true)"))
            .await;
        browser.wait_text("#ds-name", "beta").await;
        assert_eq!(
            ask_state(browser).await,
            json!(["tab-data", "", "SELECT *\nFROM data\nLIMIT 100"])
        );
        browser
            .eval(&format!("(location.hash = '#/datasets/{alpha}/ask', true)"))
            .await;
        browser.wait_text("#ds-name", "alpha").await;
        assert_eq!(
            ask_state(browser).await,
            json!(["tab-ask", "Half a question", "SELECT name FROM data"])
        );

        // An answered question: its question and SQL come back, and the History tab stays open.
        browser.fill("#question", "How many per class?").await;
        browser
            .find("#question")
            .await
            .send_keys(ENTER)
            .await
            .unwrap();
        browser.wait_text("#answer-outcome", "Answered").await;
        let sql = browser.value("#sql-input").await;
        assert!(sql.contains("GROUP BY"), "{sql}");
        browser.click_centered("#tab-history").await;
        reload(browser).await;
        assert_eq!(
            ask_state(browser).await,
            json!(["tab-history", "How many per class?", sql])
        );
        browser.wait_visible("#history-list .history-item").await;
        page.close().await;
    })
    .await;
}

/// Before: the alert showed the server's words for API users ("GET /datasets lists the stored datasets",
/// "raise AI_MAX_REPAIRS ...") and nothing else.
#[tokio::test]
async fn errors_say_what_to_do_and_keep_the_servers_detail() {
    one_at_a_time("people's errors", async {
        let Some(page) = Setup::new("people_errors")
            .answering(vec!["Sorry, I only write poems.".into()])
            .upload("passengers", PASSENGERS_CSV)
            .start()
            .await
        else {
            return;
        };
        let browser = &page.browser;
        browser.open("/").await;
        browser
            .eval("(location.hash = '#/datasets/doesnotexist', true)")
            .await;
        let shown = browser
            .wait_text("#datasets-error", "This dataset no longer exists.")
            .await;
        assert!(shown.contains("Pick a dataset from the list"), "{shown}");
        assert!(
            !shown.contains("GET /datasets"),
            "the API's words are not in view: {shown}"
        );
        // ...but one click away, with the code and the trace id.
        browser.click("#datasets-error summary").await;
        let details = browser.text("#datasets-error .alert-details").await;
        assert!(
            details.contains("no dataset with id `doesnotexist`")
                && details.contains("dataset_not_found"),
            "{details}"
        );
        assert!(!browser.text("#datasets-error .trace-id").await.is_empty());

        browser.click_centered("#tab-ask").await;
        browser.fill("#question", "Write me a poem").await;
        browser
            .find("#question")
            .await
            .send_keys(ENTER)
            .await
            .unwrap();
        let shown = browser
            .wait_text("#answer-error", "The model could not write a query")
            .await;
        assert!(shown.contains("Ask again in other words"), "{shown}");
        assert!(!shown.contains("AI_MAX_REPAIRS"), "{shown}");
        let server = browser
            .eval("document.querySelector('#answer-error .alert-server').textContent")
            .await;
        assert!(
            server.as_str().unwrap().contains("AI_MAX_REPAIRS"),
            "{server}"
        );
        browser.shot("63-people-errors").await;
        page.close().await;
    })
    .await;
}
