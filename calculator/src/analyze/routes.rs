//! HTTP handlers of analyze: the plain and streaming (SSE) analysis, the audit trail, and `/readyz`.

use std::{convert::Infallible, time::Instant};

use axum::{
    extract::{Path, State, rejection::PathRejection},
    response::sse::{Event, KeepAlive, Sse},
};
use contracts::{
    AnalysisList, AnalysisRecord, AnalyzeRequest, AnalyzeResponse, LlmStatus, Readiness,
    SidecarStatus,
};
use futures::Stream;
use serde::Deserialize;
use telemetry::{ApiJson, ApiQuery, Rejection, TraceId};
use utoipa::IntoParams;

use super::{Analysis, Failure, Listener, SidecarError, StageEvent, cancel::cancellable};
use crate::{AppError, AppState, datasets};

/// Longest question accepted, in characters.
const MAX_QUESTION_CHARS: usize = 2_000;
const HISTORY_DEFAULT: usize = 50;
const HISTORY_MAX: usize = 500;

fn question(body: Result<ApiJson<AnalyzeRequest>, Rejection>) -> Result<String, AppError> {
    let question = body?.0.question.trim().to_owned();
    if question.is_empty() {
        return Err(AppError::InvalidInput(
            "field `question`: ask something, e.g. \"How many rows are there?\"".into(),
        ));
    }
    let chars = question.chars().count();
    if chars > MAX_QUESTION_CHARS {
        return Err(AppError::InvalidInput(format!(
            "field `question`: at most {MAX_QUESTION_CHARS} characters, got {chars}"
        )));
    }
    Ok(question)
}

/// Answers a question about the dataset with SQL written by the LLM, validated and run here.
///
/// The sidecar's LLM writes one read-only SQL query; the sidecar validates it (repairing it with the model if
/// needed) and reviews whether it answers the question; the calculator validates it again itself, runs it in
/// an isolated worker, and gives the model one chance to repair a query that fails to run. A chart spec from
/// the model is drawn when its columns are in the result. Every analysis is recorded in the audit trail.
#[utoipa::path(post, path = "/datasets/{id}/analyze", tag = "analyze",
    params(("id" = String, Path, description = "Dataset id")),
    request_body = AnalyzeRequest,
    responses(
        (status = 200, body = AnalyzeResponse),
        (status = 404, body = contracts::ApiError, description = "`dataset_not_found`"),
        (status = 422, body = contracts::ApiError, description = "`codegen_failed` (the model's SQL never \
            passed; with `issues`, `sql`, `attempts`), `validation_failed`, `query_failed`, `query_timeout`, \
            `query_too_large` (with the `sql` that failed to run and the `attempts`), `llm_refused`, \
            `invalid_input`"),
        (status = 429, body = contracts::ApiError, description = "`llm_rate_limited`, with `Retry-After` (none \
            for a daily quota)"),
        (status = 502, body = contracts::ApiError, description = "`llm_bad_output`, `llm_error`, \
            `sidecar_bad_response`"),
        (status = 503, body = contracts::ApiError, description = "`llm_not_configured` (says what to set), \
            `llm_unavailable`, `sidecar_unavailable`, `sidecar_unauthorized` (the calculator's SIDECAR_TOKEN \
            does not match the sidecar's)"),
        (status = 504, body = contracts::ApiError, description = "`llm_timeout`, `sidecar_timeout`")))]
pub async fn analyze(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    TraceId(trace_id): TraceId,
    body: Result<ApiJson<AnalyzeRequest>, Rejection>,
) -> Result<ApiJson<AnalyzeResponse>, Failure> {
    let (_, dataset) = datasets::find(&state, id)?;
    let question = question(body)?;
    super::check_askable(&dataset)?;
    let analysis = Analysis {
        state,
        dataset,
        question,
        trace_id,
        listener: Listener::default(),
    };
    // hyper drops this future when the client hangs up, and the analysis stops with it (see `cancel`).
    cancellable(analysis).await.map(ApiJson)
}

