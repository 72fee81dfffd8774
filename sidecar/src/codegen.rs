//! Code generation with a repair loop: ask the model, validate its SQL with `sqlguard`, and feed a rejection back
//! (bad answer kept in the history, then the exact issues) until an answer passes or the budget is spent.
//!
//! Only SQL that passed the validator leaves this module; nothing the model says can widen what it allows.

use std::sync::Arc;

use contracts::{
    CodegenRequest, CodegenResponse, PreviousAttempt, RepairNotice, SqlIssue, TokenDelta,
    TokenUsage,
};
use futures::{SinkExt, StreamExt, channel::mpsc};
use llm::{ChatRequest, ChatResponse, LlmError, Message, Provider, StreamEvent};
use serde_json::json;
use sqlguard::{Catalog, ValidatedQuery};

use crate::{
    answer::{self, Answer},
    dataset,
    error::{CutOff, SidecarError},
    prompts::{Prompts, answer_schema},
    slots::LlmSlots,
};

/// Longest previous SQL or engine error accepted in `previous_attempt`: the calculator sends back the
/// normalised SQL that ran, which may be as long as sqlguard lets normalised SQL be.
fn max_previous_chars() -> usize {
    sqlguard::Limits::default().max_normalised_bytes()
}

/// What a streaming caller hears while the loop runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    Delta(TokenDelta),
    Repair(RepairNotice),
}

/// One code generation: the provider, the prompts and the limits it runs with.
pub struct Codegen<'a> {
    pub provider: &'a Arc<dyn Provider>,
    pub prompts: &'a Prompts,
    /// Bounds concurrent LLM calls; one slot is held for the whole loop.
    pub slots: &'a LlmSlots,
    pub max_repairs: u32,
    pub sample_rows: usize,
    pub trace_id: String,
}

/// An answer the validator turned down, to be fed back.
struct Rejection {
    reply: String,
    sql: Option<String>,
    issues: Vec<SqlIssue>,
    /// The answer was cut off at the output token limit.
    cut_off: Option<CutOff>,
}

/// Rejects a request the loop should not start on, naming the field.
pub fn check(request: &CodegenRequest) -> Result<(), SidecarError> {
    dataset::check_question("question", &request.question)?;
    dataset::check(&request.dataset)?;
    if let Some(previous) = &request.previous_attempt {
        let has_issues = previous.issues.as_ref().is_some_and(|i| !i.is_empty());
        let has_error = previous
            .error
            .as_ref()
            .is_some_and(|e| !e.trim().is_empty());
        if !has_issues && !has_error {
            return Err(SidecarError::Invalid(
                "field `previous_attempt`: give the `issues` the validator found or the engine's `error`"
                    .into(),
            ));
        }
        let max = max_previous_chars();
        let long = |s: &str| s.chars().count() > max;
        if long(&previous.code)
            || previous.error.as_deref().is_some_and(long)
            || previous.reply.as_deref().is_some_and(long)
        {
            return Err(SidecarError::Invalid(format!(
                "field `previous_attempt`: `code`, `reply` and `error` must be at most {max} characters"
            )));
        }
    }
    Ok(())
}

