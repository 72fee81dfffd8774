//! Drawing a chart with plotters into PNG bytes or an SVG document, text set in the embedded DejaVu Sans.

use std::sync::OnceLock;

use contracts::ChartKind;
use plotters::{
    coord::Shift,
    prelude::*,
    style::{FontStyle, register_font},
};

use super::{
    ChartSpec,
    axis::{AxisScale, axis_range, compact_number, extent},
    downsample::{min_max_per_column, one_per_cell},
    stroke::segments,
};

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

/// Room around the plot, in pixels, and the title's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    margin: u32,
    x_labels: u32,
    y_labels: u32,
    caption: u32,
}

impl Layout {
    /// Full room for labels where the image has it; a small image gives up an axis's labels (and the title
    /// shrinks) rather than its plot: at 64×64 the fixed room left no plot at all, only a dot.
    fn for_size(width: u32, height: u32) -> Self {
        Self {
            margin: if width.min(height) >= 200 { 12 } else { 4 },
            x_labels: if height >= 140 { 40 } else { 0 },
            y_labels: if width >= 200 { 64 } else { 0 },
            caption: if height >= 140 {
                20
            } else {
                (height / 8).max(8)
            },
        }
    }
}

/// How a line chart's stroke is handed to the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stroke {
    /// One path: the SVG backend writes a `<polyline>` and the viewer draws its joins.
    Path,
    /// Segment by segment, for the bitmap backend (see `stroke.rs`).
    Segments,
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    values: &[f64],
    stroke: Stroke,
) -> Result<usize, String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let layout = Layout::for_size(spec.width, spec.height);
    let mut builder = ChartBuilder::on(&root);
    builder
        .margin(layout.margin)
        .x_label_area_size(layout.x_labels)
        .y_label_area_size(layout.y_labels);
    if let Some(title) = &spec.title {
        builder.caption(title, (FONT, layout.caption));
    }
    // Downsample to the plot's pixel width: more points than pixels cannot be seen, only cost time.
    let plot_columns = spec
        .width
        .saturating_sub(layout.y_labels + 2 * layout.margin)
        .max(1) as usize;
    let points = if spec.kind == ChartKind::Scatter {
        // Cells of a dot's width (its radius is 3 px): finer ones add points no one can tell apart.
        let plot_rows = spec
            .height
            .saturating_sub(layout.x_labels + layout.caption + 2 * layout.margin);
        one_per_cell(
            values,
            plot_columns.div_ceil(3),
            (plot_rows as usize).div_ceil(3).max(1),
        )
    } else {
        min_max_per_column(values, plot_columns)
    };
    let scale = AxisScale::fit(points.iter().map(|p| p.1));
    let points: Vec<(f64, f64)> = points
        .into_iter()
        .map(|(x, y)| (x, scale.drawn(y)))
        .collect();
    let (lo, hi) = extent(points.iter().map(|p| p.1));
    let (lo, hi) = axis_range(lo, hi, spec.kind == ChartKind::Bar);
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
        .y_label_formatter(&|y| scale.label(*y))
        .axis_desc_style((FONT, 14))
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .draw()
        .map_err(err)?;
    match spec.kind {
        ChartKind::Line if stroke == Stroke::Segments => {
            chart
                .draw_series(segments(&points, SERIES.stroke_width(2)))
                .map_err(err)?;
        }
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
        Stroke::Segments,
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
        Stroke::Path,
    )?;
    Ok((svg, drawn))
}

#[cfg(test)]
mod tests {
    use std::{sync::mpsc, time::Duration};

    use super::*;

    fn spec(kind: ChartKind, width: u32, height: u32) -> ChartSpec {
        ChartSpec {
            kind,
            title: Some("t".into()),
            x_label: "index".into(),
            y_label: "value".into(),
            width,
            height,
        }
    }

    /// Every finite series draws, at every magnitude and spread: plotters' tick loop once spun forever on spans
    /// that overflow (`[-1e308, 1e308]`, a bar of `1.75e308`) or that f64 cannot resolve (`1e20` padded by 1).
    #[test]
    fn every_finite_series_draws_in_bounded_time() {
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            let magnitudes = [
                5e-324,
                1e-300,
                1e-20,
                1e-3,
                1.0,
                1e12,
                1e20,
                1e300,
                1.75e308,
                f64::MAX,
            ];
            for c in magnitudes {
                let shapes: [Vec<f64>; 6] = [
                    vec![c],
                    vec![c, c, c],
                    vec![c, c.next_up(), c.next_up().next_up()],
                    vec![-c, c],
                    vec![0.0, c],
                    vec![-c, c * 0.5, c.next_down()],
                ];
                for values in &shapes {
                    for kind in [ChartKind::Line, ChartKind::Bar, ChartKind::Scatter] {
                        for (w, h) in [(64, 64), (800, 480)] {
                            let drawn = render_png(&spec(kind, w, h), values);
                            assert!(drawn.is_ok(), "{values:?} {kind:?} {w}x{h}: {drawn:?}");
                        }
                    }
                }
            }
            done.send(()).unwrap();
        });
        finished
            .recv_timeout(Duration::from_secs(120))
            .expect("every chart drew within two minutes");
    }
}
