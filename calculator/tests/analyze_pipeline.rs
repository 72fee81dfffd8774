//! Analyze against a wiremock sidecar (and a real one with another token): SQL the sidecar normalised past the
//! limit a person's SQL has still runs; what ran is what the audit trail and the stream show; a review that
//! failed says so; a repair round's `codegen_failed` states its real count; a token mismatch is the operator's
//! 503, not the user's 401; credentials in SIDECAR_URL are never shown.

mod common;

use axum::http::StatusCode;
use common::analyze::*;
use serde_json::json;
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::path};

/// A sidecar that answers `code` to codegen and approves it (with `headers` on the verdict).
async fn sidecar(code: &str, verdict_headers: &[(&str, &str)]) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/ai/codegen"))
        .respond_with(ResponseTemplate::new(200).set_body_json(codegen(code)))
        .mount(&server)
        .await;
    mount_approval(&server, verdict_headers).await;
    server
}

/// 1,200 columns: under 20,000 bytes as the model wrote them, past it once `sales` is quoted.
#[tokio::test]
async fn sql_the_sidecar_normalised_past_the_size_limit_still_runs() {
    let items: Vec<String> = (0..1_200).map(|i| format!("sales AS c{i:04}")).collect();
    let model_sql = format!("SELECT {} FROM data", items.join(", "));
    assert!(model_sql.len() < 20_000, "{}", model_sql.len());
    let normalised = model_sql.replace("sales AS", "\"sales\" AS");
    assert!(normalised.len() > 20_000, "{}", normalised.len());
    let sidecar = sidecar(&normalised, &[]).await;
    let (app, id) = app_with(sidecar.uri()).await;
    let reply = ask(&app, &id).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["result"]["row_count"], 2);
}

/// The sidecar's text is not what runs: the calculator validates it again and runs its own normalisation.
/// The audit record's `code`, the response's and the stream's are that; the sidecar's is `generated_code`.
#[tokio::test]
async fn the_audit_trail_and_the_stream_show_the_sql_that_ran() {
    let sidecar_sql = "select CITY from data";
    let sidecar = sidecar(sidecar_sql, &[]).await;
    mount_stream_result(&sidecar, &codegen(sidecar_sql)).await;
    let (app, id) = app_with(sidecar.uri()).await;
    let reply = ask(&app, &id).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let ran = reply.json()["code"].as_str().unwrap().to_owned();
    assert_ne!(ran, sidecar_sql);
    let record = last_record(&app, &id).await;
    assert_eq!(record["code"], ran, "{record}");
    assert_eq!(record["generated_code"], sidecar_sql, "{record}");

    let stream = ask_stream(&app, &id).await;
    let done = stream_data(&stream, None)
        .into_iter()
        .find(|data| data["type"] == "done" && data.get("code").is_some())
        .unwrap_or_else(|| panic!("no codegen done event in {stream}"));
    assert_eq!(done["code"], ran, "{done}");
    assert_eq!(done["generated_code"], sidecar_sql, "{done}");
}

#[tokio::test]
async fn a_review_that_failed_is_noted_in_the_response_and_the_audit_trail() {
    let sidecar = sidecar(
        "SELECT city FROM data",
        &[("x-review-error", "llm_unavailable")],
    )
    .await;
    let (app, id) = app_with(sidecar.uri()).await;
    let reply = ask(&app, &id).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let json = reply.json();
    let note = json["validation"]["review_error"]
        .as_str()
        .unwrap_or_default();
    assert!(
        note.contains("review could not be obtained") && note.contains("unavailable"),
        "{json}"
    );
    assert!(
        json["notes"].as_array().unwrap().contains(&json!(note)),
        "{json}"
    );
    let record = last_record(&app, &id).await;
    assert_eq!(record["validation"]["review_error"], note, "{record}");
}