impl Codegen<'_> {
    /// Runs the loop. With `progress`, answers are streamed and each delta and repair is reported on it.
    pub async fn run(
        &self,
        request: &CodegenRequest,
        mut progress: Option<mpsc::Sender<Progress>>,
    ) -> Result<CodegenResponse, SidecarError> {
        // Waiting comes first: a queued request holds nothing it builds below.
        let _slot = self.slots.acquire(&self.trace_id).await;
        let catalog = dataset::catalog(&request.dataset);
        let mut turns = self.turns(request)?;
        let budget = 1 + self.max_repairs;
        let mut usage: Option<TokenUsage> = None;
        let mut last: Option<Rejection> = None;
        let before = request.attempts_before.unwrap_or(0);
        for attempt in 1..=budget {
            let chat = self.chat_request(&turns, before.saturating_add(attempt));
            let rejection = match self.ask(chat, attempt, progress.as_mut()).await {
                Ok(reply) => {
                    add_usage(&mut usage, &reply);
                    match judge(&reply.text, &catalog) {
                        Ok((answer, query)) => {
                            tracing::debug!(trace_id = %self.trace_id, attempt, "code generation passed");
                            return Ok(CodegenResponse {
                                code: query.sql().to_owned(),
                                reply: Some(reply.text),
                                language: "sql".into(),
                                summary: answer.summary,
                                chart: answer.chart,
                                model: reply.model,
                                attempts: attempt,
                                usage,
                                notes: answer.notes,
                            });
                        }
                        Err((sql, issues)) => Rejection {
                            reply: reply.text,
                            sql,
                            issues,
                            cut_off: None,
                        },
                    }
                }
                // Cut off before any text (thinking spent the limit): the next answer has the same limit, so a
                // repair round cannot help. The error names the limit.
                Err(LlmError::Truncated { partial }) if partial.trim().is_empty() => {
                    return Err(SidecarError::CodegenFailed {
                        issues: vec![answer::cut_off_empty()],
                        sql: None,
                        attempts: attempt,
                        cut_off: Some(CutOff {
                            max_tokens: self.provider.max_tokens(),
                            empty: true,
                        }),
                    });
                }
                // A truncated answer is the model's fault, not the transport's: ask again, more briefly.
                Err(LlmError::Truncated { partial }) => Rejection {
                    sql: answer::read_answer(&partial).ok().map(|a| a.sql),
                    reply: partial,
                    issues: vec![answer::truncated()],
                    cut_off: Some(CutOff {
                        max_tokens: self.provider.max_tokens(),
                        empty: false,
                    }),
                },
                // So is an answer with no text (an empty `content`, a tool call): ask again, saying so.
                Err(LlmError::Empty { .. }) => Rejection {
                    sql: None,
                    reply: String::new(),
                    issues: vec![answer::empty()],
                    cut_off: None,
                },
                Err(other) => return Err(other.into()),
            };
            tracing::info!(
                trace_id = %self.trace_id,
                attempt,
                rules = ?rejection.issues.iter().map(|i| i.rule.as_str()).collect::<Vec<_>>(),
                "model answer rejected"
            );
            if attempt < budget {
                if let Some(tx) = progress.as_mut() {
                    let notice = RepairNotice {
                        attempt,
                        code: rejection.sql.clone(),
                        issues: rejection.issues.clone(),
                    };
                    // A closed channel means the client left; the caller drops this future then.
                    let _ = tx.send(Progress::Repair(notice)).await;
                }
                turns.push(Message::assistant(replayed(&rejection.reply)));
                turns.push(Message::user(self.prompts.repair(&rejection.issues, None)?));
            }
            last = Some(rejection);
        }
        let last = last.unwrap_or_else(|| Rejection {
            reply: String::new(),
            sql: None,
            issues: Vec::new(),
            cut_off: None,
        });
        Err(SidecarError::CodegenFailed {
            issues: last.issues,
            sql: last.sql,
            attempts: budget,
            cut_off: last.cut_off,
        })
    }

    /// The conversation after the system prompt: the question with the dataset block, and a caller's failed
    /// attempt when there is one.
    fn turns(&self, request: &CodegenRequest) -> Result<Vec<Message>, SidecarError> {
        let block = dataset::dataset_block(&request.dataset, self.sample_rows);
        let mut messages = vec![Message::user(
            self.prompts.question(&block, &request.question)?,
        )];
        if let Some(PreviousAttempt {
            code,
            reply,
            issues,
            error,
        }) = &request.previous_attempt
        {
            // The model's own answer, as a validation repair keeps it (llm-protocols.md §C): `code` is the SQL
            // that ran, which the validator may have rewritten (a TRIM the model never wrote) and which lacks the
            // answer's summary and chart.
            let turn = match reply.as_deref().filter(|r| !r.trim().is_empty()) {
                Some(reply) => reply.to_owned(),
                None => json!({ "sql": code }).to_string(),
            };
            messages.push(Message::assistant(turn));
            let issues = issues.as_deref().unwrap_or_default();
            let error = error.as_deref().filter(|e| !e.trim().is_empty());
            // Validator issues are the more precise feedback when both are given.
            let error = if issues.is_empty() { error } else { None };
            messages.push(Message::user(self.prompts.repair(issues, error)?));
        }
        Ok(messages)
    }

    /// The request for answer `answer` of the trace (counted across calls). Built afresh each time and handed
    /// over, so that only the short `turns`, not a copy of the long system prompt, stay in memory while the LLM
    /// thinks.
    fn chat_request(&self, turns: &[Message], answer: u32) -> ChatRequest {
        let mut messages = Vec::with_capacity(turns.len() + 1);
        messages.push(Message::system(self.prompts.codegen_system()));
        messages.extend_from_slice(turns);
        ChatRequest::new(self.trace_id.clone(), messages)
            .with_schema("sql_answer", answer_schema())
            .with_request_id(request_id_base(&self.trace_id, answer))
    }

    /// One model answer, streamed when a progress channel listens.
    async fn ask(
        &self,
        chat: ChatRequest,
        attempt: u32,
        progress: Option<&mut mpsc::Sender<Progress>>,
    ) -> Result<ChatResponse, LlmError> {
        let Some(tx) = progress else {
            return self.provider.chat(chat).await;
        };
        let mut events = self.provider.chat_stream(chat);
        while let Some(event) = events.next().await {
            match event? {
                StreamEvent::Delta(text) => {
                    let _ = tx.send(Progress::Delta(TokenDelta { attempt, text })).await;
                }
                StreamEvent::Done(reply) => return Ok(reply),
            }
        }
        Err(LlmError::Stream(
            "the stream ended without an answer".into(),
        ))
    }
}

