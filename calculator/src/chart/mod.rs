//! Charts: a validated specification, downsampling of long series, and PNG/SVG rendering with an embedded font.

mod axis;
mod downsample;
mod render;
mod stroke;

pub(crate) use axis::{AxisScale, axis_range, extent};
pub use downsample::min_max_per_column;
pub(crate) use render::{FONT, encode_png, ensure_font};
pub use render::{render_png, render_svg};
pub(crate) use stroke::segments;

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use contracts::{ChartKind, ChartRequest};
use tokio::sync::Semaphore;

use crate::AppError;

/// Most values a chart accepts.
pub const MAX_POINTS: usize = 1_000_000;
/// Smallest and largest image side in pixels.
pub const MIN_SIDE: u32 = 64;
pub const MAX_SIDE: u32 = 4096;
const MAX_TEXT_CHARS: usize = 200;

/// Longest a chart may take to draw. A million points take milliseconds; a render still running after this is
/// stuck, and the request fails rather than wait with it.
pub const RENDER_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs a CPU-bound render on the blocking pool under one of `permits`, for at most [`RENDER_TIMEOUT`].
pub(crate) async fn render_bounded<T: Send + 'static>(
    permits: &Arc<Semaphore>,
    render: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    run_bounded(permits, RENDER_TIMEOUT, render).await
}

/// [`render_bounded`] with any deadline. A blocking task cannot be stopped: one past its deadline keeps its
/// permit until it really ends, so stuck renders never outnumber the permits (each holds a core and a frame).
async fn run_bounded<T: Send + 'static>(
    permits: &Arc<Semaphore>,
    deadline: Duration,
    render: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    // The wait for a permit counts against the deadline too: if stuck renders held every permit, later
    // charts would otherwise wait for good.
    let started = tokio::time::Instant::now();
    let permit = tokio::time::timeout(deadline, Arc::clone(permits).acquire_owned())
        .await
        .with_context(|| {
            format!("no chart could be drawn within {deadline:?}: all renderers busy")
        })??;
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        render()
    });
    tokio::time::timeout(deadline.saturating_sub(started.elapsed()), task)
        .await
        .with_context(|| format!("drawing the chart took longer than {deadline:?}"))?
        .context("drawing the chart panicked")
}

/// A chart that passed validation: sizes in range, values finite, text bounded.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSpec {
    pub kind: ChartKind,
    pub title: Option<String>,
    pub x_label: String,
    pub y_label: String,
    pub width: u32,
    pub height: u32,
}

fn side(name: &str, value: Option<u32>, default: u32) -> Result<u32, AppError> {
    let value = value.unwrap_or(default);
    if (MIN_SIDE..=MAX_SIDE).contains(&value) {
        Ok(value)
    } else {
        Err(AppError::InvalidInput(format!(
            "field `{name}`: must be between {MIN_SIDE} and {MAX_SIDE} pixels, got {value}"
        )))
    }
}

fn text(
    name: &str,
    value: Option<String>,
    default: Option<&str>,
) -> Result<Option<String>, AppError> {
    match value {
        Some(text) if text.chars().count() > MAX_TEXT_CHARS => Err(AppError::InvalidInput(
            format!("field `{name}`: at most {MAX_TEXT_CHARS} characters"),
        )),
        Some(text) => Ok(Some(text)),
        None => Ok(default.map(str::to_owned)),
    }
}

impl ChartSpec {
    /// Checks a request and splits it into the spec and its values.
    pub fn parse(request: ChartRequest) -> Result<(Self, Vec<f64>), AppError> {
        let values = request.values;
        if values.is_empty() {
            return Err(AppError::InvalidInput(
                "field `values`: at least one value is needed".into(),
            ));
        }
        if values.len() > MAX_POINTS {
            return Err(AppError::TooLarge(format!(
                "field `values`: at most {MAX_POINTS} values per chart, got {}",
                values.len()
            )));
        }
        if let Some(index) = values.iter().position(|v| !v.is_finite()) {
            return Err(AppError::InvalidInput(format!(
                "field `values[{index}]`: must be a finite number"
            )));
        }
        let spec = Self {
            kind: request.kind,
            title: text("title", request.title, None)?,
            x_label: text("x_label", request.x_label, Some("index"))?.unwrap_or_default(),
            y_label: text("y_label", request.y_label, Some("value"))?.unwrap_or_default(),
            width: side("width", request.width, 800)?,
            height: side("height", request.height, 480)?,
        };
        Ok((spec, values))
    }
}

/// The image format a client asked for in `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Svg,
    /// JSON with a PNG data URL (the default).
    JsonDataUrl,
}

/// What `/chart` can answer, in the order a tie is settled: JSON for `*/*`, PNG before SVG for `image/*`.
const OFFERED: [(ImageFormat, &str); 3] = [
    (ImageFormat::JsonDataUrl, "application/json"),
    (ImageFormat::Png, "image/png"),
    (ImageFormat::Svg, "image/svg+xml"),
];

