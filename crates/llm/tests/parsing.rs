//! Pure parsing: error-body shapes, JSON extraction, SQL extraction and a corpus replay.

use std::time::Duration;

use llm::{
    Extraction, LlmError, extract_json, extract_sql, json_error, object_with_field,
    parse_error_body,
};

#[test]
fn error_body_shapes() {
    let cases: &[(&str, &str)] = &[
        // standard OpenAI, string code
        (
            r#"{"error":{"message":"Invalid model","type":"invalid_request_error","param":"model","code":"model_not_found"}}"#,
            "Invalid model [invalid_request_error, code model_not_found]",
        ),
        // null code
        (
            r#"{"error":{"message":"Server overloaded","type":"server_error","param":null,"code":null}}"#,
            "Server overloaded [server_error]",
        ),
        // vLLM >= 0.10.1: integer code
        (
            r#"{"error":{"message":"max_tokens too large","type":"BadRequestError","param":null,"code":400}}"#,
            "max_tokens too large [BadRequestError, code 400]",
        ),
        // older vLLM: flat
        (
            r#"{"object":"error","message":"The model `x` does not exist.","type":"NotFoundError","param":null,"code":404}"#,
            "The model `x` does not exist. [NotFoundError, code 404]",
        ),
        // vLLM auth / LM Studio
        (r#"{"error":"Unauthorized"}"#, "Unauthorized"),
        (
            r#"{"error":"The model is currently scaling up, retry later"}"#,
            "The model is currently scaling up, retry later",
        ),
        // Gemini OpenAI-compat endpoint: array
        (
            r#"[{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT"}}]"#,
            "API key not valid. [INVALID_ARGUMENT, code 400]",
        ),
        // FastAPI validation
        (r#"{"detail":"Not Found"}"#, "Not Found"),
        // non-JSON
        (
            "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
            "502 Bad Gateway 502 Bad Gateway",
        ),
        ("upstream connect error", "upstream connect error"),
        ("", "(empty body)"),
    ];
    for (body, expected) in cases {
        assert_eq!(parse_error_body(body).message, *expected, "body: {body}");
    }
}

#[test]
fn gemini_error_details() {
    let body = r#"{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED","details":[
        {"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]},
        {"@type":"type.googleapis.com/google.rpc.Help","links":[]},
        {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"57.2s"}]}}"#;
    let parsed = parse_error_body(body);
    assert_eq!(parsed.retry_delay, Some(Duration::from_millis(57_200)));
    assert!(parsed.quota_exhausted);
    assert_eq!(parsed.kind.as_deref(), Some("RESOURCE_EXHAUSTED"));
    assert_eq!(parsed.code.as_deref(), Some("429"));
    assert_eq!(
        parsed.message,
        "Quota exceeded [RESOURCE_EXHAUSTED, code 429]"
    );

    let per_minute = body.replace("PerDay", "PerMinute");
    assert!(!parse_error_body(&per_minute).quota_exhausted);
}

#[test]
fn long_bodies_are_clipped() {
    let body = "x".repeat(10_000);
    assert!(parse_error_body(&body).message.chars().count() <= 601);
}

#[test]
fn json_extraction_variants() {
    let direct = extract_json("  {\"sql\": \"SELECT 1\"}\n").unwrap();
    assert_eq!(
        (direct.extraction, direct.value["sql"].as_str()),
        (Extraction::Direct, Some("SELECT 1"))
    );

    let fenced = extract_json("```json\n{\"sql\": \"SELECT 2\"}\n```").unwrap();
    assert_eq!(fenced.extraction, Extraction::Fenced);
    let bare_fence = extract_json("Answer:\n```\n{\"sql\": \"SELECT 3\"}\n```\nThanks").unwrap();
    assert_eq!(
        (bare_fence.extraction, bare_fence.value["sql"].as_str()),
        (Extraction::Fenced, Some("SELECT 3"))
    );
    let unclosed = extract_json("```json\n{\"sql\": \"SELECT 4\"}").unwrap();
    assert_eq!(unclosed.extraction, Extraction::Fenced);

    // Braces inside strings and an earlier non-JSON brace group.
    let text =
        "Use {braces} carefully. Result: {\"sql\": \"SELECT '}' AS x\", \"summary\": \"a {b}\"} ok";
    let embedded = extract_json(text).unwrap();
    assert_eq!(embedded.extraction, Extraction::Embedded);
    assert_eq!(embedded.value["sql"], "SELECT '}' AS x");

    for bad in ["", "no json here", "[1, 2, 3]", "{\"sql\": \"unterminated"] {
        let err = extract_json(bad).unwrap_err();
        assert!(matches!(err, LlmError::BadOutput(_)), "{bad:?} -> {err:?}");
    }
}