/// The base of the LLM's `X-Request-Id`s for answer `answer` of a trace (from 1, counted across calls): `<trace>`
/// for the first, then `<trace>-r1`, `<trace>-r2`, ...; the transport appends `-<transport attempt>` and a
/// random nonce (two analyses may share a client-chosen trace id). Every LLM request of one analysis thus has
/// its own readable id (llm-protocols.md §C), a repair round after the calculator's failed execution and the
/// reviews included.
pub fn request_id_base(trace_id: &str, answer: u32) -> String {
    match answer {
        0 | 1 => trace_id.to_owned(),
        n => format!("{trace_id}-r{}", n - 1),
    }
}

/// The rejected reply as the assistant turn fed back. An empty one is replaced: Gemini refuses a turn with an
/// empty text part, and the model should see that it said nothing.
fn replayed(reply: &str) -> String {
    if reply.trim().is_empty() {
        "(no answer)".to_owned()
    } else {
        reply.to_owned()
    }
}

/// Reads and validates one answer: the answer and its validated query, or what to feed back.
#[allow(clippy::result_large_err)]
fn judge(
    text: &str,
    catalog: &Catalog,
) -> Result<(Answer, ValidatedQuery), (Option<String>, Vec<SqlIssue>)> {
    let answer = answer::read_answer(text).map_err(|issue| (None, vec![issue]))?;
    match ValidatedQuery::parse(&answer.sql, catalog) {
        Ok(query) => Ok((answer, query)),
        Err(issues) => Err((Some(answer.sql), sqlguard::to_wire(&issues))),
    }
}

fn add_usage(total: &mut Option<TokenUsage>, reply: &ChatResponse) {
    let Some(u) = reply.usage else { return };
    let sum = total.get_or_insert_with(TokenUsage::default);
    sum.prompt_tokens = sum.prompt_tokens.saturating_add(u.prompt_tokens);
    sum.completion_tokens = sum.completion_tokens.saturating_add(u.completion_tokens);
    sum.total_tokens = sum.total_tokens.saturating_add(u.total_tokens);
}
