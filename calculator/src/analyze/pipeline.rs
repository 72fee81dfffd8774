//! The analysis pipeline: question → sidecar codegen → sidecar verdict (with the LLM review) → local
//! re-validation → isolated execution, with one repair round when execution fails → chart. Progress goes to an
//! optional listener (the SSE route), and every analysis leaves an audit record, whatever its outcome.

use std::{sync::Arc, time::Instant};

use base64::Engine as _;
use contracts::{
    AnalyzeChart, AnalyzeResponse, ChartSpec, CodegenRequest, CodegenResponse, CodegenStage,
    ColumnSchema, Dataset, DatasetDescription, ExecutionStage, PreviousAttempt, QueryResult,
    TokenDelta, ValidateRequest, Validation,
};
use futures::StreamExt;
use sqlguard::{Issue, ValidatedQuery};

use super::{
    Failure,
    cancel::Unfinished,
    chart,
    progress::{Listener, StageEvent},
    sidecar_client::{CodegenEvent, SidecarError},
    trail::Trail,
};
use crate::{AppError, AppState, query};

/// Sample rows sent to the sidecar (which trims them further to `AI_SAMPLE_ROWS`).
const SAMPLE_ROWS: usize = 5;

/// A sample cell as the sidecar uses it: the model sees at most `MAX_SAMPLE_VALUE_CHARS` characters of a
/// value, so longer text is cut here, one character over so the sidecar still marks the cut. Sent whole, a cell
/// of megabytes made the description larger than the sidecar's body limit, and a 413 about a request the client
/// never sent came back.
fn clip_sample(value: &serde_json::Value) -> serde_json::Value {
    const KEEP: usize = sidecar::dataset::MAX_SAMPLE_VALUE_CHARS + 1;
    match value {
        serde_json::Value::String(text) if text.chars().nth(KEEP).is_some() => {
            serde_json::Value::String(text.chars().take(KEEP).collect())
        }
        other => other.clone(),
    }
}

/// One analysis of one dataset.
pub struct Analysis {
    pub state: AppState,
    pub dataset: Arc<Dataset>,
    pub question: String,
    pub trace_id: String,
    pub listener: Listener,
}

impl Analysis {
    /// Runs the analysis and appends its audit record (`cancelled` when the future is dropped before the end,
    /// `failed` when it panics).
    pub async fn run(self) -> Result<AnalyzeResponse, Failure> {
        Unfinished::new(self).run().await
    }

    /// Appends the record of the analysis that ended with `result`, and gives its outcome.
    pub(super) fn conclude(
        &self,
        trail: Trail,
        result: Result<AnalyzeResponse, AppError>,
    ) -> Result<AnalyzeResponse, Failure> {
        let result = result.map_err(|error| trail.failure(error));
        let record = trail.record(self, &result);
        tracing::info!(
            dataset = %record.dataset_id,
            outcome = ?record.outcome,
            attempts = record.attempts,
            total_ms = record.timings.total_ms,
            "analysis finished"
        );
        if let Err(error) = self.state.analyses.audit.append(&record) {
            tracing::error!(%error, "could not append the analysis to the audit log");
        }
        result.map(|mut response| {
            response.timings.total_ms = record.timings.total_ms;
            response
        })
    }

    pub(super) async fn answer(&self, trail: &mut Trail) -> Result<AnalyzeResponse, AppError> {
        let description = self.describe().await?;
        let mut previous = None;
        loop {
            let (generated, local) = self.generate(&description, previous.take(), trail).await?;
            let (validation, validated) = self
                .validate(&description, &generated, local, trail)
                .await?;
            self.listener
                .send(StageEvent::Execution(ExecutionStage::Started {
                    sql: validated.sql().to_owned(),
                }));
            let started = Instant::now();
            let executed =
                query::run_validated(&self.state, &self.dataset, validated.clone(), None).await;
            trail.timings.execute_ms += millis(started);
            match executed {
                Ok(result) => return Ok(self.respond(generated, validation, result, trail).await),
                Err(error) if is_repairable(&error) && !trail.repaired => {
                    trail.repaired = true;
                    let message = error.to_string();
                    self.listener
                        .send(StageEvent::Execution(ExecutionStage::Failed {
                            message: message.clone(),
                            repairing: true,
                        }));
                    previous = Some(PreviousAttempt {
                        code: validated.sql().to_owned(),
                        // The model's own words go back as its turn; `code` is what ran (normalised).
                        reply: generated.reply.clone(),
                        issues: None,
                        error: Some(message),
                    });
                }
                Err(error) => {
                    self.listener
                        .send(StageEvent::Execution(ExecutionStage::Failed {
                            message: error.to_string(),
                            repairing: false,
                        }));
                    // `trail.code` is the SQL that ran: the error names it, with the answers given.
                    trail.query_failed = is_repairable(&error);
                    return Err(error);
                }
            }
        }
    }

