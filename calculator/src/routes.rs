//! HTTP handlers of the calculator: health, arithmetic and charts.

use axum::{
    extract::State,
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};
use base64::Engine;
use contracts::{
    BinaryOperands, CalculateRequest, ChartJson, ChartRequest, Health, NumberResult, Operation,
};
use telemetry::{ApiJson, ApiQuery};

use crate::{
    AppError, AppState, arithmetic,
    chart::{ChartSpec, ImageFormat, render_bounded, render_png, render_svg},
};

/// Liveness of the calculator process.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, body = Health)))]
pub async fn healthz() -> ApiJson<Health> {
    ApiJson(Health::ok("calculator", env!("CARGO_PKG_VERSION")))
}

fn compute(op: Operation, operands: BinaryOperands) -> Result<ApiJson<NumberResult>, AppError> {
    arithmetic::apply(op, operands.a, operands.b).map(|result| ApiJson(NumberResult { result }))
}

/// Adds `a` and `b`.
#[utoipa::path(post, path = "/add", tag = "arithmetic", request_body = BinaryOperands,
    responses(
        (status = 200, body = NumberResult),
        (status = 422, body = contracts::ApiError)))]
pub async fn add(
    body: Result<ApiJson<BinaryOperands>, telemetry::Rejection>,
) -> Result<ApiJson<NumberResult>, AppError> {
    compute(Operation::Add, body?.0)
}

/// Adds `a` and `b` given as query parameters: `GET /add?a=1&b=2`.
#[utoipa::path(get, path = "/add", tag = "arithmetic", params(BinaryOperands),
    responses((status = 200, body = NumberResult), (status = 422, body = contracts::ApiError)))]
pub async fn add_query(
    query: Result<ApiQuery<BinaryOperands>, telemetry::Rejection>,
) -> Result<ApiJson<NumberResult>, AppError> {
    compute(Operation::Add, query?.0)
}

/// Subtracts `b` from `a`.
#[utoipa::path(post, path = "/subtract", tag = "arithmetic", request_body = BinaryOperands,
    responses(
        (status = 200, body = NumberResult),
        (status = 422, body = contracts::ApiError)))]
pub async fn subtract(
    body: Result<ApiJson<BinaryOperands>, telemetry::Rejection>,
) -> Result<ApiJson<NumberResult>, AppError> {
    compute(Operation::Subtract, body?.0)
}

/// Subtracts `b` from `a`, given as query parameters: `GET /subtract?a=5&b=3`.
#[utoipa::path(get, path = "/subtract", tag = "arithmetic", params(BinaryOperands),
    responses((status = 200, body = NumberResult), (status = 422, body = contracts::ApiError)))]
pub async fn subtract_query(
    query: Result<ApiQuery<BinaryOperands>, telemetry::Rejection>,
) -> Result<ApiJson<NumberResult>, AppError> {
    compute(Operation::Subtract, query?.0)
}

/// Applies `op` (`add`, `subtract`, `multiply`, `divide`) to `a` and `b`.
#[utoipa::path(post, path = "/calculate", tag = "arithmetic", request_body = CalculateRequest,
    responses(
        (status = 200, body = NumberResult),
        (status = 422, body = contracts::ApiError)))]
pub async fn calculate(
    body: Result<ApiJson<CalculateRequest>, telemetry::Rejection>,
) -> Result<ApiJson<NumberResult>, AppError> {
    let request = body?.0;
    compute(
        request.op,
        BinaryOperands {
            a: request.a,
            b: request.b,
        },
    )
}

/// Draws `values` as a line, bar or scatter chart.
///
/// `Accept: image/png` (or `image/*`) answers PNG bytes, `Accept: image/svg+xml` an SVG document, none or
/// `*/*` JSON with a PNG data URL, and an `Accept` none of them satisfies 406. Series longer than the plot is
/// wide are downsampled: min/max per pixel column for lines and bars, one dot per dot-sized cell for scatters.
#[utoipa::path(post, path = "/chart", tag = "charts", request_body = ChartRequest,
    responses(
        (status = 200, description = "The chart", content(
            (ChartJson = "application/json"),
            (inline(contracts::PngImage) = "image/png"),
            (String = "image/svg+xml"))),
        (status = 406, body = contracts::ApiError, description = "`not_acceptable`: `Accept` allows none of \
            application/json, image/png, image/svg+xml"),
        (status = 413, body = contracts::ApiError, description = "`payload_too_large`: more than 1,000,000 \
            values, or a body over `MAX_BODY_BYTES` (32 MiB by default)"),
        (status = 422, body = contracts::ApiError)))]
pub async fn chart(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<ApiJson<ChartRequest>, telemetry::Rejection>,
) -> Result<Response, AppError> {
    let (spec, values) = ChartSpec::parse(body?.0)?;
    let format = ImageFormat::choose(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()))?;
    // Rendering is CPU-bound: bounded in number and in time, and kept off the async workers.
    let points = values.len();
    let (width, height) = (spec.width, spec.height);
    let rendered = render_bounded(&state.render_permits, move || match format {
        ImageFormat::Svg => render_svg(&spec, &values).map(|(svg, n)| (svg.into_bytes(), n)),
        _ => render_png(&spec, &values),
    })
    .await?
    .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let (bytes, drawn_points) = rendered;
    Ok(match format {
        ImageFormat::Png => ([(header::CONTENT_TYPE, "image/png")], bytes).into_response(),
        ImageFormat::Svg => ([(header::CONTENT_TYPE, "image/svg+xml")], bytes).into_response(),
        ImageFormat::JsonDataUrl => ApiJson(ChartJson {
            image: format!(
                "data:image/png;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(bytes)
            ),
            width,
            height,
            points,
            drawn_points,
        })
        .into_response(),
    })
}

/// Answers any path that is not an endpoint.
pub async fn not_found() -> Response {
    telemetry::error_response(
        axum::http::StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint; see /docs for the API",
    )
}