#[test]
fn sql_extraction_variants() {
    let cases: &[(&str, &str)] = &[
        ("SELECT 1;", "SELECT 1"),
        (
            "```sql\nSELECT a\nFROM t\nWHERE b = 'x;y';\n```",
            "SELECT a\nFROM t\nWHERE b = 'x;y'",
        ),
        (
            "Here is the query:\n\n```\nselect count(*) from users\n```\nIt counts users.",
            "select count(*) from users",
        ),
        ("SQL: SELECT name FROM people", "SELECT name FROM people"),
        ("**SQL:** `SELECT 1 AS one` is enough.", "SELECT 1 AS one"),
        (
            "Here is the PostgreSQL query to get the comments:\n\nSELECT c.id\nFROM comments c\n\nThis query joins posts.",
            "SELECT c.id\nFROM comments c",
        ),
        (
            "Select the right table first.\nSELECT * FROM t",
            "SELECT * FROM t",
        ),
        (
            "The answer uses SELECT max(x) FROM t; then stops.",
            "SELECT max(x) FROM t",
        ),
        (
            "WITH a AS (SELECT 1)\n\nSELECT * FROM a",
            "WITH a AS (SELECT 1)\n\nSELECT * FROM a",
        ),
        (
            "SELECT a -- pick a; really\nFROM t; SELECT 2",
            "SELECT a -- pick a; really\nFROM t; SELECT 2",
        ),
        (
            "{\"sql\": \"SELECT 5 FROM dual\", \"summary\": \"five\"}",
            "SELECT 5 FROM dual",
        ),
        (
            "```json\n{\"sql\": \"```sql\\nSELECT 6\\n```\"}\n```",
            "SELECT 6",
        ),
        ("DELETE FROM users", "DELETE FROM users"),
    ];
    for (text, expected) in cases {
        assert_eq!(
            extract_sql(text).as_deref(),
            Ok(*expected),
            "input: {text:?}"
        );
    }
    for bad in [
        "",
        "I cannot answer that question.",
        "SELECT",
        "Select the best option.",
    ] {
        match extract_sql(bad) {
            Err(LlmError::BadOutput(m)) => assert!(m.contains("SQL"), "{m}"),
            other => panic!("{bad:?} -> {other:?}"),
        }
    }
}

#[test]
fn a_second_statement_is_kept_for_the_validator() {
    // Cutting at the first `;` ran the first half of what the model wrote and hid the rest from the validator.
    let cases: &[(&str, &str)] = &[
        (
            r#"{"sql":"SELECT city FROM data; DROP TABLE data","summary":"cities","chart":null}"#,
            "SELECT city FROM data; DROP TABLE data",
        ),
        (
            "```sql\nSELECT 1;\nDROP TABLE t;\n```",
            "SELECT 1;\nDROP TABLE t",
        ),
        ("SELECT 1; drop table t", "SELECT 1; drop table t"),
        // Only a trailing `;` and the comments after it go.
        (
            r#"{"sql": "SELECT 1; -- the count\n/* done */ ;"}"#,
            "SELECT 1",
        ),
        ("SELECT a FROM t;\nThis query lists a.", "SELECT a FROM t"),
        ("SELECT a FROM t; Select a row above.", "SELECT a FROM t"),
    ];
    for (text, expected) in cases {
        assert_eq!(
            extract_sql(text).as_deref(),
            Ok(*expected),
            "input: {text:?}"
        );
    }
}

