//! The browser UI in real headless Chromium, against the whole stack on free ports (no LLM here; see
//! `browser_ask.rs` for questions): the calculator panel, uploading a real CSV file, a rejected upload, the SQL
//! editor with the validator's issues, and the no-LLM notice. Screenshots of each state go to
//! `target/ui-screenshots/`.
//!
//! Skipped with a printed reason where Chromium or chromedriver is missing; in CI (`CI` set) they must run.

#[path = "../src/browser_harness.rs"]
mod browser_harness;

use browser_harness::{one_at_a_time, setup::Setup};
use integration_tests::PASSENGERS_CSV;

/// WebDriver's key code for Enter.
const ENTER: &str = "\u{E007}";
const ARROW_RIGHT: &str = "\u{E014}";
/// Control held, Enter, then every modifier released.
const CTRL_ENTER: &str = "\u{E009}\u{E007}\u{E000}";

/// A real-looking CSV: a quoted field with a comma, an empty cell, dates, and a long text column.
fn voyage_csv() -> String {
    let mut csv = String::from("name,class,fare,survived,embarked,boarded_on,note\n");
    let names = [
        "Allen, Miss. Elisabeth Walton",
        "Braund, Mr. Owen Harris",
        "Cumings, Mrs. John Bradley",
        "Heikkinen, Miss. Laina",
        "Futrelle, Mrs. Jacques Heath",
        "Moran, Mr. James",
        "McCarthy, Mr. Timothy J",
        "Palsson, Master. Gosta Leonard",
    ];
    for i in 0..40 {
        let class = 1 + i % 3;
        let fare = if i == 7 {
            String::new()
        } else {
            format!("{:.4}", 7.25 + (i * 37 % 211) as f64 * 1.13)
        };
        csv.push_str(&format!(
            "\"{}\",{class},{fare},{},{},1912-04-{:02},\"Cabin {}{} — travelled with family; the purser's list records {} pieces of luggage and a note about the dining saloon\"\n",
            names[i % names.len()],
            (i * 7 + 1) % 2,
            ["S", "C", "Q"][i % 3],
            10 + i % 5,
            ["A", "B", "C", "D"][i % 4],
            i + 3,
            i % 4 + 1,
        ));
    }
    csv
}

#[tokio::test]
async fn calculator_panel_adds_subtracts_and_shows_server_errors() {
    one_at_a_time("calculator panel", async {
        let Some(page) = Setup::new("calculator_panel").start().await else {
            return;
        };
        let browser = &page.browser;
        browser.open("/").await;
        // The empty state: no dataset yet, the welcome card explains the product.
        browser.wait_visible("#welcome").await;
        browser.shot("01-welcome").await;

        browser.fill("#calc-a", "40").await;
        browser.fill("#calc-b", "2").await;
        browser.click("#calc-submit").await;
        browser.wait_text("#calc-result", "42").await;

        let op = browser.find("#calc-op").await;
        op.select_by_value("subtract").await.unwrap();
        browser.fill("#calc-a", "10.5").await;
        browser.fill("#calc-b", "0.25").await;
        // The keyboard works too: Enter in a field submits the form.
        browser
            .find("#calc-b")
            .await
            .send_keys(ENTER)
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
        page.close().await;
    })
    .await;
}