/// The same analysis as `POST /datasets/{id}/analyze`, reported stage by stage as server-sent events.
///
/// Events, in order: `codegen` (data: `CodegenStage` — `started`, then `delta`s of the model's answer as it
/// streams, `repair` when an answer was rejected, `done`), `validation` (`Validation`), `execution`
/// (`ExecutionStage` — `started`, then `done` or `failed`; a failure that is repaired starts a new `codegen`
/// round), and finally either `result` (`AnalyzeResponse`) or `error` (`ApiError`, the error body). Errors found
/// before the stream starts (unknown dataset, bad question) are plain HTTP errors.
#[utoipa::path(post, path = "/datasets/{id}/analyze/stream", tag = "analyze",
    params(("id" = String, Path, description = "Dataset id")),
    request_body = AnalyzeRequest,
    responses(
        (status = 200, description = "`text/event-stream` of `codegen`, `validation`, `execution`, then \
            `result` or `error` events", content_type = "text/event-stream"),
        (status = 404, body = contracts::ApiError, description = "`dataset_not_found`"),
        (status = 422, body = contracts::ApiError, description = "`invalid_input`")))]
pub async fn analyze_stream(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    TraceId(trace_id): TraceId,
    body: Result<ApiJson<AnalyzeRequest>, Rejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let (_, dataset) = datasets::find(&state, id)?;
    let question = question(body)?;
    super::check_askable(&dataset)?;
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    let analysis = Analysis {
        state,
        dataset,
        question,
        trace_id: trace_id.clone(),
        listener: Listener::new(sender),
    };
    // The stream owns the analysis: a client that goes away drops it, and the analysis stops (see `cancel`).
    let task = cancellable(analysis);
    let stream = async_stream::stream! {
        while let Some(event) = receiver.recv().await {
            yield Ok(stage_event(&event));
        }
        let last = match task.await {
            Ok(response) => json_event("result", &response),
            Err(error) => {
                error.log();
                json_event("error", &error.body(&trace_id))
            }
        };
        yield Ok(last);
    };
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

fn json_event(name: &str, data: &impl serde::Serialize) -> Event {
    Event::default()
        .event(name)
        .json_data(data)
        .unwrap_or_else(|_| Event::default().event(name).data("{}"))
}

fn stage_event(event: &StageEvent) -> Event {
    match event {
        StageEvent::Codegen(stage) => json_event("codegen", stage),
        StageEvent::Validation(validation) => json_event("validation", validation),
        StageEvent::Execution(stage) => json_event("execution", stage),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HistoryParams {
    /// Most analyses to list: 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
}

/// The dataset's past analyses from the audit trail, newest first.
#[utoipa::path(get, path = "/datasets/{id}/analyses", tag = "analyze",
    params(("id" = String, Path, description = "Dataset id"), HistoryParams),
    responses(
        (status = 200, body = AnalysisList),
        (status = 404, body = contracts::ApiError, description = "`dataset_not_found`"),
        (status = 422, body = contracts::ApiError, description = "`invalid_input`: `limit` out of range, or \
            an unknown query parameter")))]
pub async fn dataset_analyses(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    params: Result<ApiQuery<HistoryParams>, Rejection>,
) -> Result<ApiJson<AnalysisList>, AppError> {
    let (id, _) = datasets::find(&state, id)?;
    let limit = params?.0.limit.unwrap_or(HISTORY_DEFAULT);
    if !(1..=HISTORY_MAX).contains(&limit) {
        return Err(AppError::InvalidInput(format!(
            "query string: `limit` must be between 1 and {HISTORY_MAX}, got {limit}"
        )));
    }
    let audit = state.analyses.audit.clone();
    let id = id.as_str().to_owned();
    let analyses = tokio::task::spawn_blocking(move || audit.for_dataset(&id, limit))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(ApiJson(AnalysisList { analyses }))
}

/// One analysis from the audit trail, by the trace id its response carried.
#[utoipa::path(get, path = "/analyses/{trace_id}", tag = "analyze",
    params(("trace_id" = String, Path, description = "The analysis's `trace_id`")),
    responses(
        (status = 200, body = AnalysisRecord),
        (status = 404, body = contracts::ApiError, description = "`analysis_not_found`")))]