    /// The schema, size and a few rows of the dataset, as the model sees it.
    async fn describe(&self) -> Result<DatasetDescription, AppError> {
        let sample_rows = self
            .state
            .analyses
            .samples(&self.state, &self.dataset, SAMPLE_ROWS)
            .await?;
        Ok(DatasetDescription {
            name: self.dataset.table_name.clone(),
            columns: self
                .dataset
                .columns
                .iter()
                .map(|c| ColumnSchema::new(&c.name, &c.dtype))
                .collect(),
            row_count: self.dataset.row_count,
            sample_rows: Some(
                sample_rows
                    .iter()
                    .map(|row| row.iter().map(clip_sample).collect())
                    .collect(),
            ),
        })
    }

    /// Asks the sidecar for SQL (streaming tokens to the listener when there is one), and validates it locally
    /// at once: the `codegen` stage's `done` event and the audit trail show the SQL that will run.
    async fn generate(
        &self,
        description: &DatasetDescription,
        previous_attempt: Option<PreviousAttempt>,
        trail: &mut Trail,
    ) -> Result<(CodegenResponse, Result<ValidatedQuery, Vec<Issue>>), AppError> {
        let offset = trail.attempts;
        self.listener
            .send(StageEvent::Codegen(CodegenStage::Started {
                attempt: offset + 1,
            }));
        let request = CodegenRequest {
            question: self.question.clone(),
            dataset: description.clone(),
            previous_attempt,
            // A repair round's answers are numbered after the first round's: no LLM request id repeats.
            attempts_before: (offset > 0).then_some(offset),
        };
        let started = Instant::now();
        let generated = if self.listener.wants_tokens() {
            self.generate_streaming(&request, offset).await
        } else {
            self.state
                .analyses
                .sidecar
                .codegen(&self.trace_id, &request)
                .await
        };
        trail.timings.codegen_ms += millis(started);
        let generated = generated.map_err(|mut error| {
            if let SidecarError::Upstream { body, .. } = &mut error {
                trail.attempts += body.error.attempts.unwrap_or(0);
                // The model's rejected SQL is the last considered; nothing of an earlier round's stands.
                if let Some(sql) = &body.error.sql {
                    trail.code = Some(sql.clone());
                    trail.generated_code = None;
                }
                // The sidecar counted this call's answers only; the client and the audit trail count them all,
                // in the count and in the message that states it.
                if let Some(counted) = body.error.attempts {
                    body.error.attempts = Some(trail.attempts);
                    if body.error.code == "codegen_failed" {
                        // The count changes, not the cause the sidecar named (the token limit, the issues).
                        body.error.message = sidecar::error::recount_codegen_failed(
                            &body.error.message,
                            counted,
                            trail.attempts,
                        );
                    }
                }
            }
            error
        })?;
        let started = Instant::now();
        let local = ValidatedQuery::parse_with(
            &generated.code,
            &query::catalog_for(&self.dataset),
            &query::normalised_limits(),
        );
        trail.timings.validate_ms += millis(started);
        let code = match &local {
            Ok(query) => query.sql().to_owned(),
            Err(_) => generated.code.clone(),
        };
        trail.attempts += generated.attempts;
        trail.model = Some(generated.model.clone());
        trail.generated_code = Some(generated.code.clone());
        trail.code = Some(code.clone());
        trail.summary = Some(generated.summary.clone());
        trail.chart = generated.chart.clone();
        self.listener.send(StageEvent::Codegen(CodegenStage::Done {
            generated_code: (code != generated.code).then(|| generated.code.clone()),
            code,
            summary: generated.summary.clone(),
            attempts: trail.attempts,
        }));
        Ok((generated, local))
    }

    async fn generate_streaming(
        &self,
        request: &CodegenRequest,
        offset: u32,
    ) -> Result<CodegenResponse, SidecarError> {
        let mut events = std::pin::pin!(
            self.state
                .analyses
                .sidecar
                .codegen_stream(&self.trace_id, request)
                .await?
        );
        while let Some(event) = events.next().await {
            match event? {
                CodegenEvent::Delta(delta) => {
                    self.listener
                        .send(StageEvent::Codegen(CodegenStage::Delta(TokenDelta {
                            attempt: offset + delta.attempt,
                            text: delta.text,
                        })))
                }
                CodegenEvent::Repair(repair) => {
                    self.listener
                        .send(StageEvent::Codegen(CodegenStage::Repair {
                            attempt: offset + repair.attempt,
                            issues: repair.issues,
                        }))
                }
                CodegenEvent::Result(response) => return Ok(*response),
            }
        }
        Err(SidecarError::BadResponse(
            "the stream ended without a result".into(),
        ))
    }