/// The first round's answer fails in the engine; the repair round's three answers are all rejected.
#[tokio::test]
async fn codegen_failed_after_a_repair_round_states_every_answer() {
    let failed = json!({"error": {"code": "codegen_failed", "trace_id": "t", "attempts": 3,
        "message": "the model gave no query that passes validation in 3 answer(s); ...",
        "issues": [{"rule": "table_function", "message": "no"}], "sql": "SELECT * FROM read_csv('x')"}});
    let server = sidecar_repairing_with(422, failed).await;
    let (app, id) = app_with(server.uri()).await;
    let reply = ask(&app, &id).await;
    let (code, message) = reply.error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(code, "codegen_failed");
    assert_eq!(reply.json()["error"]["attempts"], 4);
    assert!(message.contains("in 4 answer(s)"), "{message}");
}

/// A real sidecar with another SIDECAR_TOKEN: analyze is a 503 naming the setting, and /readyz is degraded.
#[tokio::test]
async fn a_token_mismatch_is_the_operators_503_and_readyz_sees_it() {
    let sidecar =
        sidecar::Application::build(sidecar::Config::for_tests().with_token("the-sidecars"))
            .await
            .unwrap();
    let url = format!("http://{}", sidecar.local_addr().unwrap());
    tokio::spawn(sidecar.run_until(std::future::pending()));
    for token in [Some("the-calculators"), None] {
        let app = common::TestApp::configured(|config| {
            config.sidecar_url = Some(url.clone());
            config.sidecar_token = token.map(secrecy::SecretString::from);
        });
        let id = app.dataset("sales", CSV).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let reply = ask(&app, &id).await;
        let (code, message) = reply.error(StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(code, "sidecar_unauthorized", "{token:?}");
        assert!(message.contains("SIDECAR_TOKEN"), "{message}");
        let ready = app.get("/readyz").await.json();
        assert_eq!(ready["status"], "degraded", "{token:?}: {ready}");
        assert!(
            ready["hint"].as_str().unwrap().contains("SIDECAR_TOKEN"),
            "{ready}"
        );
    }
}

/// `SIDECAR_URL=http://admin:pw@host/?key=...`: neither an analyze error nor /readyz shows the credentials.
#[tokio::test]
async fn credentials_in_sidecar_url_are_never_shown() {
    let (app, id) = app_with("http://admin:hunter2@127.0.0.1:9/?key=QUERYSECRET".into()).await;
    let reply = ask(&app, &id).await;
    let (code, message) = reply.error(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(code, "sidecar_unavailable");
    assert!(message.contains("127.0.0.1:9"), "{message}");
    let ready = app.get("/readyz").await.text();
    for text in [reply.text(), ready] {
        assert!(
            !text.contains("hunter2") && !text.contains("admin") && !text.contains("QUERYSECRET"),
            "{text}"
        );
    }
}

/// Every audit record holds the model: the one that answered when one did (a repair round's `codegen_failed`
/// after a first answer), otherwise `null`, written out (the key was missing from `rejected` and `unavailable`
/// records, as if the record had no such field).
#[tokio::test]
async fn every_audit_record_names_the_model_or_null() {
    let failed = json!({"error": {"code": "codegen_failed", "trace_id": "t", "attempts": 3,
        "message": "the model gave no query that passes validation in 3 answer(s)",
        "issues": [{"rule": "table_function", "message": "no"}], "sql": "SELECT * FROM read_csv('x')"}});
    let server = MockServer::start().await;
    Mock::given(path("/ai/codegen"))
        .respond_with(ResponseTemplate::new(422).set_body_json(failed.clone()))
        .mount(&server)
        .await;
    let repairing = sidecar_repairing_with(422, failed).await;
    // Nothing listens there: the port of a listener just closed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let unreachable = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    for (url, outcome, model) in [
        (server.uri(), "rejected", json!(null)),
        (repairing.uri(), "rejected", json!("m")),
        (unreachable, "unavailable", json!(null)),
    ] {
        let (app, id) = app_with(url).await;
        ask(&app, &id).await;
        let record = last_record(&app, &id).await;
        assert_eq!(record["outcome"], outcome, "{record}");
        let fields = record.as_object().unwrap();
        assert_eq!(fields.get("model"), Some(&model), "{record}");
    }
}
