//! `request_body` writes, byte for byte, what serialising the whole body at once wrote before openings were
//! shared: every structured mode and token parameter, streamed or not, with and without a system message (first,
//! not first, twice), across more distinct system prompts than are kept.

use serde::Serialize;
use serde_json::{Value, json};

use super::{ResponseFormat, request_body, response_format};
use crate::body::SharedPieces;
use crate::config::{ProviderConfig, StructuredMode, TokenParam};
use crate::provider::f32_json;
use crate::structured::{schema_instruction, with_instruction};
use crate::types::{ChatRequest, Message};

/// The body as one struct, serialised in one go: the reference.
#[derive(Serialize)]
struct WholeBody<'a> {
    model: &'a str,
    messages: &'a [Message],
    temperature: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<ResponseFormat<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream: Option<bool>,
}

fn reference(cfg: &ProviderConfig, req: &ChatRequest, stream: bool) -> Vec<u8> {
    let messages = match (&req.schema, cfg.structured) {
        (Some(schema), StructuredMode::JsonObject | StructuredMode::PromptOnly) => {
            with_instruction(&req.messages, &schema_instruction(schema))
        }
        _ => req.messages.clone(),
    };
    let max_tokens = req.max_tokens.unwrap_or(cfg.max_tokens);
    serde_json::to_vec(&WholeBody {
        model: &cfg.model,
        messages: &messages,
        temperature: f32_json(cfg.temperature),
        max_tokens: (cfg.token_param == TokenParam::MaxTokens).then_some(max_tokens),
        max_completion_tokens: (cfg.token_param == TokenParam::MaxCompletionTokens)
            .then_some(max_tokens),
        // The field's value is not what this compares (the exact-body tests in tests/openai.rs check it).
        response_format: response_format(cfg, req),
        stream: stream.then_some(true),
    })
    .unwrap()
}

fn conversations(variant: usize) -> Vec<Vec<Message>> {
    let system =
        format!("You write SQL #{variant}.\n\"Quote\" \\ back\u{2028}slash </script> \u{1F600}");
    vec![
        vec![],
        vec![Message::system(system.clone())],
        vec![Message::user("How many?")],
        vec![
            Message::system(system.clone()),
            Message::user("How many?"),
            Message::assistant("{\"sql\": \"SELECT 1\"}"),
            Message::user("Fix \"it\"\n"),
        ],
        vec![Message::user("first"), Message::system(system.clone())],
        vec![Message::system(system.clone()), Message::system("Second.")],
    ]
}

#[test]
fn shared_openings_write_the_bytes_of_the_whole_body() {
    let openings = SharedPieces::default();
    let schema =
        json!({"type": "object", "properties": {"sql": {"type": "string"}}, "required": ["sql"]});
    let mut cases = 0;
    // Eight system prompts in turn, so the four kept are evicted and built again.
    for variant in 0..8 {
        for structured in [
            StructuredMode::JsonSchema,
            StructuredMode::JsonObject,
            StructuredMode::PromptOnly,
        ] {
            for token_param in [TokenParam::MaxTokens, TokenParam::MaxCompletionTokens] {
                let mut cfg = ProviderConfig::openai_compatible("http://x/v1", "m\"odel");
                cfg.structured = structured;
                cfg.token_param = token_param;
                for messages in conversations(variant) {
                    for with_schema in [false, true] {
                        let mut req = ChatRequest::new("t", messages.clone());
                        if with_schema {
                            req = req.with_schema("sql_answer", schema.clone());
                        }
                        for stream in [false, true] {
                            // Twice: built, then shared.
                            for _ in 0..2 {
                                let body = request_body(&cfg, &req, stream, &openings);
                                assert_eq!(
                                    String::from_utf8(body.to_vec()).unwrap(),
                                    String::from_utf8(reference(&cfg, &req, stream)).unwrap(),
                                    "{structured:?} {token_param:?} stream={stream}"
                                );
                                cases += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    assert_eq!(cases, 8 * 3 * 2 * 6 * 2 * 2 * 2);
}
