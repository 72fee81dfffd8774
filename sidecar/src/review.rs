//! `/ai/validate`: the static check (always) and the advisory LLM review (when `AI_REVIEW=on`, a question is
//! given and the static check passed: the review may flag a query, never approve one the validator rejects).

use std::sync::Arc;

use contracts::{Review, ValidateRequest, ValidateResponse, Verdict};
use llm::{ChatRequest, LlmError, Message, Provider};
use serde_json::Value;
use sqlguard::ValidatedQuery;

use crate::{
    dataset,
    error::SidecarError,
    prompts::{Prompts, clip, review_schema},
};

/// Longest review comment kept, in characters.
pub const MAX_COMMENTS_CHARS: usize = 1_000;

/// The static verdict.
pub fn static_check(request: &ValidateRequest) -> (ValidateResponse, Option<ValidatedQuery>) {
    let catalog = dataset::catalog(&request.dataset);
    match ValidatedQuery::parse(&request.code, &catalog) {
        Ok(query) => (
            ValidateResponse {
                is_valid: true,
                issues: sqlguard::to_wire(query.notes()),
                normalized_sql: Some(query.sql().to_owned()),
                review: None,
            },
            Some(query),
        ),
        Err(issues) => (
            ValidateResponse {
                is_valid: false,
                issues: sqlguard::to_wire(&issues),
                normalized_sql: None,
                review: None,
            },
            None,
        ),
    }
}

/// Asks the model whether `query` answers `question`.
pub async fn review(
    provider: &Arc<dyn Provider>,
    prompts: &Prompts,
    request: &ValidateRequest,
    question: &str,
    query: &ValidatedQuery,
    sample_rows: usize,
    trace_id: &str,
) -> Result<Review, SidecarError> {
    let block = dataset::dataset_block(&request.dataset, sample_rows);
    let chat = ChatRequest::new(
        trace_id,
        vec![
            Message::system(prompts.review_system()),
            Message::user(prompts.review_query(&block, question, query.sql())?),
        ],
    )
    // Named after the answer it reviews: a repaired query's review is a request of its own.
    .with_request_id(format!(
        "{}-review",
        crate::codegen::request_id_base(trace_id, request.attempt.unwrap_or(1))
    ))
    .with_schema("sql_review", review_schema());
    let reply = provider.chat(chat).await?;
    parse_review(&reply.text).ok_or_else(|| {
        SidecarError::Llm(LlmError::BadOutput(
            "the review is not a JSON object with a `verdict` of answers, doubtful or wrong".into(),
        ))
    })
}

/// The review in a model answer, if it has the expected shape.
pub fn parse_review(text: &str) -> Option<Review> {
    let value = llm::extract_json(text).ok()?.value;
    let verdict = match value
        .get("verdict")?
        .as_str()?
        .trim()
        .to_ascii_lowercase()
        .as_str()
    {
        "answers" => Verdict::Answers,
        "doubtful" => Verdict::Doubtful,
        "wrong" => Verdict::Wrong,
        _ => return None,
    };
    let comments = value
        .get("comments")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim()
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect::<String>();
    Some(Review {
        verdict,
        comments: clip(&comments, MAX_COMMENTS_CHARS),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviews_parse_leniently_and_strictly() {
        let review =
            parse_review("```json\n{\"verdict\": \"Doubtful\", \"comments\": \"No filter.\"}\n```")
                .unwrap();
        assert_eq!(review.verdict, Verdict::Doubtful);
        assert_eq!(review.comments, "No filter.");
        assert!(parse_review("{\"verdict\": \"approved\"}").is_none());
        assert!(parse_review("looks fine").is_none());
        let long = format!(
            "{{\"verdict\": \"wrong\", \"comments\": \"{}\"}}",
            "c".repeat(3000)
        );
        assert_eq!(
            parse_review(&long).unwrap().comments.chars().count(),
            MAX_COMMENTS_CHARS + 1
        );
    }
}
