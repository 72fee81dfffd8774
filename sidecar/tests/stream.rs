//! `/ai/codegen/stream`: deltas, repairs and the result as SSE for both protocols, an in-band upstream error,
//! and a client disconnect that stops the upstream call.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};
use testkit::send;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer};

/// OpenAI chunks carrying `text` in three pieces, then the finish and `[DONE]`.
fn openai_chunks(text: &str) -> Vec<String> {
    let third = text.len() / 3;
    let mut cut = [third, 2 * third];
    for c in &mut cut {
        while !text.is_char_boundary(*c) {
            *c += 1;
        }
    }
    let pieces = [&text[..cut[0]], &text[cut[0]..cut[1]], &text[cut[1]..]];
    let mut chunks: Vec<String> = pieces
        .iter()
        .map(|p| json!({"model": "qwen-7b", "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": null}]}).to_string())
        .collect();
    chunks
        .push(json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}).to_string());
    chunks.push("[DONE]".into());
    chunks
}

fn deltas(events: &[(String, Value)], attempt: u64) -> String {
    events
        .iter()
        .filter(|(name, data)| name == "delta" && data["attempt"] == attempt)
        .map(|(_, data)| data["text"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn openai_deltas_repair_then_result() {
    let server = MockServer::start().await;
    let bad = answer("SELECT * FROM read_csv('/etc/passwd')");
    mount(
        &server,
        request_id("trace-1-1"),
        sse(&openai_chunks(&bad)),
        1,
    )
    .await;
    let good = sse(&openai_chunks(&answer(GOOD_SQL)));
    mount(&server, request_id("trace-1-r1-1"), good, 1).await;
    let reply = codegen_stream(openai(&server)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(
        reply.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let events = sse_events(&reply.text());
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "delta", "delta", "delta", "repair", "delta", "delta", "delta", "result"
        ],
        "{}",
        reply.text()
    );
    assert_eq!(deltas(&events, 1), bad);
    assert_eq!(deltas(&events, 2), answer(GOOD_SQL));
    let repair = &events[3].1;
    assert_eq!(repair["attempt"], 1);
    assert_eq!(repair["code"], "SELECT * FROM read_csv('/etc/passwd')");
    assert_eq!(repair["issues"][0]["rule"], "table_function");
    let result = &events[7].1;
    assert_eq!(result["attempts"], 2);
    assert!(
        result["code"]
            .as_str()
            .unwrap()
            .starts_with("SELECT \"pclass\""),
        "{result}"
    );
    let bodies = llm_bodies(&server).await;
    assert_eq!(bodies[0]["stream"], true);
    assert_eq!(bodies[1]["messages"][2]["content"], bad);
}

#[tokio::test]
async fn gemini_stream_happy_path() {
    let server = MockServer::start().await;
    let text = answer(GOOD_SQL);
    let (first, second) = text.split_at(text.len() / 2);
    let chunks = vec![
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": first}]}}]}).to_string(),
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": second}]}, "finishReason": "STOP"}],
               "usageMetadata": {"promptTokenCount": 90, "candidatesTokenCount": 30, "totalTokenCount": 120}}).to_string(),
    ];
    Mock::given(method("POST"))
        .and(path(
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
        ))
        .and(query_param("alt", "sse"))
        .and(header("x-goog-api-key", KEY))
        .respond_with(sse(&chunks))
        .expect(1)
        .mount(&server)
        .await;
    let reply = codegen_stream(gemini(&server)).await;
    let events = sse_events(&reply.text());
    assert_eq!(deltas(&events, 1), text);
    let (name, result) = events.last().unwrap();
    assert_eq!(name, "result", "{}", reply.text());
    assert_eq!(result["attempts"], 1);
    assert_eq!(result["usage"]["total_tokens"], 120);
}

#[tokio::test]
async fn in_band_error_becomes_an_error_event() {
    let server = MockServer::start().await;
    let chunks = vec![
        json!({"choices": [{"index": 0, "delta": {"content": "{\"sql\": \"SEL"}, "finish_reason": null}]}).to_string(),
        json!({"error": {"message": "CUDA out of memory", "type": "InternalServerError", "code": 500}}).to_string(),
        "[DONE]".to_owned(),
    ];
    mount(&server, method("POST"), sse(&chunks), 1).await;
    let reply = codegen_stream(openai(&server)).await;
    assert_eq!(sse_events(&reply.text())[0].0, "delta");
    let error = last_error_event(&reply);
    assert_eq!(error["error"]["code"], "llm_error");
    assert_eq!(error["error"]["trace_id"], "trace-1");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("CUDA out of memory")
    );
}

