//! The browser UI in real headless Chromium, against the whole stack on free ports: the page and its assets,
//! the calculator panel. Screenshots of each state go to `target/ui-screenshots/`.
//!
//! Skipped with a printed reason where Chromium or chromedriver is missing; in CI (`CI` set) they must run.

#[path = "../src/browser_harness.rs"]
mod browser_harness;

use browser_harness::launch;
use integration_tests::spawn_stack;

/// One browser at a time: the machine has two cores, and parallel sessions make timings flaky.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test]
async fn calculator_panel_adds_subtracts_and_shows_server_errors() {
    let _turn = ONE_BROWSER.lock().await;
    let stack = spawn_stack().await;
    let Some(browser) = launch("calculator_panel", &stack.calculator).await else {
        return;
    };
    browser.open("/").await;
    // The empty state: no dataset yet, the welcome card explains the product.
    browser.wait_visible("#welcome").await;
    browser.shot("01-welcome").await;

    browser.fill("#calc-a", "40").await;
    browser.fill("#calc-b", "2").await;
    browser.click("#calc-submit").await;
    browser.wait_text("#calc-result", "42").await;

    browser
        .find("#calc-op")
        .await
        .select_by_value("subtract")
        .await
        .unwrap();
    browser.fill("#calc-a", "10.5").await;
    browser.fill("#calc-b", "0.25").await;
    // The keyboard works too: Enter in a field submits the form.
    browser
        .find("#calc-b")
        .await
        .send_keys("\u{E007}")
        .await
        .unwrap();
    browser.wait_text("#calc-result", "10.25").await;
    browser.shot("02-calculator").await;

    // A number out of range: the server's own message and the trace id are shown.
    browser.fill("#calc-a", "1e309").await;
    browser.click("#calc-submit").await;
    let error = browser.wait_text("#calc-error", "out of range").await;
    assert!(error.contains("field `a`"), "{error}");
    let trace = browser.text("#calc-error .trace-id").await;
    assert_eq!(trace.len(), 36, "a UUID trace id is shown: {trace:?}");
    browser.shot("03-calculator-error").await;
    browser.close().await;
}