pub async fn analysis(
    State(state): State<AppState>,
    trace_id: Result<Path<String>, PathRejection>,
) -> Result<ApiJson<AnalysisRecord>, AppError> {
    let raw = trace_id.map(|Path(raw)| raw).unwrap_or_default();
    let not_found = || AppError::AnalysisNotFound(raw.chars().take(128).collect());
    if !telemetry::is_valid_trace_id(&raw) {
        return Err(not_found());
    }
    let audit = state.analyses.audit.clone();
    let wanted = raw.clone();
    tokio::task::spawn_blocking(move || audit.by_trace_id(&wanted))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(e.into()))?
        .map(ApiJson)
        .ok_or_else(not_found)
}

/// Whether questions can be answered now: the sidecar answers, takes the calculator's token, and has an LLM
/// configured.
///
/// `status` is `ready`, or `degraded` with what is missing in `hint`. It answers 200 either way: everything but
/// analyze keeps working without the sidecar, so a load balancer should keep sending traffic. `/healthz` is
/// about the process alone.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, body = Readiness)))]
pub async fn readyz(
    State(state): State<AppState>,
    TraceId(trace_id): TraceId,
) -> ApiJson<Readiness> {
    let sidecar = &state.analyses.sidecar;
    let started = Instant::now();
    let health = sidecar.health(&trace_id).await;
    let latency_ms = Some(started.elapsed().as_millis() as u64);
    // The sidecar's /healthz is open, but checks a token that is sent: a wrong SIDECAR_TOKEN shows here, and a
    // missing one in its `auth` detail, instead of as 401s to every question.
    let mut token_problem = None;
    let (sidecar_status, llm) = match health {
        Ok(health) => {
            if health["details"]["auth"].as_bool() == Some(true) && !sidecar.has_token() {
                token_problem = Some(
                    "the AI sidecar requires a token and the calculator has none: set the sidecar's \
                     SIDECAR_TOKEN for the calculator too"
                        .to_owned(),
                );
            }
            let llm = &health["details"]["llm"];
            let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
            let configured = llm["configured"].as_bool().unwrap_or(false);
            (
                SidecarStatus {
                    reachable: true,
                    url: sidecar.shown_url().to_owned(),
                    latency_ms,
                    error: token_problem.clone(),
                },
                LlmStatus {
                    configured,
                    provider: text(&llm["provider"]),
                    model: text(&llm["model"]),
                },
            )
        }
        Err(error) => {
            let refused = matches!(error, SidecarError::Unauthorized(_));
            if refused {
                token_problem = Some(error.to_string());
            }
            (
                SidecarStatus {
                    reachable: refused,
                    url: sidecar.shown_url().to_owned(),
                    latency_ms,
                    error: Some(error.to_string()),
                },
                LlmStatus {
                    configured: false,
                    provider: None,
                    model: None,
                },
            )
        }
    };
    let hint = if token_problem.is_some() {
        token_problem
    } else if !sidecar_status.reachable {
        Some(
            "start the sidecar (`cargo run --release -p sidecar`) or point SIDECAR_URL at it"
                .to_owned(),
        )
    } else if !llm.configured {
        Some(
            "configure an LLM for the sidecar: AI_PROVIDER, AI_BASE_URL, AI_MODEL (and AI_API_KEY), or \
             GOOGLE_API_KEY and GOOGLE_GEMINI_MODEL for Gemini"
                .to_owned(),
        )
    } else {
        None
    };
    let ready = hint.is_none();
    let body = Readiness {
        status: if ready { "ready" } else { "degraded" }.to_owned(),
        sidecar: sidecar_status,
        llm,
        hint,
    };
    ApiJson(body)
}
