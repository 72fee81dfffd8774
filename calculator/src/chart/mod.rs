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

impl ImageFormat {
    /// Picks the format from an `Accept` header: the highest-quality supported type wins, JSON by default.
    pub fn negotiate(accept: Option<&str>) -> Self {
        let Some(accept) = accept else {
            return Self::JsonDataUrl;
        };
        let mut best: Option<(f32, Self)> = None;
        for item in accept.split(',') {
            let mut parts = item.split(';');
            let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let format = match mime.as_str() {
                "image/png" => Self::Png,
                "image/svg+xml" => Self::Svg,
                "application/json" => Self::JsonDataUrl,
                _ => continue,
            };
            if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, format));
            }
        }
        best.map_or(Self::JsonDataUrl, |(_, format)| format)
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
        assert_eq!(ImageFormat::negotiate(None), ImageFormat::JsonDataUrl);
        assert_eq!(ImageFormat::negotiate(Some("image/png")), ImageFormat::Png);
        assert_eq!(
            ImageFormat::negotiate(Some("image/svg+xml")),
            ImageFormat::Svg
        );
        assert_eq!(
            ImageFormat::negotiate(Some("*/*")),
            ImageFormat::JsonDataUrl
        );
        assert_eq!(
            ImageFormat::negotiate(Some("image/png;q=0.5, image/svg+xml")),
            ImageFormat::Svg
        );
        assert_eq!(
            ImageFormat::negotiate(Some("image/png;q=0, application/json")),
            ImageFormat::JsonDataUrl
        );
    }
}