#[test]
fn almost_json_answers_are_read() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"sql": "SELECT city FROM data", "summary": "cities", "chart": null,}"#,
            "SELECT city FROM data",
        ),
        (
            "{\n  // the query\n  \"sql\": \"SELECT city FROM data\", /* why */\n  \"summary\": \"cities\"\n}",
            "SELECT city FROM data",
        ),
        (
            r#"{"answer": {"sql": "SELECT city FROM data", "summary": "cities"}}"#,
            "SELECT city FROM data",
        ),
        (
            r#"{"query": "SELECT city FROM data", "summary": "Select the cities"}"#,
            "SELECT city FROM data",
        ),
        (
            "{\"sql\": \"SELECT city\n  FROM data\", \"summary\": \"cities\"}",
            "SELECT city\n  FROM data",
        ),
        (
            "```json\n{\"sql\": \"SELECT 1 AS one\",}\n```",
            "SELECT 1 AS one",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(
            extract_sql(text).as_deref(),
            Ok(*expected),
            "input: {text:?}"
        );
    }
    let wrapped = extract_json(r#"{"answer": {"sql": "SELECT 1", "summary": "one"}}"#).unwrap();
    let inner = object_with_field(&wrapped.value, "sql").unwrap();
    assert_eq!(inner["summary"], "one");
}

#[test]
fn unreadable_json_is_an_error_not_sql() {
    // Scanning it as text took the JSON's own quotes and fields for the end of the query.
    for text in [
        r#"{"sql": "SELECT "city" FROM data", "summary": "cities"}"#,
        r#"Sure! {"sql": "SELECT "city" FROM data"} Done."#,
        "```json\n{\"sql\": \"SELECT city FROM data\" \"summary\": 1}\n```",
        r#"{"summary": "no query here"}"#,
    ] {
        match extract_sql(text) {
            Err(LlmError::BadOutput(m)) => assert!(m.contains("SQL"), "{text}: {m}"),
            other => panic!("{text:?} -> {other:?}"),
        }
    }
    let reason = json_error(r#"{"sql": "SELECT "city" FROM data"}"#).unwrap();
    assert!(reason.contains("line 1 column"), "{reason}");
    for readable in [
        r#"{"sql": "SELECT 1",}"#,
        "SELECT 1",
        "no JSON, no SQL",
        "```sql\nSELECT 1\n```",
    ] {
        assert_eq!(json_error(readable), None, "{readable}");
    }
}

/// Replays real model outputs (BIRD mini-dev predictions) through `extract_sql`.
#[test]
fn corpus_replay() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpora/llm-outputs");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("skipped: corpus absent");
        return;
    };
    let mut files: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        println!("skipped: corpus absent");
        return;
    }
    let (mut ok, mut failed, mut trimmed) = (0usize, 0usize, 0usize);
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
        for (index, value) in &map {
            let raw = value.as_str().unwrap_or_default();
            // Corpus format: "<model output>\t----- bird -----\t<db_id>".
            let output = raw.split("\t----- bird -----\t").next().unwrap_or_default();
            match extract_sql(output) {
                Ok(sql) => {
                    assert!(
                        !sql.trim().is_empty() && !sql.ends_with(';'),
                        "{index}: {sql:?}"
                    );
                    ok += 1;
                    // Most outputs are bare SQL: report those where extraction cut something.
                    if sql != output.trim().trim_end_matches(';').trim_end() {
                        trimmed += 1;
                        if trimmed <= 15 {
                            println!(
                                "trimmed {}#{index}:\n  raw: {output:?}\n  sql: {sql:?}",
                                file.display()
                            );
                        }
                    }
                }
                Err(LlmError::BadOutput(msg)) => {
                    assert!(msg.contains("SQL"), "unclear error for {index}: {msg}");
                    failed += 1;
                    println!("no SQL in {}#{index}: {msg}", file.display());
                }
                Err(other) => panic!("unexpected error kind for {index}: {other:?}"),
            }
        }
    }
    println!(
        "corpus replay: {} files, {ok} extracted ({trimmed} with surrounding text removed), {failed} without SQL",
        files.len()
    );
    assert!(ok > 0);
}
