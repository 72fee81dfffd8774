//! Plumbing for the real-browser tests: finds Chromium and chromedriver, starts chromedriver on a free port,
//! opens a fresh headless session, waits for things on the page, and saves screenshots under
//! `target/ui-screenshots/`. The stack, its mocked model and datasets that a test starts from: `browser_setup.rs`.
//!
//! Included by the browser test files with `#[path]` (it needs the dev-dependencies `fantoccini`,
//! `hyper-util` and `tempfile`, which the library itself does not).

// Each browser test file includes this module and uses a different subset of it.
#![allow(dead_code)]

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

#[path = "browser_setup.rs"]
pub mod setup;

/// Laptop viewport for the screenshots; the phone one is set per shot.
pub const WIDTH: u32 = 1366;
pub const HEIGHT: u32 = 900;
/// How long any one thing may take to appear on the page.
const PATIENCE: Duration = Duration::from_secs(20);

/// Chromium's flags: headless, and nothing that reaches for the network or a first-run page.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--no-default-browser-check",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    "--force-device-scale-factor=1",
    "--force-color-profile=srgb",
    "--hide-scrollbars",
    "--lang=en-US",
    "--mute-audio",
    // No crash reporter: its handler detaches from the browser and would outlive the test.
    "--disable-crash-reporter",
    "--disable-breakpad",
];

/// The most one browser test may take.
pub const TEST_LIMIT: Duration = Duration::from_secs(120);

/// One browser at a time: the machine has two cores, and parallel sessions make timings flaky.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs a test's body alone (no other browser test of this binary at the same time) and within
/// [`TEST_LIMIT`], so a hung WebDriver call or server fails the test instead of stalling the run.
pub async fn one_at_a_time<T>(test: &str, body: impl Future<Output = T>) -> T {
    let _turn = ONE_BROWSER.lock().await;
    tokio::time::timeout(TEST_LIMIT, body)
        .await
        .unwrap_or_else(|_| panic!("{test}: did not finish within {TEST_LIMIT:?}"))
}

/// True when running in CI, where a missing browser is a failure rather than a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

fn find_program(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env).map(PathBuf::from) {
        return path.is_file().then_some(path);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Where screenshots go: `$CARGO_TARGET_DIR/ui-screenshots`, else the workspace's `target/ui-screenshots`.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("ui-screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshot directory can be created");
    dir
}

