//! Where the keyboard focus goes after an action, in real headless Chromium: a button that is disabled while
//! its work runs (Draw, Calculate, Run SQL, Ask, a table's Next page) keeps the focus once the work is done,
//! instead of dropping it to the page (where the next Tab starts over at the top); choosing a dataset in the
//! list keeps the focus on the list, and on a phone, where the list is below the dataset, brings the dataset's
//! name into view and focuses it.
//!
//! Skipped with a printed reason where Chromium or chromedriver is missing; in CI (`CI` set) they must run.

#[path = "../src/browser_harness.rs"]
mod browser_harness;

use browser_harness::{
    Browser, one_at_a_time,
    setup::{Setup, by_class},
};
use integration_tests::PASSENGERS_CSV;
use serde_json::{Value, json};

const ENTER: &str = "\u{E007}";

/// The focused element's id, or its tag (`BODY` when the focus fell back to the page).
async fn focused(browser: &Browser) -> Value {
    browser
        .eval("document.activeElement.id || document.activeElement.tagName")
        .await
}

/// Presses Enter on the button, as a keyboard user does, and waits until it is enabled again (its work done).
async fn press(browser: &Browser, css: &str) {
    browser.wait_visible(css).await;
    browser.find(css).await.send_keys(ENTER).await.unwrap();
    let selector = serde_json::to_string(css).unwrap();
    browser
        .wait_js(
            &format!(
                "!document.querySelector({selector}).disabled && \
                 !document.querySelector({selector}).classList.contains('loading')"
            ),
            &format!("`{css}` enabled again"),
        )
        .await;
}

/// Before: each of these buttons was disabled while busy, and the focus fell to `<body>`.
#[tokio::test]
async fn a_button_pressed_from_the_keyboard_keeps_the_focus_after_its_work() {
    one_at_a_time("busy buttons keep focus", async {
        let many: String = std::iter::once("n,value\n".to_owned())
            .chain((1..=60).map(|i| format!("row{i},{i}\n")))
            .collect();
        let Some(page) = Setup::new("busy_buttons_focus")
            .answering(vec![by_class(false)])
            .upload("passengers", PASSENGERS_CSV)
            .upload("many", many)
            .start()
            .await
        else {
            return;
        };
        let browser = &page.browser;
        browser.open(&format!("/#/datasets/{}", page.id(1))).await;
        browser.wait_text("#ds-name", "many").await;

        // The preview's pager: Next up to the last page, where Next is disabled; Previous takes the focus.
        press(
            browser,
            "#preview-table .pager button[aria-label='Next page']",
        )
        .await;
        assert_eq!(
            browser
                .eval("document.activeElement.getAttribute('aria-label')")
                .await,
            json!("Next page")
        );
        browser
            .find("#preview-table .pager button[aria-label='Next page']")
            .await
            .send_keys(ENTER)
            .await
            .unwrap();
        browser
            .wait_text("#preview-table .pager-status", "Rows 51–60")
            .await;
        assert_eq!(
            browser
                .eval("document.activeElement.getAttribute('aria-label')")
                .await,
            json!("Previous page"),
            "the last page: Next is disabled, Previous has the focus"
        );

        press(browser, "#quick-draw").await;
        browser.wait_visible("#quick-figure img").await;
        assert_eq!(focused(browser).await, json!("quick-draw"));

        browser.fill("#calc-a", "1").await;
        browser.fill("#calc-b", "2").await;
        press(browser, "#calc-submit").await;
        browser.wait_text("#calc-result", "3").await;
        assert_eq!(focused(browser).await, json!("calc-submit"));

        browser
            .open(&format!("/#/datasets/{}/ask", page.id(0)))
            .await;
        browser.wait_text("#ds-name", "passengers").await;
        press(browser, "#sql-run").await;
        browser.wait_text("#result-meta", "13 rows").await;
        assert_eq!(focused(browser).await, json!("sql-run"));

        browser
            .fill("#question", "How many passengers per class?")
            .await;
        press(browser, "#ask-button").await;
        browser.wait_text("#answer-outcome", "Answered").await;
        assert_eq!(focused(browser).await, json!("ask-button"));
        page.close().await;
    })
    .await;
}

/// Before: the list was drawn again and the chosen button with it, so the focus fell to `<body>`; on a phone
/// the dataset changed above the screen, out of sight.
#[tokio::test]
async fn choosing_a_dataset_keeps_the_focus_in_the_list_or_on_a_phone_shows_it() {
    one_at_a_time("dataset choice focus", async {
        let Some(page) = Setup::new("dataset_choice_focus")
            .upload("alpha", PASSENGERS_CSV)
            .upload("beta", PASSENGERS_CSV)
            .start()
            .await
        else {
            return;
        };
        let browser = &page.browser;
        let (alpha, beta) = (page.id(0), page.id(1));
        browser.open(&format!("/#/datasets/{alpha}")).await;
        browser.wait_text("#ds-name", "alpha").await;

        let choose = async |id: &str| {
            let button = format!("#dataset-list button[data-id='{id}']");
            browser.find(&button).await.send_keys(ENTER).await.unwrap();
            browser
                .wait_js(
                    &format!("document.querySelector(\"{button}\").getAttribute('aria-current') === 'true'"),
                    "the chosen dataset shown",
                )
                .await;
        };
        // Side by side: the dataset is in view, and the focus stays on the chosen one.
        choose(beta).await;
        browser.wait_text("#ds-name", "beta").await;
        assert_eq!(
            browser.eval("document.activeElement.dataset.id").await,
            json!(beta)
        );

        // A phone: the list is below the dataset; its name comes into view (below the sticky top bar).
        browser.client.set_window_size(390, 844).await.unwrap();
        browser
            .wait_js("window.innerWidth <= 400", "a phone-wide viewport")
            .await;
        choose(alpha).await;
        browser.wait_text("#ds-name", "alpha").await;
        let shown = browser
            .eval(
                "(() => { const r = document.getElementById('ds-name').getBoundingClientRect(); \
                 const bar = document.querySelector('.topbar').getBoundingClientRect(); \
                 return { focused: document.activeElement.id, below_bar: r.top >= bar.bottom - 1, \
                          on_screen: r.bottom <= innerHeight }; })()",
            )
            .await;
        assert_eq!(
            shown,
            json!({"focused": "ds-name", "below_bar": true, "on_screen": true})
        );
        browser.shot_at("70-phone-dataset-chosen", 390).await;
        page.close().await;
    })
    .await;
}
