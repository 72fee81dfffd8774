//! OpenAI-compatible and Azure adapters against wiremock: bodies, headers, outcomes, models.

mod common;

use common::*;
use llm::{
    Extraction, LlmError, ProviderConfig, ProviderKind, StructuredMode, TokenParam, build_provider,
};
use serde_json::json;
use wiremock::matchers::{body_json, header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn one_shot(body: serde_json::Value) -> Result<llm::ChatResponse, LlmError> {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    build_provider(openai_cfg(&server))?
        .chat(sql_request("t"))
        .await
}

#[tokio::test]
async fn exact_body_and_headers_json_schema() {
    let server = MockServer::start().await;
    let expected = json!({
        "model": "qwen-7b",
        "temperature": 0.1,
        "max_tokens": 1024,
        "messages": [
            {"role": "system", "content": "You write SQL."},
            {"role": "user", "content": "Count the customers."}
        ],
        "response_format": {"type": "json_schema",
            "json_schema": {"name": "sql_answer", "strict": true, "schema": schema()}}
    });
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(request_id("trace-abc-1"))
        .and(header("x-trace-id", "trace-abc"))
        .and(body_json(expected))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_ok(ANSWER)))
        .expect(1)
        .mount(&server)
        .await;
    let provider = build_provider(openai_cfg(&server)).unwrap();
    let resp = provider.chat(sql_request("trace-abc")).await.unwrap();
    assert_eq!(resp.text, ANSWER);
    assert_eq!(resp.model, "qwen-7b");
    assert_eq!(resp.finish_reason.as_deref(), Some("stop"));
    assert_eq!(resp.usage.unwrap().total_tokens, 15);
    let json = resp.json().unwrap();
    assert_eq!(json.extraction, Extraction::Direct);
    assert_eq!(json.value["sql"], "SELECT COUNT(*) FROM customers");
}

#[tokio::test]
async fn json_object_mode_and_max_completion_tokens() {
    let server = MockServer::start().await;
    let mut cfg = openai_cfg(&server).with_structured(StructuredMode::JsonObject);
    cfg.token_param = TokenParam::MaxCompletionTokens;
    cfg.api_key = None;
    let instruction = format!(
        "You write SQL.\n\nRespond with a single JSON object only, no prose and no code fences. \
         It must conform to this JSON Schema:\n{}",
        schema()
    );
    let expected = json!({
        "model": "qwen-7b", "temperature": 0.1, "max_completion_tokens": 77,
        "messages": [{"role": "system", "content": instruction},
                     {"role": "user", "content": "Count the customers."}],
        "response_format": {"type": "json_object"}
    });
    Mock::given(body_json(expected))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_ok(ANSWER)))
        .expect(1)
        .mount(&server)
        .await;
    let provider = build_provider(cfg).unwrap();
    provider
        .chat(sql_request("t").with_max_tokens(77))
        .await
        .unwrap();
    // No key configured: no Authorization header at all.
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn prompt_only_mode_sends_no_response_format() {
    let server = MockServer::start().await;
    let cfg = openai_cfg(&server).with_structured(StructuredMode::PromptOnly);
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_ok(ANSWER)))
        .mount(&server)
        .await;
    build_provider(cfg)
        .unwrap()
        .chat(sql_request("t"))
        .await
        .unwrap();
    let body: serde_json::Value = server.received_requests().await.unwrap()[0]
        .body_json()
        .unwrap();
    assert!(body.get("response_format").is_none());
    assert_eq!(body["max_tokens"], 1024);
    assert!(
        body["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("JSON Schema")
    );
}

