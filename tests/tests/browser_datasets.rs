//! The dataset list in real headless Chromium when things go wrong around it: a dataset deleted elsewhere
//! (another tab, curl) is dropped from the page by whatever action finds out; a link to an unknown dataset
//! leaves the view and the URL on the dataset shown; several files uploaded at once are each tried, and each
//! failure is reported; deleting from the keyboard leaves focus off the next dataset's Delete button.
//!
//! Skipped with a printed reason where Chromium or chromedriver is missing; in CI (`CI` set) they must run.

#[path = "../src/browser_harness.rs"]
mod browser_harness;

use browser_harness::{launch, one_at_a_time};
use integration_tests::{PASSENGERS_CSV, StackOptions, spawn_stack, worker};

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
        let stack = spawn_stack(StackOptions::new(worker!())).await;
        let alpha = stack.upload_csv("alpha", PASSENGERS_CSV).await;
        let beta = stack.upload_csv("beta", PASSENGERS_CSV).await;
        let (alpha, beta) = (alpha["id"].as_str().unwrap(), beta["id"].as_str().unwrap());
        let Some(browser) = launch("deleted_elsewhere", &stack.calculator).await else {
            return;
        };
        browser.open(&format!("/#/datasets/{alpha}")).await;
        browser.wait_text("#ds-name", "alpha").await;

        // Deleted with the API; the page finds out when running SQL on it.
        delete_elsewhere(&stack, alpha).await;
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
        delete_elsewhere(&stack, beta).await;
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
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_link_to_an_unknown_dataset_keeps_the_view_and_its_url() {
    one_at_a_time("unknown dataset link", async {
        let stack = spawn_stack(StackOptions::new(worker!())).await;
        let alpha = stack.upload_csv("alpha", PASSENGERS_CSV).await;
        stack.upload_csv("beta", PASSENGERS_CSV).await;
        let alpha = alpha["id"].as_str().unwrap();
        let Some(browser) = launch("unknown_dataset_link", &stack.calculator).await else {
            return;
        };
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
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn several_files_at_once_are_each_uploaded_and_each_failure_reported() {
    one_at_a_time("several files", async {
        let stack = spawn_stack(StackOptions::new(worker!())).await;
        let Some(browser) = launch("several_files", &stack.calculator).await else {
            return;
        };
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
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn deleting_from_the_keyboard_moves_focus_off_the_next_delete_button() {
    one_at_a_time("keyboard delete", async {
        let stack = spawn_stack(StackOptions::new(worker!())).await;
        stack.upload_csv("alpha", PASSENGERS_CSV).await;
        stack.upload_csv("beta", PASSENGERS_CSV).await;
        let Some(browser) = launch("keyboard_delete", &stack.calculator).await else {
            return;
        };
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
        browser.close().await;
    })
    .await;
}