/// An error as the stream's first chunk is retried like an HTTP 5xx before the stream (nothing was forwarded),
/// and once the retries are spent it is `llm_unavailable`, not `llm_error`.
#[tokio::test]
async fn an_error_as_the_first_chunk_is_retried_then_unavailable() {
    let openai_error =
        json!({"error": {"message": "engine died early", "type": "InternalServerError", "code": 500}})
            .to_string();
    // The first attempt and AI_RETRIES = 2.
    let server = llm_answering(sse(&[openai_error, "[DONE]".to_owned()]), 3).await;
    let error = last_error_event(&codegen_stream(openai(&server)).await);
    assert_eq!(error["error"]["code"], "llm_unavailable", "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("engine died early")
    );

    let gemini_error =
        json!({"error": {"code": 503, "message": "overloaded early", "status": "UNAVAILABLE"}})
            .to_string();
    let server = MockServer::start().await;
    mount(&server, request_id("trace-1-1"), sse(&[gemini_error]), 1).await;
    let whole = gemini_body(&answer(GOOD_SQL), "STOP").to_string();
    mount(&server, request_id("trace-1-2"), sse(&[whole]), 1).await;
    let reply = codegen_stream(gemini(&server)).await;
    let events = sse_events(&reply.text());
    assert_eq!(events.last().unwrap().0, "result", "{}", reply.text());
}

#[tokio::test]
async fn never_complying_model_ends_with_codegen_failed() {
    let server = llm_answering(sse(&openai_chunks(&answer("DELETE FROM data"))), 3).await;
    let reply = codegen_stream(openai(&server)).await;
    let events = sse_events(&reply.text());
    let repairs = events.iter().filter(|(n, _)| n == "repair").count();
    assert_eq!(repairs, 2, "a repair event per answer fed back");
    let error = last_error_event(&reply);
    assert_eq!(error["error"]["code"], "codegen_failed");
    assert_eq!(error["error"]["attempts"], 3);
    assert_eq!(error["error"]["sql"], "DELETE FROM data");
}

#[tokio::test]
async fn problems_before_the_stream_are_plain_json_errors() {
    let reply = send(
        router(sidecar::Config::for_tests()),
        post("/ai/codegen/stream", &codegen_body()),
    )
    .await;
    assert_eq!(
        reply.error(StatusCode::SERVICE_UNAVAILABLE).0,
        "llm_not_configured"
    );
    let server = MockServer::start().await;
    let bad = json!({"question": "", "dataset": dataset()}).to_string();
    let reply = send(
        router(config(openai(&server))),
        post("/ai/codegen/stream", &bad),
    )
    .await;
    assert_eq!(
        reply.error(StatusCode::UNPROCESSABLE_ENTITY).0,
        "invalid_input"
    );
}

/// A raw TCP "LLM" that streams one chunk, then holds the response open and reports when the sidecar closes
/// the connection.
async fn hanging_llm() -> (String, tokio::sync::oneshot::Receiver<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buffer = vec![0u8; 64 * 1024];
        let mut request = Vec::new();
        // Read the whole request (headers and the JSON body).
        loop {
            let n = socket.read(&mut buffer).await.unwrap();
            request.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&request);
            if let Some(end) = text.find("\r\n\r\n") {
                let length: usize = text
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if request.len() >= end + 4 + length {
                    break;
                }
            }
        }
        let chunk = json!({"choices": [{"index": 0, "delta": {"content": "{\"sql\": "}, "finish_reason": null}]});
        let event = format!("data: {chunk}\n\n");
        let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
        let body = format!("{:x}\r\n{event}\r\n", event.len());
        socket.write_all(head.as_bytes()).await.unwrap();
        socket.write_all(body.as_bytes()).await.unwrap();
        // Hold the stream open; a read of 0 bytes (or an error) means the sidecar hung up.
        loop {
            match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let _ = closed_tx.send(());
    });
    (format!("http://{addr}/v1"), closed_rx)
}

#[tokio::test]
async fn client_disconnect_stops_the_upstream_call() {
    let (base, closed) = hanging_llm().await;
    let mut provider = llm::ProviderConfig::openai_compatible(base, "qwen-7b");
    provider.timeout = Duration::from_secs(30);
    provider.deadline = Duration::from_secs(60);
    let app = sidecar::Application::build(config(provider)).await.unwrap();
    let addr = app.local_addr().unwrap();
    tokio::spawn(app.run_until(std::future::pending()));

    let client = reqwest::Client::new();
    let mut response = client
        .post(format!("http://{addr}/ai/codegen/stream"))
        .header("content-type", "application/json")
        .body(codegen_body())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let first = tokio::time::timeout(Duration::from_secs(5), response.chunk())
        .await
        .expect("a first event")
        .unwrap()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&first).contains("event: delta"),
        "{first:?}"
    );
    drop(response);
    drop(client);
    tokio::time::timeout(Duration::from_secs(5), closed)
        .await
        .expect("the upstream connection is closed soon after the client leaves")
        .unwrap();
}