#[tokio::test]
async fn azure_variant_url_and_api_key_header() {
    let server = MockServer::start().await;
    let cfg = quick(ProviderConfig::azure(
        server.uri(),
        "gpt4o-prod",
        "2024-10-21",
        KEY,
    ));
    Mock::given(method("POST"))
        .and(path("/openai/deployments/gpt4o-prod/chat/completions"))
        .and(query_param("api-version", "2024-10-21"))
        .and(header("api-key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_ok(ANSWER)))
        .expect(1)
        .mount(&server)
        .await;
    let p = build_provider(cfg).unwrap();
    assert!(matches!(p.kind(), ProviderKind::AzureOpenAi { .. }));
    p.chat(sql_request("t")).await.unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert!(reqs[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn fenced_and_prose_wrapped_output() {
    let fenced = format!("Here you go:\n```json\n{ANSWER}\n```\n");
    let resp = one_shot(openai_ok(&fenced)).await.unwrap();
    assert_eq!(resp.json().unwrap().extraction, Extraction::Fenced);
    let prose = format!("Sure! The answer is {ANSWER} -- hope that helps {{not json}}.");
    let resp = one_shot(openai_ok(&prose)).await.unwrap();
    let j = resp.json().unwrap();
    assert_eq!(j.extraction, Extraction::Embedded);
    assert_eq!(j.value["summary"], "count");
}

#[tokio::test]
async fn truncated_refusal_and_content_filter() {
    let err = one_shot(openai_finish("{\"sql\":\"SELECT", "length"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        LlmError::Truncated {
            partial: "{\"sql\":\"SELECT".into()
        }
    );

    let mut refusal = openai_ok("");
    refusal["choices"][0]["message"]["content"] = json!(null);
    refusal["choices"][0]["message"]["refusal"] = json!("I can't help with that.");
    let err = one_shot(refusal).await.unwrap_err();
    assert_eq!(err, LlmError::Refusal("I can't help with that.".into()));
    assert!(!err.is_retryable());

    let err = one_shot(openai_finish("", "content_filter"))
        .await
        .unwrap_err();
    assert!(matches!(err, LlmError::Blocked { ref reason } if reason == "content_filter"));
}

#[tokio::test]
async fn an_empty_answer_is_empty_not_bad_output() {
    // `Empty` lets the caller ask the model again; `BadOutput` made it give up at once.
    let err = one_shot(openai_ok("")).await.unwrap_err();
    assert_eq!(
        err,
        LlmError::Empty {
            finish_reason: Some("stop".into())
        }
    );
    let mut tool_call = openai_finish("", "tool_calls");
    tool_call["choices"][0]["message"]["content"] = json!(null);
    tool_call["choices"][0]["message"]["tool_calls"] =
        json!([{"id": "c1", "type": "function", "function": {"name": "sql", "arguments": "{}"}}]);
    let err = one_shot(tool_call).await.unwrap_err();
    assert_eq!(
        err,
        LlmError::Empty {
            finish_reason: Some("tool_calls".into())
        }
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn reasoning_field_is_ignored() {
    let mut body = openai_ok(ANSWER);
    body["choices"][0]["message"]["reasoning"] = json!("Let me think... SELECT 1");
    assert_eq!(one_shot(body).await.unwrap().text, ANSWER);
}

#[tokio::test]
async fn malformed_json_body_is_bad_output() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("{\"choices\": [", "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = build_provider(openai_cfg(&server))
        .unwrap()
        .chat(plain_request("t"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LlmError::BadOutput(ref m) if m.contains("malformed JSON")),
        "{err}"
    );
}

#[tokio::test]
async fn list_models() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header_exists("x-request-id"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"object": "list", "data": [{"id": "qwen-7b", "object": "model"}, {"id": "llama3"}]})))
        .expect(1)
        .mount(&server)
        .await;
    let models = build_provider(openai_cfg(&server))
        .unwrap()
        .list_models()
        .await
        .unwrap();
    let ids: Vec<_> = models.into_iter().map(|m| m.id).collect();
    assert_eq!(ids, ["qwen-7b", "llama3"]);
}

#[test]
fn invalid_config_is_not_configured() {
    let bad = ProviderConfig::openai_compatible("not a url", "m");
    assert!(matches!(
        build_provider(bad),
        Err(LlmError::NotConfigured(_))
    ));
    let mut no_key = ProviderConfig::gemini("gemini-2.5-flash", "k");
    no_key.api_key = None;
    assert!(matches!(
        build_provider(no_key),
        Err(LlmError::NotConfigured(_))
    ));
}

#[tokio::test]
async fn explicit_request_id_base_and_traced_model_list() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(request_id("trace-r1-1"))
        .and(header("x-trace-id", "trace"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_ok(ANSWER)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/models"))
        .and(request_id("trace-7-1"))
        .and(header("x-trace-id", "trace-7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [{"id": "m"}]})))
        .expect(1)
        .mount(&server)
        .await;
    let provider = build_provider(openai_cfg(&server)).unwrap();
    provider
        .chat(sql_request("trace").with_request_id("trace-r1"))
        .await
        .unwrap();
    let models = provider.list_models_traced("trace-7").await.unwrap();
    assert_eq!(models[0].id, "m");
}

/// The body's opening (model and system prompt) is serialised once per system prompt and shared: every call
/// still sends exactly its own messages, with an exact `Content-Length` (not chunked).
#[tokio::test]
async fn shared_openings_keep_every_body_exact() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_ok(ANSWER)))
        .mount(&server)
        .await;
    let provider = build_provider(openai_cfg(&server)).unwrap();
    let systems = [
        "You write SQL.",
        "You write \"SQL\"\nand nothing else.",
        "You write SQL.",
    ];
    for (n, system) in systems.iter().enumerate() {
        let request = llm::ChatRequest::new(
            format!("t{n}"),
            vec![
                llm::Message::system(*system),
                llm::Message::user(format!("question {n}")),
                llm::Message::assistant("{\"sql\": \"SELECT 1\"}"),
                llm::Message::user("fix it"),
            ],
        );
        provider.chat(request).await.unwrap();
    }
    provider.chat(plain_request("t-plain")).await.unwrap();

    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 4);
    for (n, req) in reqs.iter().enumerate() {
        let length = req
            .headers
            .get("content-length")
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(length, Some(req.body.len().to_string()), "request {n}");
        assert!(
            req.headers.get("transfer-encoding").is_none(),
            "request {n}"
        );
    }
    for (n, system) in systems.iter().enumerate() {
        let body: serde_json::Value = reqs[n].body_json().unwrap();
        assert_eq!(
            body,
            json!({
                "model": "qwen-7b",
                "temperature": 0.1,
                "max_tokens": 1024,
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": format!("question {n}")},
                    {"role": "assistant", "content": "{\"sql\": \"SELECT 1\"}"},
                    {"role": "user", "content": "fix it"}
                ]
            }),
            "request {n}"
        );
    }
    let plain: serde_json::Value = reqs[3].body_json().unwrap();
    assert_eq!(
        plain["messages"],
        json!([{"role": "user", "content": "Count the customers."}])
    );
    let first = String::from_utf8(reqs[0].body.clone()).unwrap();
    assert_eq!(
        first.replace("question 0", "question 2").into_bytes(),
        reqs[2].body,
        "the shared opening sends the same bytes as the first time"
    );
    assert!(
        first.starts_with(r#"{"model":"qwen-7b","messages":[{"role":"system","#),
        "fields in the order serde writes them: {first}"
    );
}

/// A redirect is reported with where it points, once, and not followed: a body of shared chunks cannot be
/// replayed to its target, and following it would send the prompt and the key twice, possibly elsewhere.
#[tokio::test]
async fn a_redirect_is_a_configuration_error_naming_its_target() {
    let server = MockServer::start().await;
    let target = format!("{}/v2/chat/completions", server.uri());
    for status in [307, 308, 301] {
        server.reset().await;
        Mock::given(method("POST"))
            .and(path("/v1/chat/completions"))
            .respond_with(ResponseTemplate::new(status).insert_header("location", target.as_str()))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(path("/v2/chat/completions"))
            .respond_with(ResponseTemplate::new(200).set_body_json(openai_ok(ANSWER)))
            .expect(0)
            .mount(&server)
            .await;
        let err = build_provider(openai_cfg(&server))
            .unwrap()
            .chat(sql_request("t"))
            .await
            .unwrap_err();
        match &err {
            LlmError::NotConfigured(message) => {
                assert!(message.contains(&target), "{message}");
                assert!(message.contains(&status.to_string()), "{message}");
                assert!(message.contains("AI_BASE_URL"), "{message}");
            }
            other => panic!("HTTP {status}: {other:?}"),
        }
        server.verify().await;
    }
}
