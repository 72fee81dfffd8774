//! The dataset list in real headless Chromium when things go wrong around it: a dataset deleted elsewhere
//! (another tab, curl) is dropped from the page by whatever action finds out; a link to an unknown dataset
//! leaves the view and the URL on the dataset shown; several files uploaded at once are each tried, and each
//! failure is reported; deleting from the keyboard leaves focus off the next dataset's Delete button; the
//! upload form's "Dates like 01/02/2024" reads a column whose every date reads both ways as chosen.
//!
//! Skipped with a printed reason where Chromium or chromedriver is missing; in CI (`CI` set) they must run.

#[path = "../src/browser_harness.rs"]
mod browser_harness;

use browser_harness::{one_at_a_time, setup::Setup};
use integration_tests::PASSENGERS_CSV;

/// WebDriver's key code for Enter.
const ENTER: &str = "\u{E007}";

/// `DELETE /datasets/{id}` behind the page's back.
async fn delete_elsewhere(stack: &integration_tests::TestStack, id: &str) {
    let status = stack
        .client
        .delete(format!("{}/datasets/{id}", stack.calculator))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
}

#[tokio::test]
async fn a_dataset_deleted_elsewhere_leaves_the_list_and_the_view() {
    one_at_a_time("deleted elsewhere", async {
        let Some(page) = Setup::new("deleted_elsewhere")
            .upload("alpha", PASSENGERS_CSV)
            .upload("beta", PASSENGERS_CSV)
            .start()
            .await
        else {
            return;
        };
        let (browser, stack) = (&page.browser, &page.stack);
        let (alpha, beta) = (page.id(0), page.id(1));
        browser.open(&format!("/#/datasets/{alpha}")).await;
        browser.wait_text("#ds-name", "alpha").await;

        // Deleted with the API; the page finds out when running SQL on it.
        delete_elsewhere(stack, alpha).await;
        browser.click("#tab-ask").await;
        browser.click("#sql-run").await;
        browser
            .wait_text("#datasets-error", "“alpha” no longer exists")
            .await;
        browser.wait_text("#ds-name", "beta").await;
        let list = browser.text("#dataset-list").await;
        assert!(!list.contains("alpha") && list.contains("beta"), "{list}");
        assert_eq!(
            browser.eval("location.hash").await,
            format!("#/datasets/{beta}")
        );
        browser.shot("31-deleted-elsewhere").await;

        // The last one, deleted elsewhere and then with the Delete button: the page ends on the welcome card.
        delete_elsewhere(stack, beta).await;
        browser.click("#ds-delete").await;
        browser.click("#confirm-ok").await;
        browser.wait_visible("#welcome").await;
        browser
            .wait_text("#datasets-error", "“beta” no longer exists")
            .await;
        assert_eq!(
            browser
                .eval("document.querySelectorAll('#dataset-list li').length")
                .await,
            0
        );
        page.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_link_to_an_unknown_dataset_keeps_the_view_and_its_url() {
    one_at_a_time("unknown dataset link", async {
        let Some(page) = Setup::new("unknown_dataset_link")
            .upload("alpha", PASSENGERS_CSV)
            .upload("beta", PASSENGERS_CSV)
            .start()
            .await
        else {
            return;
        };
        let (browser, alpha) = (&page.browser, page.id(0));
        browser.open(&format!("/#/datasets/{alpha}")).await;
        browser.wait_text("#ds-name", "alpha").await;

        browser
            .eval("(location.hash = '#/datasets/nope', true)")
            .await;
        browser
            .wait_text("#datasets-error", "no dataset with id `nope`")
            .await;
        browser
            .wait_js(
                &format!("location.hash === '#/datasets/{alpha}'"),
                "the URL back on the dataset shown",
            )
            .await;
        assert_eq!(browser.text("#ds-name").await, "alpha");

        // Choosing another dataset clears the error about the bad link.
        browser
            .click("#dataset-list button:not([aria-current])")
            .await;
        browser.wait_text("#ds-name", "beta").await;
        browser
            .wait_js(
                "document.getElementById('datasets-error').hidden",
                "the old error cleared",
            )
            .await;
        page.close().await;
    })
    .await;
}

#[tokio::test]
async fn several_files_at_once_are_each_uploaded_and_each_failure_reported() {
    one_at_a_time("several files", async {
        let Some(page) = Setup::new("several_files").start().await else {
            return;
        };
        let (browser, stack) = (&page.browser, &page.stack);
        let dir = tempfile::tempdir().unwrap();
        let ragged = "city,population\nOslo,709000\nBergen,291000,extra\n";
        let files = [
            ("bad_first.csv", ragged),
            ("good_second.csv", PASSENGERS_CSV),
            ("bad_third.csv", "a,b\n1,\"never closed\n"),
        ];
        let paths: Vec<String> = files
            .iter()
            .map(|(name, body)| {
                let path = dir.path().join(name);
                std::fs::write(&path, body).unwrap();
                path.display().to_string()
            })
            .collect();

        browser.open("/").await;
        // Several paths at once, one a line, as chromedriver takes them for a `multiple` file input.
        browser
            .find("#file-input")
            .await
            .send_keys(&paths.join("\n"))
            .await
            .unwrap();
        browser.wait_text("#ds-name", "good_second").await;
        let errors = browser
            .wait_text("#upload-error", "“bad_third.csv” was not stored")
            .await;
        assert!(
            errors.contains("“bad_first.csv” was not stored"),
            "{errors}"
        );
        assert_eq!(
            browser
                .eval("document.querySelectorAll('#upload-error .trace-id').length")
                .await,
            2,
            "each failure has its own trace id"
        );
        let (_, list) = stack.get("/datasets").await;
        let names: Vec<&str> = list["datasets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["good_second"]);
        browser.shot("32-several-files").await;
        page.close().await;
    })
    .await;
}

#[tokio::test]
async fn deleting_from_the_keyboard_moves_focus_off_the_next_delete_button() {
    one_at_a_time("keyboard delete", async {
        let Some(page) = Setup::new("keyboard_delete")
            .upload("alpha", PASSENGERS_CSV)
            .upload("beta", PASSENGERS_CSV)
            .start()
            .await
        else {
            return;
        };
        let browser = &page.browser;
        browser.open("/").await;
        let shown = browser.wait_visible("#ds-name").await.text().await.unwrap();
        browser
            .find("#ds-delete")
            .await
            .send_keys(ENTER)
            .await
            .unwrap();
        browser.wait_visible("#confirm-dialog").await;
        // The dialog's text (what is lost) is its description, so a screen reader reads it out.
        let described = browser
            .eval(
                "document.getElementById(document.getElementById('confirm-dialog') \
                 .getAttribute('aria-describedby')).textContent",
            )
            .await;
        assert!(
            described.as_str().unwrap().contains("cannot be undone"),
            "{described}"
        );
        browser
            .find("#confirm-ok")
            .await
            .send_keys(ENTER)
            .await
            .unwrap();
        browser
            .wait_js(
                &format!(
                    "document.getElementById('ds-name').textContent !== {}",
                    serde_json::to_string(&shown).unwrap()
                ),
                "the other dataset shown",
            )
            .await;
        // Another Enter must not delete the next dataset too.
        browser
            .wait_js(
                "document.activeElement && document.activeElement.id === 'ds-name'",
                "focus on the dataset's name",
            )
            .await;
        page.close().await;
    })
    .await;
}

/// The dataset `name` as stored, found through `GET /datasets`.
async fn stored(stack: &integration_tests::TestStack, name: &str) -> serde_json::Value {
    let (status, list) = stack.get("/datasets").await;
    assert_eq!(status, 200, "{list}");
    let id = list["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no dataset `{name}` in {list}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, dataset) = stack.get(&format!("/datasets/{id}")).await;
    assert_eq!(status, 200, "{dataset}");
    dataset
}

/// Before: the upload form had no say in how 01/02/2024 is read, so a browser user with month-first dates
/// could only read the note telling them to upload again with `?date_order=month_first` through the API.
#[tokio::test]
async fn dates_that_read_both_ways_are_read_as_the_upload_form_says() {
    one_at_a_time("date order", async {
        let Some(page) = Setup::new("date_order").start().await else {
            return;
        };
        let (browser, stack) = (&page.browser, &page.stack);
        let dir = tempfile::tempdir().unwrap();
        let csv = "d,n\n01/02/2024,1\n05/06/2024,2\n";
        let path = |name: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, csv).unwrap();
            path.display().to_string()
        };
        // The Min cell of the schema's first row holds the full value in its title.
        let min_cell =
            "document.querySelector('#schema-table tbody tr:first-child td:nth-of-type(3)')";

        browser.open("/").await;
        assert_eq!(browser.value("#date-order").await, "day_first");
        let label = browser
            .eval("document.querySelector('label[for=\"date-order\"]').textContent")
            .await;
        assert_eq!(label, "Dates like 01/02/2024");

        // Day first unless told, and the dataset's notes say so.
        browser
            .find("#file-input")
            .await
            .send_keys(&path("day_first.csv"))
            .await
            .unwrap();
        browser.wait_text("#ds-name", "day_first").await;
        browser
            .wait_js(
                &format!("{min_cell}?.title === '2024-02-01'"),
                "the schema's min of `d` read day first",
            )
            .await;
        let notes = browser.wait_text("#ds-notes", "day first").await;
        assert!(notes.contains("month first"), "{notes}");
        let dataset = stored(stack, "day_first").await;
        assert_eq!(dataset["columns"][0]["dtype"], "date", "{dataset}");
        assert_eq!(dataset["columns"][0]["min"], "2024-02-01", "{dataset}");

        // Month first, chosen in the form.
        browser
            .find("#date-order")
            .await
            .select_by_value("month_first")
            .await
            .unwrap();
        browser
            .find("#file-input")
            .await
            .send_keys(&path("month_first.csv"))
            .await
            .unwrap();
        browser.wait_text("#ds-name", "month_first").await;
        browser
            .wait_js(
                &format!("{min_cell}?.title === '2024-01-02'"),
                "the schema's min of `d` read month first",
            )
            .await;
        let dataset = stored(stack, "month_first").await;
        assert_eq!(dataset["columns"][0]["dtype"], "date", "{dataset}");
        assert_eq!(dataset["columns"][0]["min"], "2024-01-02", "{dataset}");
        assert_eq!(dataset["columns"][0]["max"], "2024-05-06", "{dataset}");
        // The choice stays for the next upload.
        assert_eq!(browser.value("#date-order").await, "month_first");
        browser.shot("36-date-order").await;

        // Dates written with month names: kept as written unless the form says to read them as dates.
        assert_eq!(browser.value("#month-names").await, "text");
        let named = |name: &str| {
            let path = dir.path().join(name);
            std::fs::write(
                &path,
                "d,n
Mar 5 2024,1
Apr 6 2024,2
",
            )
            .unwrap();
            path.display().to_string()
        };
        browser
            .find("#file-input")
            .await
            .send_keys(&named("named_text.csv"))
            .await
            .unwrap();
        browser.wait_text("#ds-name", "named_text").await;
        let dataset = stored(stack, "named_text").await;
        assert_eq!(dataset["columns"][0]["dtype"], "str", "{dataset}");
        browser
            .find("#month-names")
            .await
            .select_by_value("dates")
            .await
            .unwrap();
        browser
            .find("#file-input")
            .await
            .send_keys(&named("named_dates.csv"))
            .await
            .unwrap();
        browser.wait_text("#ds-name", "named_dates").await;
        let dataset = stored(stack, "named_dates").await;
        assert_eq!(dataset["columns"][0]["dtype"], "date", "{dataset}");
        assert_eq!(dataset["columns"][0]["min"], "2024-03-05", "{dataset}");
        page.close().await;
    })
    .await;
}