#[tokio::test]
async fn uploading_a_csv_shows_progress_schema_preview_and_a_quick_chart() {
    one_at_a_time("upload", async {
    let Some(page) = Setup::new("upload").start().await else {
        return;
    };
    let (browser, stack) = (&page.browser, &page.stack);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("voyage.csv");
    std::fs::write(&file, voyage_csv()).unwrap();

    browser.open("/").await;
    // Record what the progress line says while the upload runs (it is gone once the dataset shows).
    browser
        .eval(
            "(() => { window.__progress = []; const t = document.getElementById('upload-text'); \
             new MutationObserver(() => window.__progress.push(t.textContent)) \
             .observe(t, { childList: true, characterData: true, subtree: true }); return true; })()",
        )
        .await;
    browser
        .find("#file-input")
        .await
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    browser.wait_text("#ds-name", "voyage").await;
    let progress = browser.eval("window.__progress").await;
    assert!(
        progress.to_string().contains("reading the CSV"),
        "the progress line reported the sent bytes: {progress}"
    );
    let meta = browser.text("#ds-meta").await;
    assert!(
        meta.contains("40 rows") && meta.contains("7 columns"),
        "{meta}"
    );

    // The schema: names, types and null counts.
    browser.wait_visible("#schema-table tbody tr").await;
    let schema = browser.text("#schema-table").await;
    for expected in ["name", "str", "fare", "f64", "boarded_on", "date"] {
        assert!(
            schema.contains(expected),
            "schema lacks {expected:?}: {schema}"
        );
    }
    let fare_nulls = browser
        .eval(
            "[...document.querySelectorAll('#schema-table tbody tr')] \
             .find(r => r.querySelector('th').textContent === 'fare').children[2].textContent",
        )
        .await;
    assert_eq!(fare_nulls, "1");

    // The preview: the quoted comma survived, numbers are right-aligned, long cells are cut with a tooltip.
    let first = browser
        .wait_text(
            "#preview-table tbody tr:first-child",
            "Allen, Miss. Elisabeth Walton",
        )
        .await;
    assert!(first.contains("1912-04-10"), "{first}");
    let align = browser
        .eval("getComputedStyle(document.querySelector('#preview-table td.num:not(.rownum)')).textAlign")
        .await;
    assert_eq!(align, "right");
    let long_cell = browser
        .eval(
            "(() => { const td = [...document.querySelectorAll('#preview-table tbody td')] \
             .find(td => td.textContent.startsWith('Cabin')); \
             return { cut: td.scrollWidth > td.clientWidth, title: td.title }; })()",
        )
        .await;
    assert_eq!(long_cell["cut"], true, "{long_cell}");
    assert!(
        long_cell["title"]
            .as_str()
            .unwrap()
            .ends_with("dining saloon"),
        "{long_cell}"
    );
    assert!(
        browser
            .text("#preview-table .pager-status")
            .await
            .contains("of 40")
    );
    browser.shot("04-dataset").await;

    // A quick chart of a numeric column, drawn by /chart from the values /query fetched.
    browser
        .click("#schema-table button[aria-label='Chart fare']")
        .await;
    browser
        .wait_js(
            "document.getElementById('quick-image').complete && \
             document.getElementById('quick-image').naturalWidth > 0 && \
             !document.getElementById('quick-figure').hidden",
            "the quick chart image",
        )
        .await;
    let caption = browser.text("#quick-caption").await;
    assert!(
        caption.contains("39 values of “fare”") && caption.contains("1 empty skipped"),
        "{caption}"
    );
    browser.find("#quick-figure").await;
    browser
        .eval("document.getElementById('quick-figure').scrollIntoView(), true")
        .await;
    browser.shot("05-quick-chart").await;
    // The same page at a phone's width stays readable (the layout becomes one column).
    browser.shot_at("06-phone", 390).await;

    // The list shows it; deleting asks first, and cancelling keeps it.
    assert!(browser.text("#dataset-list").await.contains("voyage"));
    browser.click("#ds-delete").await;
    browser.wait_visible("#confirm-dialog").await;
    browser.shot("07-delete-confirmation").await;
    browser
        .click("#confirm-dialog button[value='cancel']")
        .await;
    browser
        .wait_js(
            "!document.getElementById('confirm-dialog').open",
            "the dialog to close",
        )
        .await;
    let (_, list) = stack.get("/datasets").await;
    assert_eq!(list["datasets"].as_array().unwrap().len(), 1);
    browser.click("#ds-delete").await;
    browser.click("#confirm-ok").await;
    browser.wait_visible("#welcome").await;
    let (_, list) = stack.get("/datasets").await;
    assert_eq!(list["datasets"], serde_json::json!([]));
    page.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_rejected_upload_shows_the_servers_message_and_trace_id() {
    one_at_a_time("rejected upload", async {
        let Some(page) = Setup::new("bad_upload").start().await else {
            return;
        };
        let (browser, stack) = (&page.browser, &page.stack);
        // Ragged rows: the third line has more fields than the header.
        let bad = "city,population\nOslo,709000\nBergen,291000,extra,fields\nTrondheim,212000\n";
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ragged.csv");
        std::fs::write(&file, bad).unwrap();
        // What the server says about these bytes, asked directly.
        let direct = stack
            .client
            .post(format!("{}/datasets?name=ragged", stack.calculator))
            .header("content-type", "text/csv")
            .body(bad)
            .send()
            .await
            .unwrap();
        assert_eq!(direct.status(), 422);
        let direct: serde_json::Value = direct.json().await.unwrap();
        let message = direct["error"]["message"].as_str().unwrap().to_owned();

        browser.open("/").await;
        browser
            .find("#file-input")
            .await
            .send_keys(&file.display().to_string())
            .await
            .unwrap();
        let shown = browser.wait_text("#upload-error", &message).await;
        assert!(
            shown.contains(direct["error"]["code"].as_str().unwrap()),
            "{shown}"
        );
        let trace = browser.text("#upload-error .trace-id").await;
        assert_eq!(trace.len(), 36, "the trace id is shown: {trace:?}");
        assert!(browser.find("#welcome").await.is_displayed().await.unwrap());
        browser.shot("08-upload-error").await;
        page.close().await;
    })
    .await;
}

#[tokio::test]
async fn edited_sql_shows_the_validators_issues_inline_and_runs_when_fixed() {
    one_at_a_time("sql editor", async {
    // No LLM configured: the Ask panel says so and what to set, and the SQL editor still works.
    let Some(page) = Setup::new("sql_editor")
        .upload("passengers", PASSENGERS_CSV)
        .start()
        .await
    else {
        return;
    };
    let browser = &page.browser;
    browser.open("/").await;
    browser.wait_text("#ds-name", "passengers").await;
    // The tabs follow the WAI-ARIA pattern: arrow keys move between them.
    browser
        .find("#tab-data")
        .await
        .send_keys(ARROW_RIGHT)
        .await
        .unwrap();
    browser
        .wait_js(
            "document.getElementById('tab-ask').getAttribute('aria-selected') === 'true' && \
             document.activeElement.id === 'tab-ask' && !document.getElementById('panel-ask').hidden",
            "the Ask tab selected from the keyboard",
        )
        .await;
    let notice = browser.wait_text("#llm-notice", "AI_PROVIDER").await;
    assert!(
        notice.contains("No language model is configured"),
        "{notice}"
    );
    assert!(
        !browser
            .find("#ask-button")
            .await
            .is_enabled()
            .await
            .unwrap()
    );
    assert!(browser.text("#llm-status").await.contains("No LLM"));

    browser
        .fill(
            "#sql-input",
            "SELECT nmae, fare\nFROM data\nWHERE fare > 20",
        )
        .await;
    browser.click("#sql-run").await;
    let issues = browser.wait_text("#sql-issues", "unknown_column").await;
    assert!(
        issues.contains("line 1, col 8"),
        "the location is shown: {issues}"
    );
    assert!(
        issues.contains("name"),
        "the close match is suggested: {issues}"
    );
    browser.wait_visible(".gutter-line.has-issue").await;
    browser.wait_visible(".issue-mark").await;
    assert!(
        browser
            .find("#result-card")
            .await
            .attr("hidden")
            .await
            .unwrap()
            .is_some()
    );
    browser.shot("09-sql-issue").await;

    // A file-reading table function is refused with its own rule.
    browser
        .fill("#sql-input", "SELECT * FROM read_csv('/etc/passwd')")
        .await;
    browser.click("#sql-run").await;
    browser.wait_text("#sql-issues", "table_function").await;

    // Fixed, it runs (Ctrl+Enter in the editor): the table with right-aligned numbers and the row count.
    browser
        .fill(
            "#sql-input",
            "SELECT name, fare\nFROM data\nWHERE fare > 20\nORDER BY fare DESC",
        )
        .await;
    browser
        .find("#sql-input")
        .await
        .send_keys(CTRL_ENTER)
        .await
        .unwrap();
    browser.wait_text("#result-table", "Allen").await;
    assert!(browser.text("#result-meta").await.starts_with("7 rows"));
    assert_eq!(
        browser
            .eval("document.querySelectorAll('#result-table tbody tr').length")
            .await,
        7
    );
    assert_eq!(
        browser
            .eval("document.querySelectorAll('.issue-mark').length")
            .await,
        0
    );
    browser.shot("10-sql-result").await;
    page.close().await;
    })
    .await;
}

#[tokio::test]
async fn the_event_stream_parser_handles_split_lines_comments_and_multiline_data() {
    one_at_a_time("sse parser", async {
    let Some(page) = Setup::new("sse_parser").start().await else {
        return;
    };
    let browser = &page.browser;
    browser.open("/").await;
    // The page's own module, fed a stream cut at awkward places (inside a CRLF, mid-field).
    let events = browser
        .client
        .execute_async(
            "const done = arguments[0]; import('/assets/sse.js').then(({ SseParser }) => { \
             const parser = new SseParser(); const events = []; \
             const chunks = ['event: codegen\\r', '\\ndata: {\"type\":\"sta', 'rted\"}\\r\\n\\r\\n', \
             ': keep-alive\\n\\n', 'event: result\\ndata: line 1\\ndata:line 2\\n\\n', \
             'data: no type\\n\\nevent: cut\\ndata: never finished']; \
             for (const c of chunks) events.push(...parser.push(c)); \
             events.push(...parser.finish()); done(events); });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        events,
        serde_json::json!([
            {"event": "codegen", "data": "{\"type\":\"started\"}"},
            {"event": "result", "data": "line 1\nline 2"},
            {"event": "message", "data": "no type"},
        ])
    );
    page.close().await;
    })
    .await;
}
