//! The set-up the browser tests share: the stack (its model, when the test has one, a [`MockLlm`] answering in
//! turn), the datasets uploaded through the API, and a headless browser pointed at the calculator.
//!
//! A submodule of `browser_harness.rs`, so it is compiled into each browser test, where `worker!()` expands.

use integration_tests::{
    StackOptions, TestStack,
    llm_mock::{MockLlm, answer},
    spawn_stack, worker,
};
use serde_json::{Value, json};

use super::{Browser, launch};

/// The model's answer most tests ask for: passengers counted per class, with a bar chart of them when `chart`.
pub fn by_class(chart: bool) -> String {
    answer(
        "SELECT class, COUNT(*) AS passengers FROM data GROUP BY class ORDER BY class",
        "Passengers per class.",
        chart.then(|| json!({"kind": "bar", "x": "class", "y": "passengers"})),
    )
}

/// What a browser test starts from: `Setup::new(name)`, then what it needs, then [`Setup::start`].
pub struct Setup {
    test: &'static str,
    answers: Option<Vec<String>>,
    review: bool,
    uploads: Vec<(String, String)>,
}

impl Setup {
    /// `test` names the browser session (in a skip message and in chromedriver's logs).
    pub fn new(test: &'static str) -> Self {
        Self {
            test,
            answers: None,
            review: false,
            uploads: Vec::new(),
        }
    }

    /// A model that answers each chat completion with the next of `answers` (the last repeats).
    pub fn answering(mut self, answers: Vec<String>) -> Self {
        self.answers = Some(answers);
        self
    }

    /// The sidecar reviews each answer (`AI_REVIEW=on`); set the review's reply on [`Page::llm`].
    pub fn with_review(mut self) -> Self {
        self.review = true;
        self
    }

    /// A dataset uploaded through the API before the browser opens (in the order given).
    pub fn upload(mut self, name: impl Into<String>, csv: impl Into<String>) -> Self {
        self.uploads.push((name.into(), csv.into()));
        self
    }

    /// The stack with its model and datasets, without a browser yet (for checks through the API first).
    pub async fn serve(self) -> Served {
        let llm = match self.answers {
            Some(answers) => Some(MockLlm::answering(answers).await),
            None => None,
        };
        let mut options = StackOptions::new(worker!());
        if let Some(llm) = &llm {
            options = options.with_llm(llm.base_url());
        }
        if self.review {
            options = options.with_review();
        }
        let stack = spawn_stack(options).await;
        let mut datasets = Vec::new();
        for (name, csv) in self.uploads {
            datasets.push(stack.upload_csv(&name, csv).await);
        }
        Served {
            test: self.test,
            stack,
            llm,
            datasets,
        }
    }

    /// [`Setup::serve`], then [`Served::launch`]: `None` where the test is skipped (no Chromium outside CI).
    pub async fn start(self) -> Option<Page> {
        self.serve().await.launch().await
    }
}

/// The stack before the browser: see [`Setup::serve`].
pub struct Served {
    test: &'static str,
    pub stack: TestStack,
    pub llm: Option<MockLlm>,
    /// Each upload's stored dataset, as the API answered it, in upload order.
    pub datasets: Vec<Value>,
}

impl Served {
    /// The id of the `index`th upload.
    pub fn id(&self, index: usize) -> &str {
        dataset_id(&self.datasets, index)
    }

    /// Opens the browser on the calculator (no page yet): `None` where the test is skipped.
    pub async fn launch(self) -> Option<Page> {
        let browser = launch(self.test, &self.stack.calculator).await?;
        Some(Page {
            browser,
            stack: self.stack,
            llm: self.llm,
            datasets: self.datasets,
        })
    }
}

/// A running stack and a browser on it. The model's mock server lives as long as this does.
pub struct Page {
    pub browser: Browser,
    pub stack: TestStack,
    pub llm: Option<MockLlm>,
    /// Each upload's stored dataset, as the API answered it, in upload order.
    pub datasets: Vec<Value>,
}

impl Page {
    /// The id of the `index`th upload.
    pub fn id(&self, index: usize) -> &str {
        dataset_id(&self.datasets, index)
    }

    /// The mocked model (the test's [`Setup`] had `answering`).
    pub fn llm(&self) -> &MockLlm {
        self.llm.as_ref().expect("the Setup had `answering`")
    }

    /// Opens the page at `/` and its Ask tab (of the dataset the page selects first).
    pub async fn open_ask(&self) {
        self.browser.open("/").await;
        self.browser.click_centered("#tab-ask").await;
    }

    /// Ends the browser session; the stack and the model stop when `self` drops.
    pub async fn close(self) {
        self.browser.close().await;
    }
}

fn dataset_id(datasets: &[Value], index: usize) -> &str {
    datasets[index]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("upload {index} has an id: {}", datasets[index]))
}