impl ImageFormat {
    /// The format `Accept` prefers: each format takes the quality of the most specific range that matches it
    /// (`image/png;q=0, image/*` refuses PNG and accepts SVG), the highest quality wins, then the range listed
    /// first, then [`OFFERED`]'s order. An `Accept` that rules out every format is 406 `not_acceptable`,
    /// naming the types offered: answering JSON to `Accept: image/jpeg` gave a client what it said it could
    /// not read.
    pub fn choose(accept: Option<&str>) -> Result<Self, AppError> {
        let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
            return Ok(Self::JsonDataUrl);
        };
        let ranges: Vec<(String, f32)> = accept
            .split(',')
            .map(|item| {
                let mut parts = item.split(';');
                let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
                let quality = parts
                    .filter_map(|p| p.trim().strip_prefix("q="))
                    .find_map(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                (mime, quality)
            })
            .collect();
        let mut best: Option<(f32, usize, Self)> = None;
        for (format, mime) in OFFERED {
            let (major, _) = mime.split_once('/').unwrap_or((mime, ""));
            let specificity = |range: &str| match range.split_once('/') {
                _ if range == mime => Some(2),
                Some((m, "*")) if m == major => Some(1),
                Some(("*", "*")) => Some(0),
                _ => None,
            };
            let matched = ranges
                .iter()
                .enumerate()
                .filter_map(|(position, (range, q))| specificity(range).map(|s| (s, *q, position)))
                .max_by_key(|(s, _, _)| *s);
            let Some((_, quality, position)) = matched else {
                continue;
            };
            let better = best.is_none_or(|(q, p, _)| quality > q || (quality == q && position < p));
            if quality > 0.0 && better {
                best = Some((quality, position, format));
            }
        }
        best.map(|(_, _, format)| format).ok_or_else(|| {
            let offered: Vec<&str> = OFFERED.iter().map(|(_, mime)| *mime).collect();
            telemetry::Rejection {
                status: axum::http::StatusCode::NOT_ACCEPTABLE,
                code: "not_acceptable",
                message: format!(
                    "`/chart` cannot answer any type the `Accept` header allows; it answers {} (JSON with \
                     a PNG data URL, the default), or `*/*`",
                    offered.join(", ")
                ),
            }
            .into()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_render_past_its_deadline_fails_and_keeps_its_permit() {
        let permits = Arc::new(Semaphore::new(1));
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let started = std::time::Instant::now();
        let outcome = run_bounded(&permits, Duration::from_millis(100), move || {
            let _ = wait.recv();
        })
        .await;
        let error = outcome.expect_err("the deadline passed");
        assert!(format!("{error:#}").contains("longer than"), "{error:#}");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(
            permits.available_permits(),
            0,
            "the stuck render holds its permit"
        );
        // While it holds the only permit, another chart fails at its deadline instead of waiting for good.
        let queued = run_bounded(&permits, Duration::from_millis(100), || 1).await;
        let error = queued.expect_err("no permit within the deadline");
        assert!(
            format!("{error:#}").contains("all renderers busy"),
            "{error:#}"
        );
        release.send(()).unwrap();
        let freed = tokio::time::timeout(Duration::from_secs(5), permits.acquire()).await;
        assert!(freed.is_ok(), "the permit comes back when the render ends");
        drop(freed);
        assert_eq!(
            run_bounded(&permits, Duration::from_secs(5), || 7)
                .await
                .unwrap(),
            7
        );
    }

    #[test]
    fn negotiation_follows_accept() {
        let chosen = |accept| ImageFormat::choose(accept).unwrap();
        assert_eq!(chosen(None), ImageFormat::JsonDataUrl);
        assert_eq!(chosen(Some("image/png")), ImageFormat::Png);
        assert_eq!(chosen(Some("image/svg+xml")), ImageFormat::Svg);
        assert_eq!(chosen(Some("*/*")), ImageFormat::JsonDataUrl);
        assert_eq!(
            chosen(Some("image/png;q=0.5, image/svg+xml")),
            ImageFormat::Svg
        );
        assert_eq!(
            chosen(Some("image/png;q=0, application/json")),
            ImageFormat::JsonDataUrl
        );
    }

    #[test]
    fn wildcards_pick_the_first_offered_type_not_refused() {
        let chosen = |accept| ImageFormat::choose(Some(accept)).ok();
        assert_eq!(chosen("image/*"), Some(ImageFormat::Png));
        assert_eq!(chosen("image/png;q=0, image/*"), Some(ImageFormat::Svg));
        assert_eq!(chosen("image/jpeg, image/*;q=0.5"), Some(ImageFormat::Png));
        assert_eq!(chosen("application/*"), Some(ImageFormat::JsonDataUrl));
        assert_eq!(chosen("image/svg+xml, image/png"), Some(ImageFormat::Svg));
        assert_eq!(
            chosen("image/avif,image/webp,*/*;q=0.8"),
            Some(ImageFormat::JsonDataUrl)
        );
        assert_eq!(
            ImageFormat::choose(Some(" ")).ok(),
            Some(ImageFormat::JsonDataUrl)
        );
    }

    #[test]
    fn an_accept_nothing_satisfies_is_406_naming_the_types_offered() {
        for accept in [
            "image/jpeg",
            "text/html",
            "image/*;q=0",
            "*/*;q=0",
            "image/png;q=0",
        ] {
            let error = ImageFormat::choose(Some(accept)).expect_err(accept);
            let AppError::Rejected(rejection) = error else {
                panic!("{accept}: {error:?}");
            };
            assert_eq!(rejection.status, axum::http::StatusCode::NOT_ACCEPTABLE);
            assert_eq!(rejection.code, "not_acceptable");
            for offered in ["application/json", "image/png", "image/svg+xml"] {
                assert!(rejection.message.contains(offered), "{}", rejection.message);
            }
        }
    }
}
