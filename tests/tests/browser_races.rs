//! Late replies in real headless Chromium: a query's rows or error, and a quick chart, that come back after
//! the page moved on (a question answered since, another dataset selected) are dropped, never shown under other
//! SQL or in the other dataset's panel; and Ctrl+Enter waits for the running query as the Run button does.
//!
//! The page's `fetch` is wrapped so that `/query` replies are held until the test releases them: a slow query,
//! deterministically. Skipped with a printed reason where Chromium or chromedriver is missing; in CI (`CI` set)
//! they must run.

#[path = "../src/browser_harness.rs"]
mod browser_harness;

use std::time::Duration;

use browser_harness::{
    Browser, one_at_a_time,
    setup::{Setup, by_class},
};
use integration_tests::PASSENGERS_CSV;
use serde_json::json;

const CTRL_ENTER: &str = "\u{E009}\u{E007}\u{E000}";

/// Wraps `fetch`: every `/query` call is counted (`__queries`); while `__hold` is true its reply is kept until
/// `__release()`, then delivered, or an AbortError if the page aborted it meanwhile (as a real fetch would).
const HOLD_QUERIES: &str = "(() => {
  const real = window.fetch.bind(window);
  window.__queries = 0; window.__hold = false; window.__held = [];
  window.__release = () => { const held = window.__held; window.__held = []; held.forEach((go) => go()); return held.length; };
  window.fetch = async (input, init = {}) => {
    const url = String(input instanceof Request ? input.url : input);
    if (!/\\/query$/.test(url)) return real(input, init);
    window.__queries += 1;
    if (!window.__hold) return real(input, init);
    const response = await real(input, { ...init, signal: undefined });
    await new Promise((go) => window.__held.push(go));
    if (init.signal && init.signal.aborted) throw new DOMException('The operation was aborted.', 'AbortError');
    return response;
  };
  return true;
})()";

async fn hold_queries(browser: &Browser) {
    browser.eval(HOLD_QUERIES).await;
    browser.eval("window.__hold = true").await;
}

/// Waits until `count` `/query` replies are held, then delivers them and gives the page time to (wrongly) show
/// them.
async fn release_after(browser: &Browser, count: u32) {
    browser
        .wait_js(
            &format!("window.__held.length === {count}"),
            &format!("{count} held /query replies"),
        )
        .await;
    browser.eval("window.__hold = false").await;
    assert_eq!(browser.eval("window.__release()").await, json!(count));
    tokio::time::sleep(Duration::from_millis(600)).await;
}

#[tokio::test]
async fn a_running_query_blocks_ctrl_enter_and_its_late_reply_is_dropped() {
    one_at_a_time("query races", async {
        let Some(page) = Setup::new("query_races")
            .answering(vec![by_class(false)])
            .upload("passengers", PASSENGERS_CSV)
            .start()
            .await
        else {
            return;
        };
        let browser = &page.browser;
        page.open_ask().await;
        hold_queries(browser).await;

        // A slow query: while it runs, its SQL stays as sent and Ctrl+Enter, like Run, waits for it.
        browser
            .fill("#sql-input", "SELECT name FROM data WHERE class = 1")
            .await;
        let input = browser.find("#sql-input").await;
        input.send_keys(CTRL_ENTER).await.unwrap();
        browser
            .wait_js("window.__held.length === 1", "the query sent")
            .await;
        assert_eq!(
            browser
                .eval("[document.getElementById('sql-input').readOnly, document.getElementById('sql-run').disabled]")
                .await,
            json!([true, true])
        );
        input.send_keys(CTRL_ENTER).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(browser.eval("window.__queries").await, json!(1), "one query at a time");
        release_after(browser, 1).await;
        browser.wait_text("#result-meta", "5 rows").await;
        assert_eq!(browser.eval("document.getElementById('sql-input').readOnly").await, json!(false));

        // A slow query, then a question answered before it returns: the answer's table and SQL stay.
        hold_queries(browser).await;
        browser.fill("#sql-input", "SELECT name FROM data").await;
        browser.click("#sql-run").await;
        browser
            .wait_js("window.__held.length === 1", "the slow query sent")
            .await;
        browser
            .fill("#question", "How many passengers per class?")
            .await;
        browser.click("#ask-button").await;
        browser.wait_text("#answer-outcome", "Answered").await;
        browser.wait_text("#result-meta", "3 rows").await;
        release_after(browser, 1).await;
        let shown = browser
            .eval(
                "({ meta: document.getElementById('result-meta').textContent, \
                   sql: document.getElementById('sql-input').value, \
                   answer: !document.getElementById('answer-card').hidden, \
                   run: document.getElementById('sql-run').disabled })",
            )
            .await;
        assert!(shown["meta"].as_str().unwrap().starts_with("3 rows"), "{shown}");
        assert!(shown["sql"].as_str().unwrap().contains("GROUP BY"), "{shown}");
        assert_eq!((&shown["answer"], &shown["run"]), (&json!(true), &json!(false)), "{shown}");
        page.close().await;
    })
    .await;
}

#[tokio::test]
async fn switching_dataset_drops_a_running_query_and_quick_chart() {
    one_at_a_time("switch races", async {
        let Some(page) = Setup::new("switch_races")
            .upload("first", PASSENGERS_CSV)
            .upload("second", PASSENGERS_CSV)
            .start()
            .await
        else {
            return;
        };
        let (browser, first_id) = (&page.browser, page.id(0));
        browser.open(&format!("/#/datasets/{first_id}")).await;
        browser.wait_text("#ds-name", "first").await;
        hold_queries(browser).await;

        // Rows, then an error, of the dataset left: neither shows in the other one's Ask panel.
        for (sql, back_to) in [
            ("SELECT name FROM data", "second"),
            ("SELECT nmae FROM data", "first"),
        ] {
            browser.click_centered("#tab-ask").await;
            browser.fill("#sql-input", sql).await;
            browser.click("#sql-run").await;
            browser
                .wait_js("window.__held.length === 1", "the query sent")
                .await;
            browser
                .click_centered("#dataset-list button:not([aria-current])")
                .await;
            browser.wait_text("#ds-name", back_to).await;
            browser.click_centered("#tab-ask").await;
            release_after(browser, 1).await;
            browser.eval("window.__hold = true").await;
            let panel = browser
                .eval(
                    "({ result: document.getElementById('result-card').hidden, \
                       issues: document.getElementById('sql-issues').textContent.trim(), \
                       run: document.getElementById('sql-run').disabled, \
                       readOnly: document.getElementById('sql-input').readOnly })",
                )
                .await;
            assert_eq!(
                panel,
                json!({"result": true, "issues": "", "run": false, "readOnly": false}),
                "{sql}: the new dataset's panel is clean"
            );
        }

        // A quick chart of the dataset left is not drawn in the new one's Data tab.
        browser.click_centered("#tab-data").await;
        browser.click("#quick-draw").await;
        browser
            .wait_js("window.__held.length === 1", "the chart's query sent")
            .await;
        browser
            .click_centered("#dataset-list button:not([aria-current])")
            .await;
        browser.wait_text("#ds-name", "second").await;
        release_after(browser, 1).await;
        let data = browser
            .eval(
                "({ figure: document.getElementById('quick-figure').hidden, \
                   error: document.getElementById('quick-error').hidden, \
                   draw: document.getElementById('quick-draw').disabled })",
            )
            .await;
        assert_eq!(data, json!({"figure": true, "error": true, "draw": false}));
        // ...and the new one's own chart still draws.
        browser.click("#quick-draw").await;
        browser.wait_visible("#quick-figure img").await;
        page.close().await;
    })
    .await;
}
