//! Span fields in JSON log lines (`telemetry::subscriber`'s own field formatter): every kind of value, escaped,
//! long values whole, fields recorded later merged in.

/// The `span` object of every line logged while `log` runs, at trace level.
fn span_fields(log: impl FnOnce()) -> Vec<serde_json::Value> {
    let (captured, guard) = testkit::capture_logs("trace");
    log();
    drop(guard);
    captured
        .lines()
        .into_iter()
        .map(|line| line["span"].clone())
        .collect()
}

#[test]
fn span_fields_of_every_kind_are_valid_json_in_log_lines() {
    let spans = span_fields(|| {
        let text = "quote \" backslash \\ newline \n tab \t bell \u{7} é";
        let span = tracing::info_span!(
            "request",
            text,
            shown = %"a\"b",
            debugged = ?vec!["x"],
            int = -3i64,
            unsigned = 7u64,
            yes = true,
            ratio = 0.5f64,
            nan = f64::NAN,
            later = tracing::field::Empty,
        );
        let _entered = span.enter();
        tracing::info!("inside");
        span.record("later", "recorded");
        span.record("int", 4i64);
        tracing::info!("after recording");
    });
    assert_eq!(spans.len(), 2, "{spans:?}");
    let first = &spans[0];
    assert_eq!(
        first["text"],
        "quote \" backslash \\ newline \n tab \t bell \u{7} é"
    );
    assert_eq!(first["shown"], "a\"b");
    assert_eq!(first["debugged"], "[\"x\"]");
    assert_eq!(first["int"], -3);
    assert_eq!(first["unsigned"], 7);
    assert_eq!(first["yes"], true);
    assert_eq!(first["ratio"], 0.5);
    assert!(first["nan"].is_null());
    assert!(first.get("later").is_none());
    assert_eq!(first["name"], "request");
    let second = &spans[1];
    assert_eq!(second["later"], "recorded");
    assert_eq!(second["int"], 4);
    assert_eq!(second["text"], first["text"]);
}

#[test]
fn long_fields_are_kept_whole() {
    let long = format!("{}\"middle\"{}", "é".repeat(150), "x".repeat(300));
    let spans = span_fields(|| {
        let _entered =
            tracing::info_span!("long", first = long.as_str(), second = "after").entered();
        tracing::info!("inside");
    });
    assert_eq!(spans[0]["first"], long.as_str());
    assert_eq!(spans[0]["second"], "after");
}

/// Each thread builds span fields in one reused scratch string: spans of every size, one after another (and one
/// created while another's fields are being formatted), each come out with their own fields only.
#[test]
fn spans_formatted_one_after_another_keep_only_their_own_fields() {
    struct CreatesASpan;
    impl std::fmt::Debug for CreatesASpan {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let _inner = tracing::info_span!("inner", nested = "yes").entered();
            f.write_str("outer value")
        }
    }
    for len in [5000, 3, 400, 0, 9000, 17] {
        let value = "v".repeat(len);
        let spans = span_fields(|| {
            let _entered = tracing::info_span!("sized", value = value.as_str()).entered();
            tracing::info!("inside");
        });
        assert_eq!(spans[0]["value"], value.as_str(), "length {len}");
        assert_eq!(spans[0].as_object().unwrap().len(), 2, "{}", spans[0]);
    }
    let spans = span_fields(|| {
        let _entered = tracing::info_span!("outer", debugged = ?CreatesASpan).entered();
        tracing::info!("inside");
    });
    assert_eq!(spans[0]["debugged"], "outer value");
    assert!(spans[0].get("nested").is_none(), "{}", spans[0]);
}

#[test]
fn a_span_without_fields_is_an_empty_object() {
    let spans = span_fields(|| {
        let _entered = tracing::info_span!("bare").entered();
        tracing::info!("inside");
    });
    assert_eq!(spans[0]["name"], "bare");
}
