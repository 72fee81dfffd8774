//! Chart requests and the JSON form of a rendered chart.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How the values are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChartKind {
    #[default]
    Line,
    Bar,
    Scatter,
}

/// `POST /chart`: a series of numbers to draw.
///
/// The response format follows the `Accept` header: `image/png`, `image/svg+xml`, or JSON with a PNG data URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartRequest {
    /// The series, 1 to 1,000,000 finite numbers, drawn against their index.
    #[schema(example = json!([1.0, 3.0, 2.0, 5.0]), min_items = 1, max_items = 1_000_000)]
    pub values: Vec<f64>,
    /// `line` (default), `bar` or `scatter`.
    #[serde(default)]
    pub kind: ChartKind,
    /// A title drawn above the plot (at most 200 characters).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub title: Option<String>,
    /// Label of the x axis (default `index`, at most 200 characters).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub x_label: Option<String>,
    /// Label of the y axis (default `value`, at most 200 characters).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub y_label: Option<String>,
    /// Image width in pixels, 64 to 4096 (default 800).
    #[serde(default)]
    #[schema(minimum = 64, maximum = 4096)]
    pub width: Option<u32>,
    /// Image height in pixels, 64 to 4096 (default 480).
    #[serde(default)]
    #[schema(minimum = 64, maximum = 4096)]
    pub height: Option<u32>,
}

/// A rendered chart as JSON (the default when `Accept` asks for neither PNG nor SVG).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChartJson {
    /// `data:image/png;base64,...`, usable directly as an `<img src>`.
    pub image: String,
    pub width: u32,
    pub height: u32,
    /// How many values the request carried.
    pub points: usize,
    /// How many points were drawn after downsampling long series (min/max per pixel column).
    pub drawn_points: usize,
}

/// `POST /chart` with `Accept: image/png`: the PNG file's bytes.
// For the OpenAPI document only: the handler answers the bytes themselves. `Vec<u8>` there was documented as an
// array of integers.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PngImage(pub Vec<u8>);