    /// The sidecar's verdict and review, beside the calculator's own check (`local`): it never trusts the network.
    async fn validate(
        &self,
        description: &DatasetDescription,
        generated: &CodegenResponse,
        local: Result<ValidatedQuery, Vec<Issue>>,
        trail: &mut Trail,
    ) -> Result<(Validation, ValidatedQuery), AppError> {
        let started = Instant::now();
        let request = ValidateRequest {
            code: generated.code.clone(),
            dataset: description.clone(),
            question: Some(self.question.clone()),
            // The answer being reviewed: its review's LLM request id differs from an earlier round's.
            attempt: Some(trail.attempts),
        };
        let remote = self
            .state
            .analyses
            .sidecar
            .validate(&self.trace_id, &request)
            .await;
        trail.timings.validate_ms += millis(started);
        let (remote_valid, review, review_error) = match remote {
            Ok(verdict) => {
                let note = verdict.review_note();
                (verdict.response.is_valid, verdict.response.review, note)
            }
            // The review is advisory and the static verdict is ours: a failed call costs only the review.
            Err(error) => {
                tracing::warn!(%error, "the sidecar's validation failed; using the local verdict alone");
                (true, None, None)
            }
        };
        let validation = Validation {
            is_valid: local.is_ok() && remote_valid,
            issues: match &local {
                Ok(query) => sqlguard::to_wire(query.notes()),
                Err(issues) => sqlguard::to_wire(issues),
            },
            review,
            review_error,
        };
        trail.validation = Some(validation.clone());
        self.listener
            .send(StageEvent::Validation(validation.clone()));
        match local {
            Ok(query) if remote_valid => Ok((validation, query)),
            Ok(_) => Err(AppError::ValidationFailed(validation.issues)),
            Err(issues) => Err(AppError::ValidationFailed(sqlguard::to_wire(&issues))),
        }
    }

    async fn respond(
        &self,
        mut generated: CodegenResponse,
        validation: Validation,
        result: QueryResult,
        trail: &mut Trail,
    ) -> AnalyzeResponse {
        self.listener
            .send(StageEvent::Execution(ExecutionStage::Done {
                row_count: result.table.row_count,
                elapsed_ms: result.elapsed_ms,
            }));
        trail.row_count = Some(result.table.row_count);
        // The sidecar's notes (a chart spec it could not use) come first, then the review's, then the drawing's.
        let mut notes = std::mem::take(&mut generated.notes);
        notes.extend(validation.review_error.clone());
        let chart = match &generated.chart {
            Some(spec) => self.draw(spec, &result, &mut notes).await,
            None => None,
        };
        if chart.is_none() {
            trail.chart = None;
        }
        AnalyzeResponse {
            question: self.question.clone(),
            code: result.sql,
            summary: generated.summary,
            validation,
            result: result.table,
            chart,
            notes,
            model: generated.model,
            attempts: trail.attempts,
            timings: trail.timings,
            trace_id: self.trace_id.clone(),
        }
    }

    /// Draws the spec off the async workers, under the same bound as `/chart`; a failure only drops the chart.
    async fn draw(
        &self,
        spec: &ChartSpec,
        result: &QueryResult,
        notes: &mut Vec<String>,
    ) -> Option<AnalyzeChart> {
        let (spec_owned, table) = (spec.clone(), result.table.clone());
        let render = move || chart::render(&spec_owned, &table);
        match crate::chart::render_bounded(&self.state.render_permits, render).await {
            Ok(Ok((png, chart_notes))) => {
                notes.extend(chart_notes);
                let image = format!(
                    "data:image/png;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(png)
                );
                Some(AnalyzeChart {
                    spec: spec.clone(),
                    image,
                })
            }
            Ok(Err(why)) => {
                notes.push(why);
                None
            }
            Err(error) => {
                tracing::error!(error = format!("{error:#}"), "chart rendering failed");
                notes.push("the chart could not be drawn".into());
                None
            }
        }
    }
}

/// Execution failures worth one repair: the model can write a query that works or costs less.
fn is_repairable(error: &AppError) -> bool {
    matches!(
        error,
        AppError::QueryFailed(_) | AppError::QueryTimeout(_) | AppError::QueryTooLarge(_)
    )
}

pub(super) fn millis(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}
