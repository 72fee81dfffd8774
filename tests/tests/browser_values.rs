//! Values the browser must show exactly as the API sends them: whole numbers beyond 2^53 (which a plain
//! `JSON.parse` rounds to the nearest double) in the schema, the preview, a query's result and an answer, and
//! the page's JSON parser (native with source text, and its fallback) agreeing with the server's digits.
//!
//! Skipped with a printed reason where Chromium or chromedriver is missing; in CI (`CI` set) they must run.

#[path = "../src/browser_harness.rs"]
mod browser_harness;

use browser_harness::{Browser, one_at_a_time, setup::Setup};
use integration_tests::llm_mock::answer;
use serde_json::json;

/// 2^53 + 1 (the first whole number a double cannot hold) and a 19-digit one.
const BIG_CSV: &str = "id,amount\n9007199254740993,1\n1234567890123456789,2\n";
const ENTER: &str = "\u{E007}";

/// The texts of the cells of `css`'s rows, row by row.
async fn cells(browser: &Browser, css: &str) -> serde_json::Value {
    let selector = serde_json::to_string(css).unwrap();
    browser
        .eval(&format!(
            "[...document.querySelectorAll({selector})].map(tr => \
             [...tr.children].map(td => td.textContent))"
        ))
        .await
}

#[tokio::test]
async fn whole_numbers_beyond_2_pow_53_show_exactly_everywhere() {
    one_at_a_time("big integers", async {
        let served = Setup::new("big_integers")
            .answering(vec![answer(
                "SELECT id FROM data WHERE amount = 2",
                "The id of the row with amount 2.",
                None,
            )])
            .upload("bigint", BIG_CSV)
            .serve()
            .await;
        // The API itself is exact: what the page shows must match it.
        let id = served.id(0);
        let (_, preview) = served.stack.get(&format!("/datasets/{id}/preview")).await;
        assert_eq!(preview["rows"][0][0], json!(9007199254740993_i64));
        let Some(page) = served.launch().await else {
            return;
        };
        let browser = &page.browser;
        browser.open("/").await;
        browser.wait_text("#ds-name", "bigint").await;

        // Schema: min and max of `id` with every digit; its mean (a float) not dressed up as a whole number.
        browser.wait_visible("#schema-table tbody tr").await;
        let schema = cells(browser, "#schema-table tbody tr").await;
        let id_row = &schema[0];
        assert_eq!(id_row[0], "id", "{schema}");
        assert_eq!(id_row[3], "9007199254740993", "min: {schema}");
        assert_eq!(id_row[4], "1234567890123456789", "max: {schema}");
        assert!(
            id_row[5].as_str().unwrap().contains("e+17"),
            "the mean is a float: {schema}"
        );

        // Preview.
        browser
            .wait_text("#preview-table tbody", "9007199254740993")
            .await;
        let preview = cells(browser, "#preview-table tbody tr").await;
        assert_eq!(preview[0][1], "9007199254740993", "{preview}");
        assert_eq!(preview[1][1], "1234567890123456789", "{preview}");

        // A query of your own: the row found by its exact id shows that id.
        browser.click("#tab-ask").await;
        browser
            .fill(
                "#sql-input",
                "SELECT id, id + 0 AS same FROM data WHERE id = 9007199254740993",
            )
            .await;
        browser.click("#sql-run").await;
        browser.wait_text("#result-meta", "1 row").await;
        let result = cells(browser, "#result-table tbody tr").await;
        assert_eq!(
            result,
            json!([["9007199254740993", "9007199254740993"]]),
            "{result}"
        );

        // An answer, which arrives over the event stream.
        browser.fill("#question", "Which id has amount 2?").await;
        browser
            .find("#question")
            .await
            .send_keys(ENTER)
            .await
            .unwrap();
        browser
            .wait_text("#answer-summary", "The id of the row with amount 2.")
            .await;
        browser
            .wait_text("#result-table tbody", "1234567890123456789")
            .await;
        browser.shot("30-big-integers").await;

        // The parser itself: the native path (source text) and the fallback agree on awkward JSON.
        let checks = browser
            .client
            .execute_async(
                "const done = arguments[0]; import('/assets/json.js').then((m) => { \
                 const texts = ['{\"a\":[9007199254740993,-9223372036854775808,18446744073709551615]}', \
                 '[1, 2.5, -0, 1e300, 12345678901234567890.0, 9007199254740991, \"\\\\u0041\\\\n\", true, null]', \
                 '{\"__proto__\": {\"x\": 1}, \"\": [], \"k\": {}}', ' \"9007199254740993\" ']; \
                 const show = (v) => m.stringifyJson(v) + '|' + JSON.stringify(v, (k, x) => \
                   typeof x === 'bigint' ? 'big:' + x : x); \
                 const bad = ['[1,]', '{\"a\" 1}', '01', '[1] x', '\"\\u0001\"']; \
                 const throws = (f) => { try { f(); return false; } catch { return true; } }; \
                 done({ same: texts.map((t) => [show(m.parseJson(t)), show(m.parsePortable(t))]), \
                        big: String(m.parsePortable(texts[0]).a[0]), \
                        rejected: bad.map((t) => throws(() => m.parsePortable(t)) && throws(() => JSON.parse(t))) }); });",
                vec![],
            )
            .await
            .unwrap();
        for pair in checks["same"].as_array().unwrap() {
            assert_eq!(pair[0], pair[1], "native and fallback differ: {checks}");
        }
        assert_eq!(checks["big"], "9007199254740993", "{checks}");
        assert_eq!(
            checks["rejected"],
            json!([true, true, true, true, true]),
            "{checks}"
        );
        page.close().await;
    })
    .await;
}
