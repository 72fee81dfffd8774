//! Drawing a chart with plotters into PNG bytes or an SVG document, text set in the embedded DejaVu Sans.

use std::sync::OnceLock;

use contracts::ChartKind;
use plotters::{
    coord::Shift,
    prelude::*,
    style::{FontStyle, register_font},
};

use super::{ChartSpec, downsample::min_max_per_column};

pub(crate) const FONT: &str = "sans-serif";
const SERIES: RGBColor = RGBColor(0x25, 0x63, 0xeb);

/// Registers the embedded font once: the host may have no system fonts at all.
pub(crate) fn ensure_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
                .map_err(|_| "embedded font could not be loaded".to_owned())
        })
        .clone()
}

fn y_range(points: &[(f64, f64)], kind: ChartKind) -> (f64, f64) {
    let (mut lo, mut hi) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, y)| {
            (lo.min(*y), hi.max(*y))
        });
    if kind == ChartKind::Bar {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if (hi - lo).abs() < f64::EPSILON * hi.abs().max(1.0) {
        lo -= 1.0;
        hi += 1.0;
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}

/// Axis labels: whole numbers without a trailing `.0`, large ones with SI suffixes, small ones trimmed.
pub(crate) fn compact_number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1e9 {
        format!("{:.1}G", value / 1e9)
    } else if magnitude >= 1e6 {
        format!("{:.1}M", value / 1e6)
    } else if magnitude >= 1e4 {
        format!("{:.0}k", value / 1e3)
    } else if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        let text = format!("{value:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    values: &[f64],
) -> Result<usize, String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let mut builder = ChartBuilder::on(&root);
    builder
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64);
    if let Some(title) = &spec.title {
        builder.caption(title, (FONT, 20));
    }
    // Downsample to the plot's pixel width: more points than pixels cannot be seen, only cost time.
    let plot_columns = spec.width.saturating_sub(90).max(1) as usize;
    let points = min_max_per_column(values, plot_columns);
    let (lo, hi) = y_range(&points, spec.kind);
    let x_max = (values.len().max(2) - 1) as f64;
    let (x_lo, x_hi) = if spec.kind == ChartKind::Bar {
        (-0.5, x_max + 0.5)
    } else {
        (0.0, x_max)
    };
    let mut chart = builder
        .build_cartesian_2d(x_lo..x_hi, lo..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(spec.x_label.as_str())
        .y_desc(spec.y_label.as_str())
        .label_style((FONT, 12))
        .x_label_formatter(&|x| {
            // Bars stand on whole indices; a label between two bars would name no bar.
            if spec.kind == ChartKind::Bar && x.fract() != 0.0 {
                String::new()
            } else {
                compact_number(*x)
            }
        })
        .y_label_formatter(&|y| compact_number(*y))
        .axis_desc_style((FONT, 14))
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .draw()
        .map_err(err)?;
    match spec.kind {
        ChartKind::Line => {
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    SERIES.stroke_width(2),
                ))
                .map_err(err)?;
        }
        ChartKind::Scatter => {
            chart
                .draw_series(points.iter().map(|p| Circle::new(*p, 3, SERIES.filled())))
                .map_err(err)?;
        }
        ChartKind::Bar => {
            let half = if points.len() == values.len() {
                0.4
            } else {
                0.5 * x_max / plot_columns as f64
            };
            chart
                .draw_series(points.iter().map(|(x, y)| {
                    Rectangle::new([(x - half, 0.0), (x + half, *y)], SERIES.filled())
                }))
                .map_err(err)?;
        }
    }
    root.present().map_err(err)?;
    Ok(points.len())
}

/// Renders PNG bytes; returns them with the number of points drawn.
pub fn render_png(spec: &ChartSpec, values: &[f64]) -> Result<(Vec<u8>, usize), String> {
    ensure_font()?;
    let (w, h) = (spec.width, spec.height);
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    let drawn = draw(
        BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area(),
        spec,
        values,
    )?;
    Ok((encode_png(&rgb, w, h)?, drawn))
}

/// Encodes an RGB frame as PNG.
pub(crate) fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, String> {
    let mut png_bytes = Vec::with_capacity(rgb.len() / 8);
    {
        let mut encoder = png::Encoder::new(&mut png_bytes, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        // Charts are flat colour: fast compression is nearly as small and several times quicker.
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(rgb).map_err(|e| e.to_string())?;
    }
    Ok(png_bytes)
}

/// Renders an SVG document; returns it with the number of points drawn.
pub fn render_svg(spec: &ChartSpec, values: &[f64]) -> Result<(String, usize), String> {
    ensure_font()?;
    let mut svg = String::new();
    let drawn = draw(
        SVGBackend::with_string(&mut svg, (spec.width, spec.height)).into_drawing_area(),
        spec,
        values,
    )?;
    Ok((svg, drawn))
}