/// A headless Chromium session driven over WebDriver. Chromedriver (and with it the browser) ends on drop.
pub struct Browser {
    pub client: Client,
    base: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

/// Starts chromedriver and a browser session pointed at `base` (the calculator's URL). `None` when Chromium or
/// chromedriver is not installed outside CI (the test then says it is skipped); in CI that is a failure.
pub async fn launch(test: &str, base: &str) -> Option<Browser> {
    let chromium = find_program(
        "CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let driver = find_program("CHROMEDRIVER", &["chromedriver"]);
    let (Some(chromium), Some(driver)) = (chromium, driver) else {
        let message = format!(
            "{test}: skipped: Chromium and chromedriver are needed for browser tests \
             (apt-get install chromium chromium-driver, or set CHROMIUM and CHROMEDRIVER)"
        );
        assert!(!in_ci(), "{message}; CI must run them");
        eprintln!("{message}");
        return None;
    };

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port for chromedriver")
        .port();
    let child = Command::new(&driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group, which Chromium's processes join: see `Drop for Browser`.
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", driver.display()));
    let webdriver = format!("http://127.0.0.1:{port}");
    wait_for_driver(&webdriver).await;

    let profile = tempfile::tempdir().expect("a temporary Chromium profile");
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    args.push(format!("--window-size={WIDTH},{HEIGHT}"));
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": chromium, "args": args },
    });
    let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
    builder.capabilities(capabilities.as_object().expect("an object").clone());
    let connect = builder.connect(&webdriver);
    let client = tokio::time::timeout(Duration::from_secs(60), connect)
        .await
        .expect("Chromium started within 60 s")
        .unwrap_or_else(|e| panic!("cannot open a Chromium session through chromedriver: {e}"));
    Some(Browser {
        client,
        base: base.trim_end_matches('/').to_owned(),
        driver: child,
        _profile: profile,
    })
}

async fn wait_for_driver(url: &str) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(response) = client.get(format!("{url}/status")).send().await
            && let Ok(body) = response.json::<Value>().await
            && body["value"]["ready"] == true
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "chromedriver did not become ready at {url}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Browser {
    /// Opens `path` and waits until the page's first load is over (`<body data-ready="true">`).
    pub async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("the page loads");
        self.wait_js(
            "document.body.dataset.ready === 'true'",
            "the page finished loading",
        )
        .await;
    }

    pub async fn find(&self, css: &str) -> Element {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element `{css}`: {e}"))
    }

    /// The element's text as rendered (empty when hidden).
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap_or_default()
    }

    /// The current value of an input, select or textarea.
    pub async fn value(&self, css: &str) -> String {
        self.find(css)
            .await
            .prop("value")
            .await
            .unwrap_or_else(|e| panic!("no value for `{css}`: {e}"))
            .unwrap_or_default()
    }

    /// Evaluates a JavaScript expression.
    pub async fn eval(&self, expression: &str) -> Value {
        self.client
            .execute(&format!("return ({expression});"), vec![])
            .await
            .unwrap_or_else(|e| panic!("script `{expression}` failed: {e}"))
    }

    /// Waits until `expression` is true; on timeout saves a screenshot and fails naming `what`.
    pub async fn wait_js(&self, expression: &str, what: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let ready = self
                .client
                .execute(&format!("return Boolean({expression});"), vec![])
                .await;
            if matches!(ready, Ok(Value::Bool(true))) {
                return;
            }
            if Instant::now() > deadline {
                let shot = self.shot(&format!("FAILED-{}", slug(what))).await;
                panic!(
                    "timed out waiting for {what} (`{expression}`); screenshot: {}",
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }

    /// Waits until the element exists and is displayed, and returns it.
    pub async fn wait_visible(&self, css: &str) -> Element {
        let selector = serde_json::to_string(css).expect("a string");
        self.wait_js(
            &format!(
                "(() => {{ const e = document.querySelector({selector}); \
                 return e && !e.closest('[hidden]') && e.getClientRects().length > 0; }})()"
            ),
            &format!("`{css}` to be visible"),
        )
        .await;
        self.find(css).await
    }

    /// Waits until the element's text contains `needle`, and returns the text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> String {
        let selector = serde_json::to_string(css).expect("a string");
        let wanted = serde_json::to_string(needle).expect("a string");
        self.wait_js(
            &format!(
                "(() => {{ const e = document.querySelector({selector}); \
                 return e && !e.closest('[hidden]') && e.textContent.includes({wanted}); }})()"
            ),
            &format!("`{css}` to contain {needle:?}"),
        )
        .await;
        self.text(css).await
    }

    /// Replaces the value of an input or textarea as typing would (so `input` listeners run).
    pub async fn fill(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        element.clear().await.expect("the field can be cleared");
        element.send_keys(text).await.expect("the field takes keys");
    }

    pub async fn click(&self, css: &str) {
        self.wait_visible(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click `{css}`: {e}"));
    }

    /// Scrolls the element to the middle of the window, then clicks it: WebDriver scrolls it only just into
    /// view, where the page's sticky top bar may cover it (and take the click).
    pub async fn click_centered(&self, css: &str) {
        let selector = serde_json::to_string(css).expect("a string");
        self.wait_visible(css).await;
        self.eval(&format!(
            "document.querySelector({selector}).scrollIntoView({{ block: 'center' }})"
        ))
        .await;
        self.click(css).await;
    }

    /// Saves a screenshot of the whole page (the window is stretched to the page's height for it).
    pub async fn shot(&self, name: &str) -> PathBuf {
        self.shot_at(name, WIDTH).await
    }

    /// A full-page screenshot at another width (e.g. a phone's 390 px).
    pub async fn shot_at(&self, name: &str, width: u32) -> PathBuf {
        let resized = self.client.set_window_size(width, HEIGHT).await.is_ok();
        // The window's height includes the browser's own frame: add it, so the whole page fits the viewport.
        let measured = self
            .client
            .execute(
                "window.scrollTo(0, 0); return [Math.ceil(document.documentElement.scrollHeight), \
                 Math.max(0, window.outerHeight - window.innerHeight)];",
                vec![],
            )
            .await
            .ok();
        let number = |i: usize| {
            measured
                .as_ref()
                .and_then(|v| v[i].as_f64())
                .unwrap_or_default() as u32
        };
        let height = (number(0) + number(1)).clamp(HEIGHT, 6000);
        if resized {
            let _ = self.client.set_window_size(width, height).await;
            // Let layout settle at the new size before capturing.
            let _ = self
                .client
                .execute_async(
                    "requestAnimationFrame(() => requestAnimationFrame(arguments[0]));",
                    vec![],
                )
                .await;
        }
        let png = self.client.screenshot().await.expect("a screenshot");
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).expect("the screenshot is written");
        let _ = self.client.set_window_size(WIDTH, HEIGHT).await;
        eprintln!("screenshot: {}", path.display());
        path
    }

    /// Ends the session (the browser closes; chromedriver ends when `self` drops).
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// A Chrome DevTools Protocol command, sent through chromedriver's `goog/cdp/execute` endpoint.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

impl Browser {
    /// Makes the page see `prefers-color-scheme: dark` (or light again).
    pub async fn emulate_dark(&self, dark: bool) {
        let scheme = if dark { "dark" } else { "light" };
        self.client
            .issue_cmd(Cdp {
                cmd: "Emulation.setEmulatedMedia",
                params: json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
            })
            .await
            .expect("chromedriver passes DevTools commands on");
    }
}

impl Drop for Browser {
    /// A test that panics never reaches `close`, and killing chromedriver alone leaves Chromium running:
    /// end the whole process group (chromedriver and every browser process) instead.
    fn drop(&mut self) {
        if let Some(pid) = self.driver.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn slug(text: &str) -> String {
    let slug: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    slug.split('-')
        .filter(|s| !s.is_empty())
        .take(8)
        .collect::<Vec<_>>()
        .join("-")
}
