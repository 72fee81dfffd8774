//! HTTP handlers of the sidecar: health, code generation, validation, model listing.

use axum::{
    extract::State,
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use contracts::{
    ApiError, CodegenRequest, CodegenResponse, Health, ModelEntry, ModelList, ValidateRequest,
    ValidateResponse,
};
use serde_json::json;
use telemetry::ApiJson;

use crate::{
    codegen::{self, Codegen},
    dataset,
    error::SidecarError,
    prompts::PROMPT_VERSION,
    review,
    startup::{AppState, provider_name},
};

/// Set on a `/ai/validate` answer whose requested review could not be obtained (the static verdict stands).
pub const REVIEW_ERROR_HEADER: &str = "x-review-error";

/// Liveness of the sidecar process, and which LLM it uses.
#[utoipa::path(get, path = "/healthz", tag = "health", responses(
    (status = 200, body = Health),
    (status = 401, body = ApiError, description = "`unauthorized`: a bearer token was sent and it is not `SIDECAR_TOKEN` (none needs to be sent)"),
))]
pub async fn healthz(State(state): State<AppState>) -> ApiJson<Health> {
    let llm = match &state.config.llm {
        Some(provider) => json!({
            "provider": provider_name(provider.kind()),
            "model": provider.model(),
            "configured": true,
        }),
        None => json!({ "provider": null, "model": null, "configured": false }),
    };
    ApiJson(Health {
        details: Some(json!({
            "llm": llm,
            "review": state.config.review,
            "max_repairs": state.config.max_repairs,
            "llm_calls": {"max": state.llm_slots.max(), "in_flight": state.llm_slots.in_use()},
            "prompts": PROMPT_VERSION,
            "auth": state.config.token.is_some(),
        })),
        ..Health::ok("sidecar", env!("CARGO_PKG_VERSION"))
    })
}

/// A question and a dataset description in; one validated SQL query out.
///
/// The model's answer goes through the static validator; a rejection is fed back to the model with the exact
/// issues up to `AI_MAX_REPAIRS` times. Only SQL that passed is returned.
#[utoipa::path(
    post, path = "/ai/codegen", tag = "ai",
    request_body = CodegenRequest,
    responses(
        (status = 200, body = CodegenResponse, description = "SQL that passed the validator"),
        (status = 401, body = ApiError, description = "`unauthorized`: `SIDECAR_TOKEN` is set and the bearer token is missing or wrong"),
        (status = 422, body = ApiError, description = "`invalid_input`; `codegen_failed` (with the last `issues`, `sql` and `attempts`); `llm_refused`"),
        (status = 429, body = ApiError, description = "`llm_rate_limited`: the provider's quota; `Retry-After` is passed on"),
        (status = 502, body = ApiError, description = "`llm_error` or `llm_bad_output`: the provider failed or answered unusably"),
        (status = 503, body = ApiError, description = "`llm_not_configured` (names the variables to set) or `llm_unavailable`"),
        (status = 504, body = ApiError, description = "`llm_timeout`"),
    ),
    security((), ("bearer" = []))
)]
pub async fn codegen(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<CodegenRequest>,
) -> Result<ApiJson<CodegenResponse>, SidecarError> {
    codegen::check(&request)?;
    let provider = state
        .config
        .llm
        .as_ref()
        .ok_or(SidecarError::NotConfigured)?;
    let generator = Codegen {
        provider,
        prompts: &state.prompts,
        slots: &state.llm_slots,
        max_repairs: state.config.max_repairs,
        sample_rows: state.config.sample_rows,
        trace_id: telemetry::current_trace_id().unwrap_or_default(),
    };
    Ok(ApiJson(generator.run(&request, None).await?))
}

/// Static validation of a query (always), and the advisory LLM review when `AI_REVIEW=on` and a question is
/// given. When the review was asked for but failed, the static verdict is still returned, with the error code in
/// the `X-Review-Error` header.
#[utoipa::path(
    post, path = "/ai/validate", tag = "ai",
    request_body = ValidateRequest,
    responses(
        (status = 200, body = ValidateResponse, description = "The verdict; `is_valid: false` lists the issues"),
        (status = 401, body = ApiError, description = "`unauthorized`"),
        (status = 422, body = ApiError, description = "`invalid_input`"),
        (status = 503, body = ApiError, description = "`llm_not_configured`: a review was asked for and no LLM is configured"),
    ),
    security((), ("bearer" = []))
)]
pub async fn validate(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ValidateRequest>,
) -> Result<Response, SidecarError> {
    dataset::check(&request.dataset)?;
    if let Some(question) = &request.question {
        dataset::check_question("question", question)?;
    }
    let wanted = state.config.review && request.question.is_some();
    let provider = match (&state.config.llm, wanted) {
        (None, true) => return Err(SidecarError::NotConfigured),
        (provider, _) => provider.as_ref(),
    };
    let (mut verdict, query) = review::static_check(&request);
    let (Some(query), Some(question), Some(provider), true) =
        (query, request.question.as_deref(), provider, wanted)
    else {
        return Ok(ApiJson(verdict).into_response());
    };
    let trace_id = telemetry::current_trace_id().unwrap_or_default();
    let _slot = state.llm_slots.acquire(&trace_id).await;
    let outcome = review::review(
        provider,
        &state.prompts,
        &request,
        question,
        &query,
        state.config.sample_rows,
        &trace_id,
    )
    .await;
    match outcome {
        Ok(review) => {
            verdict.review = Some(review);
            Ok(ApiJson(verdict).into_response())
        }
        Err(error) => {
            // The review is advisory: its failure must not hide the static verdict.
            let code = error.render(&trace_id).body.error.code;
            tracing::warn!(error = %error, code, "LLM review failed; answering with the static verdict");
            let mut response = ApiJson(verdict).into_response();
            if let Ok(value) = HeaderValue::from_str(&code) {
                response.headers_mut().insert(REVIEW_ERROR_HEADER, value);
            }
            Ok(response)
        }
    }
}

/// The models the configured provider offers.
#[utoipa::path(
    get, path = "/ai/models", tag = "ai",
    responses(
        (status = 200, body = ModelList),
        (status = 401, body = ApiError, description = "`unauthorized`"),
        (status = 502, body = ApiError, description = "`llm_error`: the provider failed"),
        (status = 503, body = ApiError, description = "`llm_not_configured` or `llm_unavailable`"),
        (status = 504, body = ApiError, description = "`llm_timeout`"),
    ),
    security((), ("bearer" = []))
)]
pub async fn models(State(state): State<AppState>) -> Result<ApiJson<ModelList>, SidecarError> {
    let provider = state
        .config
        .llm
        .as_ref()
        .ok_or(SidecarError::NotConfigured)?;
    let trace_id = telemetry::current_trace_id().unwrap_or_default();
    let _slot = state.llm_slots.acquire(&trace_id).await;
    let models = provider.list_models_traced(&trace_id).await?;
    Ok(ApiJson(ModelList {
        provider: provider_name(provider.kind()).to_owned(),
        configured: provider.model().to_owned(),
        models: models
            .into_iter()
            .map(|m| ModelEntry { id: m.id })
            .collect(),
    }))
}

/// Answers any path that is not an endpoint.
pub async fn not_found() -> Response {
    telemetry::error_response(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint; see /openapi.json",
    )
}
