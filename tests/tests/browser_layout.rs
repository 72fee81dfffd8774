//! How the page looks, in real headless Chromium: at a phone's width a long dataset name wraps instead of
//! widening the page, and an answer's chart scrolls sideways at the size it was drawn instead of shrinking
//! until its labels cannot be read; table cells show the whitespace of their values (a tab, two spaces, a line
//! break) without growing the row; every text on the page keeps WCAG AA contrast in the light and the dark
//! theme, and the logo link's name includes its visible text.
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

/// Every visible text node's contrast against the backgrounds under it (composited up to the page), as WCAG
/// counts it: 4.5:1, or 3:1 for large text. Disabled controls are exempt, as WCAG has it. Returns
/// `{checked, failures}`, each failure naming the element, its text, the ratio and the two colours.
const CONTRAST: &str = r#"(() => {
  const parse = (c) => {
    let m = /^rgba?\(([^)]*)\)$/.exec(c);
    let scale = 1;
    if (!m) { m = /^color\(srgb ([^)]*)\)$/.exec(c); scale = 255; }
    if (!m) return null;
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return [p[0] * scale, p[1] * scale, p[2] * scale, p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => {
    const a = top[3] + under[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    const mix = (i) => (top[i] * top[3] + under[i] * under[3] * (1 - top[3])) / a;
    return [mix(0), mix(1), mix(2), a];
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const canvas = matchMedia('(prefers-color-scheme: dark)').matches ? [0, 0, 0, 1] : [255, 255, 255, 1];
  const background = (el) => {
    const chain = [];
    for (let e = el; e; e = e.parentElement) chain.unshift(e);
    return chain.reduce((bg, e) => over(parse(getComputedStyle(e).backgroundColor) || [0, 0, 0, 0], bg), canvas);
  };
  const failures = [];
  let checked = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el) continue;
    if (el.closest('[hidden], .visually-hidden, option, svg, script, style, button:disabled, input:disabled, select:disabled, details:not([open]) > :not(summary)')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rect = range.getBoundingClientRect();
    if (!rect.width || !rect.height) continue;
    const style = getComputedStyle(el);
    if (style.visibility !== 'visible') continue;
    let fg = parse(style.color);
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    if (!fg || fg[3] * opacity === 0) continue;
    const bg = background(el);
    fg = over([fg[0], fg[1], fg[2], fg[3] * opacity], bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    checked += 1;
    if (ratio < (large ? 3 : 4.5) - 0.005) {
      const classes = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : '';
      const where = el.id ? '#' + el.id : el.tagName.toLowerCase() + classes;
      failures.push(`${where} "${node.textContent.trim().slice(0, 24)}" ${ratio.toFixed(2)}:1 (${style.color} on rgb(${bg.slice(0, 3).map(Math.round)}))`);
    }
  }
  return { checked, failures: [...new Set(failures)] };
})()"#;

/// Narrows the window to a phone's 390 px and checks the page really is that wide.
async fn phone(browser: &Browser) {
    browser.client.set_window_size(390, 844).await.unwrap();
    browser
        .wait_js("window.innerWidth <= 400", "a phone-wide viewport")
        .await;
}

/// `[scrollWidth, clientWidth]` of the page: equal when nothing makes it scroll sideways.
async fn page_width(browser: &Browser) -> Value {
    browser
        .eval("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        .await
}

async fn answered(browser: &Browser, question: &str) {
    browser.fill("#question", question).await;
    browser
        .find("#question")
        .await
        .send_keys(ENTER)
        .await
        .unwrap();
    browser.wait_text("#answer-outcome", "Answered").await;
}

/// Before: the line under the title ("… · table longname_yyyy…") did not wrap and the page scrolled sideways;
/// the chart shrank to the phone's width (~330 px of 800), its labels a few pixels high.
#[tokio::test]
async fn a_phone_wraps_a_long_name_and_scrolls_the_chart_at_its_size() {
    one_at_a_time("phone layout", async {
        let name = format!("longname_{}", "y".repeat(150));
        let Some(page) = Setup::new("phone_layout")
            .answering(vec![by_class(true)])
            .upload(name, PASSENGERS_CSV)
            .start()
            .await
        else {
            return;
        };
        let browser = &page.browser;
        browser
            .open(&format!("/#/datasets/{}", page.id(0)))
            .await;
        phone(browser).await;
        browser.wait_text("#ds-meta", "table longname_").await;
        assert_eq!(page_width(browser).await, json!([390, 390]), "no sideways scroll");

        browser.click_centered("#tab-ask").await;
        answered(browser, "How many passengers per class?").await;
        browser
            .wait_js(
                "document.getElementById('answer-chart').complete && \
                 document.getElementById('answer-chart').naturalWidth > 0",
                "the answer's chart",
            )
            .await;
        let chart = browser
            .eval(
                "(() => { const img = document.getElementById('answer-chart'); const box = img.parentElement; \
                 return { natural: img.naturalWidth, shown: img.clientWidth, \
                          scrolls: box.scrollWidth > box.clientWidth, \
                          overflow: getComputedStyle(box).overflowX, focusable: box.tabIndex === 0 }; })()",
            )
            .await;
        let natural = chart["natural"].as_i64().unwrap();
        assert!(natural >= 720, "{chart}");
        assert_eq!(chart["shown"].as_i64().unwrap(), natural, "{chart}");
        assert_eq!(
            (&chart["scrolls"], &chart["overflow"], &chart["focusable"]),
            (&json!(true), &json!("auto"), &json!(true)),
            "the chart's box scrolls, and the keyboard can reach it: {chart}"
        );
        assert_eq!(page_width(browser).await, json!([390, 390]), "the page itself does not scroll");
        browser.shot_at("60-phone-long-name-and-chart", 390).await;
        page.close().await;
    })
    .await;
}

/// Before: cells were `white-space: nowrap`, so `a<TAB>b` and `x  y` read as "a b" and "x y".
#[tokio::test]
async fn cells_show_their_whitespace_on_one_line() {
    one_at_a_time("whitespace cells", async {
        let csv = "id,val\n1,\"a\tb\"\n2,\"x  y\"\n3,\"x y\"\n4,\"one\ntwo\"\n5,plain\n";
        let Some(page) = Setup::new("whitespace_cells").upload("spaces", csv).start().await else {
            return;
        };
        let browser = &page.browser;
        browser
            .open(&format!("/#/datasets/{}", page.id(0)))
            .await;
        browser.wait_visible("#preview-table tbody tr").await;
        let cells = browser
            .eval(
                "[...document.querySelectorAll('#preview-table tbody tr')].map((tr) => { \
                   const td = tr.cells[2]; const range = document.createRange(); range.selectNodeContents(td); \
                   return { value: td.textContent, title: td.title, \
                            marks: [...td.querySelectorAll('.ws')].map((m) => getComputedStyle(m, '::before').content), \
                            width: range.getBoundingClientRect().width, height: tr.getBoundingClientRect().height }; })",
            )
            .await;
        let row = |i: usize| &cells[i];
        let number = |i: usize, key: &str| row(i)[key].as_f64().unwrap();
        // The value itself is in the cell (copying it copies the value), and in the tooltip.
        for (i, value) in ["a\tb", "x  y", "x y", "one\ntwo", "plain"].iter().enumerate() {
            assert_eq!(row(i)["value"], json!(value), "{cells}");
        }
        assert_eq!(row(0)["title"], json!("a\tb"));
        assert_eq!(row(1)["title"], json!("x  y"));
        assert_eq!(row(3)["title"], json!("one\ntwo"));
        assert_eq!(row(0)["marks"], json!(["\"→\""]), "the tab is marked");
        assert_eq!(row(3)["marks"], json!(["\"↵\""]), "the line break is marked");
        // Two spaces take more room than one; the line break does not make its row taller.
        assert!(number(1, "width") > number(2, "width"), "{cells}");
        assert_eq!(number(3, "height"), number(2, "height"), "{cells}");
        browser.shot("61-whitespace-cells").await;
        page.close().await;
    })
    .await;
}

/// Before: grey text (#64748b) on the page's tints was 4.2–4.4:1, faded nulls 2.7:1, a red Delete 4.47:1, and
/// in the dark theme white on the buttons' indigo 4.47:1 and on the green and red icons under 3:1; the logo
/// link was named "csv-ask home", which does not contain its visible text.
#[tokio::test]
async fn text_keeps_aa_contrast_in_both_themes_and_the_logo_is_named_by_its_text() {
    one_at_a_time("contrast", async {
        // Empty values (shown as "null") in a table the question's SQL can run on.
        let nulls = "name,class,fare\nann,1,\nbob,2,3.5\ncid,,1.25\n";
        let Some(page) = Setup::new("contrast")
            .answering(vec![by_class(false)])
            .upload("passengers", PASSENGERS_CSV)
            .upload("with nulls", nulls)
            .start()
            .await
        else {
            return;
        };
        let browser = &page.browser;
        browser
            .open(&format!("/#/datasets/{}", page.id(1)))
            .await;
        browser.wait_visible("#preview-table td.null").await;

        let brand = browser
            .eval(
                "(() => { const a = document.querySelector('.brand'); \
                 return { label: a.getAttribute('aria-label'), text: a.innerText.replace(/\\s+/g, ' ').trim() }; })()",
            )
            .await;
        let text = brand["text"].as_str().unwrap();
        assert!(text.starts_with("csv-ask"), "{brand}");
        assert!(
            brand["label"].is_null() || brand["label"].as_str().unwrap().contains(text),
            "the logo link's name contains its visible text: {brand}"
        );

        let mut failures = Vec::new();
        let mut check = async |state: &str| {
            let result = browser.eval(CONTRAST).await;
            assert!(result["checked"].as_u64().unwrap() > 30, "{state}: {result}");
            for failure in result["failures"].as_array().unwrap() {
                failures.push(format!("{state}: {}", failure.as_str().unwrap()));
            }
        };
        for dark in [false, true] {
            let theme = if dark { "dark" } else { "light" };
            browser.emulate_dark(dark).await;
            // Colours fade to the new theme (CSS transitions): measure them once they got there.
            browser
                .wait_js(
                    "document.getAnimations().every((a) => a.playState !== 'running' || \
                     a.effect.getTiming().iterations === Infinity)",
                    "the theme's transitions over",
                )
                .await;
            browser.click_centered("#tab-data").await;
            check(&format!("{theme} Data tab")).await;
            browser.click_centered("#tab-ask").await;
            if !dark {
                answered(browser, "How many passengers per class?").await;
            }
            check(&format!("{theme} answered question")).await;
            // A comment in the editor and a rejected query: the highlighted SQL, gutter marks and the error.
            browser
                .fill("#sql-input", "SELECT -- why not\n nope FROM data")
                .await;
            browser.click_centered("#sql-run").await;
            browser.wait_visible("#sql-issues .alert-error").await;
            check(&format!("{theme} rejected SQL")).await;
            browser.click_centered("#tab-history").await;
            browser.wait_visible("#history-list .history-item").await;
            check(&format!("{theme} History tab")).await;
        }
        assert!(failures.is_empty(), "below WCAG AA contrast:\n{}", failures.join("\n"));
        browser.shot("62-dark-history").await;
        page.close().await;
    })
    .await;
}
