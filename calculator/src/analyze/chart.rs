//! Drawing the model's declarative chart spec (`{kind, x, y}`) from a query result: the spec only names result
//! columns, so nothing the model writes is ever executed; a spec whose columns are not in the result is dropped
//! with a note.

use contracts::{ChartSpec, ChartSpecKind, ColumnSchema, ResultTable};
use plotters::prelude::*;
use serde_json::Value;

use crate::chart::{AxisScale, FONT, axis_range, encode_png, ensure_font, extent, segments};

const WIDTH: u32 = 800;
const HEIGHT: u32 = 450;
/// More bars than this are unreadable; the first ones are drawn and the rest named in a note.
const MAX_BARS: usize = 40;
const HISTOGRAM_BINS: usize = 20;
const SERIES: RGBColor = RGBColor(0x25, 0x63, 0xeb);

/// What the x axis carries.
#[derive(Debug, Clone, PartialEq)]
enum Axis {
    Numbers(Vec<f64>),
    /// Category labels drawn at positions 0, 1, 2, ...
    Labels(Vec<String>),
}

/// A spec resolved against a result: the points to draw, or why it cannot be drawn.
#[derive(Debug, Clone, PartialEq)]
struct Plot {
    kind: ChartSpecKind,
    x_name: String,
    y_name: String,
    x: Axis,
    y: Vec<f64>,
    notes: Vec<String>,
}

/// Renders `spec` over `table` as PNG bytes, with notes about anything left out; `Err` says why it was dropped.
pub fn render(spec: &ChartSpec, table: &ResultTable) -> Result<(Vec<u8>, Vec<String>), String> {
    let plot = resolve(spec, table)?;
    ensure_font()?;
    let mut rgb = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
    draw(
        BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area(),
        &plot,
    )?;
    Ok((encode_png(&rgb, WIDTH, HEIGHT)?, plot.notes))
}

fn column(table: &ResultTable, name: &str) -> Result<usize, String> {
    let find = |exact: bool| {
        table.columns.iter().position(|c: &ColumnSchema| {
            if exact {
                c.name == name
            } else {
                c.name.eq_ignore_ascii_case(name)
            }
        })
    };
    find(true).or_else(|| find(false)).ok_or_else(|| {
        let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        format!(
            "the chart was dropped: its column `{name}` is not in the result (columns: {})",
            names.join(", ")
        )
    })
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64().filter(|v| v.is_finite()),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

fn label(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "(null)".into(),
        other => other.to_string(),
    }
}

fn resolve(spec: &ChartSpec, table: &ResultTable) -> Result<Plot, String> {
    let x = column(table, &spec.x)?;
    if spec.kind == ChartSpecKind::Histogram {
        let values: Vec<f64> = table
            .rows
            .iter()
            .filter_map(|r| r.get(x).and_then(number))
            .collect();
        if values.is_empty() {
            return Err(format!(
                "the chart was dropped: column `{}` has no numbers to bin",
                spec.x
            ));
        }
        return Ok(histogram(&table.columns[x].name, &values));
    }
    let y = match &spec.y {
        Some(name) => column(table, name)?,
        // With two columns the other one is the obvious y.
        None if table.columns.len() == 2 => 1 - x,
        None => return Err("the chart was dropped: it names no y column".into()),
    };
    let mut notes = Vec::new();
    let rows: Vec<(&Value, f64)> = table
        .rows
        .iter()
        .filter_map(|r| Some((r.get(x)?, r.get(y).and_then(number)?)))
        .collect();
    if rows.is_empty() {
        return Err(format!(
            "the chart was dropped: column `{}` has no numbers to draw",
            table.columns[y].name
        ));
    }
    let numeric_x =
        spec.kind != ChartSpecKind::Bar && rows.iter().all(|(v, _)| number(v).is_some());
    let (x_axis, y_values) = if numeric_x {
        let mut points: Vec<(f64, f64)> = rows
            .iter()
            .filter_map(|(v, y)| Some((number(v)?, *y)))
            .collect();
        if spec.kind == ChartSpecKind::Line {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        let (xs, ys) = points.into_iter().unzip();
        (Axis::Numbers(xs), ys)
    } else {
        let mut rows = rows;
        if spec.kind == ChartSpecKind::Bar && rows.len() > MAX_BARS {
            notes.push(format!(
                "the chart shows the first {MAX_BARS} of {} bars",
                rows.len()
            ));
            rows.truncate(MAX_BARS);
        }
        let (labels, ys) = rows.into_iter().map(|(v, y)| (label(v), y)).unzip();
        (Axis::Labels(labels), ys)
    };
    if table.truncated {
        notes.push(format!(
            "the chart is drawn from the first {} of {} result rows",
            table.rows.len(),
            table.row_count
        ));
    }
    Ok(Plot {
        kind: spec.kind,
        x_name: table.columns[x].name.clone(),
        y_name: table.columns[y].name.clone(),
        x: x_axis,
        y: y_values,
        notes,
    })
}

/// Bins values into equal-width bins; bars at bin centres.
fn histogram(name: &str, values: &[f64]) -> Plot {
    let (lo, hi) = extent(values.iter().copied());
    let magnitude = lo.abs().max(hi.abs());
    // In halves: the span itself overflows for values near ±f64::MAX.
    let half_span = hi * 0.5 - lo * 0.5;
    let half_width = if half_span > magnitude * 0.5e-9 {
        half_span / HISTOGRAM_BINS as f64
    } else {
        // A constant (to f64's precision): bins 1 wide, or a millionth of the value where 1 is below its
        // precision (bins at 1e20 + 0.5, 1e20 + 1.5, ... would all be the same number).
        0.5 * (magnitude * 1e-6).max(1.0)
    };
    let mut counts = vec![0.0; HISTOGRAM_BINS];
    for v in values {
        let bin = ((v * 0.5 - lo * 0.5) / half_width) as usize;
        counts[bin.min(HISTOGRAM_BINS - 1)] += 1.0;
    }
    let centres = (0..HISTOGRAM_BINS)
        .map(|i| (lo * 0.5 + half_width * (i as f64 + 0.5)) * 2.0)
        .collect();
    Plot {
        kind: ChartSpecKind::Histogram,
        x_name: name.to_owned(),
        y_name: "count".into(),
        x: Axis::Numbers(centres),
        y: counts,
        notes: Vec::new(),
    }
}

fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        text.chars().take(max - 1).chain(['…']).collect()
    }
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    plot: &Plot,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let bars = matches!(plot.kind, ChartSpecKind::Bar | ChartSpecKind::Histogram);
    // Both axes are drawn in scaled units (see `AxisScale`): plotters cannot draw a span past f64's range.
    let x_scale = match &plot.x {
        Axis::Numbers(xs) => AxisScale::fit(xs.iter().copied()),
        Axis::Labels(_) => AxisScale::fit([]),
    };
    let xs: Vec<f64> = match &plot.x {
        Axis::Numbers(xs) => xs.iter().map(|x| x_scale.drawn(*x)).collect(),
        Axis::Labels(labels) => (0..labels.len()).map(|i| i as f64).collect(),
    };
    let y_scale = AxisScale::fit(plot.y.iter().copied());
    let ys: Vec<f64> = plot.y.iter().map(|y| y_scale.drawn(*y)).collect();
    let (x_lo, x_hi) = extent(xs.iter().copied());
    // Half the distance between neighbours: how wide a bar may be without touching the next.
    let half = match (&plot.x, plot.kind) {
        (Axis::Labels(_), _) => 0.4,
        (Axis::Numbers(_), ChartSpecKind::Histogram) if xs.len() > 1 => (xs[1] - xs[0]) * 0.48,
        _ if xs.len() > 1 => (x_hi - x_lo) / (xs.len() as f64) * 0.4,
        _ => 0.4,
    };
    let (x_lo, x_hi) = if bars {
        (x_lo - half * 1.25, x_hi + half * 1.25)
    } else {
        axis_range(x_lo, x_hi, false)
    };
    let (y_lo, y_hi) = extent(ys.iter().copied());
    let (y_lo, y_hi) = axis_range(y_lo, y_hi, bars);
    let labels = match &plot.x {
        Axis::Labels(labels) => Some(labels),
        Axis::Numbers(_) => None,
    };
    let mut chart = ChartBuilder::on(&root)
        .margin(14)
        .x_label_area_size(if labels.is_some() { 70 } else { 40 })
        .y_label_area_size(70)
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
        .map_err(err)?;
    let label_count = labels.map_or(10, |l| l.len().min(20));
    chart
        .configure_mesh()
        .x_desc(short(&plot.x_name, 60))
        .y_desc(short(&plot.y_name, 60))
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 14))
        .x_labels(label_count)
        .x_label_formatter(&|x| match labels {
            Some(labels) if x.fract().abs() < 1e-9 && *x >= 0.0 => labels
                .get(*x as usize)
                .map(|l| short(l, 14))
                .unwrap_or_default(),
            Some(_) => String::new(),
            None => x_scale.label(*x),
        })
        .y_label_formatter(&|y| y_scale.label(*y))
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .draw()
        .map_err(err)?;
    let points = xs.iter().copied().zip(ys.iter().copied());
    match plot.kind {
        ChartSpecKind::Line => {
            // Always a bitmap here: segment by segment (see `chart/stroke.rs`).
            let points: Vec<(f64, f64)> = points.collect();
            chart
                .draw_series(segments(&points, SERIES.stroke_width(2)))
                .map_err(err)?;
        }
        ChartSpecKind::Scatter => {
            chart
                .draw_series(points.map(|p| Circle::new(p, 3, SERIES.filled())))
                .map_err(err)?;
        }
        ChartSpecKind::Bar | ChartSpecKind::Histogram => {
            let base = y_lo.max(0.0).min(y_hi);
            chart
                .draw_series(points.map(|(x, y)| {
                    Rectangle::new([(x - half, base), (x + half, y)], SERIES.filled())
                }))
                .map_err(err)?;
        }
    }
    root.present().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn table(columns: &[(&str, &str)], rows: Vec<Vec<Value>>) -> ResultTable {
        ResultTable {
            columns: columns
                .iter()
                .map(|(n, t)| ColumnSchema::new(*n, *t))
                .collect(),
            row_count: rows.len() as u64,
            rows,
            truncated: false,
        }
    }

    fn spec(kind: ChartSpecKind, x: &str, y: Option<&str>) -> ChartSpec {
        ChartSpec {
            kind,
            x: x.into(),
            y: y.map(Into::into),
        }
    }

    #[test]
    fn a_bar_chart_of_categories_renders() {
        let t = table(
            &[("class", "str"), ("fare", "f64")],
            vec![
                vec![json!("1st"), json!(84.2)],
                vec![json!("2nd"), json!(20.7)],
            ],
        );
        let (png, notes) = render(&spec(ChartSpecKind::Bar, "class", Some("fare")), &t).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        assert!(notes.is_empty());
    }

    #[test]
    fn missing_columns_drop_the_chart_with_a_reason() {
        let t = table(&[("a", "i64")], vec![vec![json!(1)]]);
        let why = render(&spec(ChartSpecKind::Line, "a", Some("nope")), &t).unwrap_err();
        assert!(
            why.contains("`nope`") && why.contains("columns: a"),
            "{why}"
        );
    }

    #[test]
    fn histogram_bins_every_value() {
        let plot = histogram("v", &[1.0, 2.0, 2.0, 3.0, 10.0]);
        assert_eq!(plot.y.iter().sum::<f64>(), 5.0);
        assert_eq!(plot.y.len(), HISTOGRAM_BINS);
    }

    #[test]
    fn line_points_are_sorted_and_y_defaults_to_the_other_column() {
        let t = table(
            &[("year", "i64"), ("n", "i64")],
            vec![vec![json!(2001), json!(5)], vec![json!(1999), json!(3)]],
        );
        let plot = resolve(&spec(ChartSpecKind::Line, "YEAR", None), &t).unwrap();
        assert_eq!(plot.x, Axis::Numbers(vec![1999.0, 2001.0]));
        assert_eq!(plot.y, vec![3.0, 5.0]);
    }

    /// Results at the edge of f64 draw (plotters once looped forever on a span that overflows) and bin
    /// finitely.
    #[test]
    fn extreme_results_draw_in_bounded_time() {
        let plot = histogram("v", &[-f64::MAX, 0.0, f64::MAX]);
        let Axis::Numbers(centres) = &plot.x else {
            panic!("a histogram has numbers on x")
        };
        assert!(centres.iter().all(|c| c.is_finite()), "{centres:?}");
        assert_eq!((plot.y[0], plot.y[HISTOGRAM_BINS - 1]), (1.0, 1.0));
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for (a, b) in [
                (-1e308, 1e308),
                (1e20, 1e20),
                (1e20, 1e20 + 16384.0),
                (5e-324, 1e-323),
            ] {
                let t = table(
                    &[("x", "f64"), ("y", "f64")],
                    vec![vec![json!(a), json!(b)], vec![json!(b), json!(a)]],
                );
                for kind in [
                    ChartSpecKind::Line,
                    ChartSpecKind::Scatter,
                    ChartSpecKind::Bar,
                    ChartSpecKind::Histogram,
                ] {
                    let drawn = render(&spec(kind, "x", Some("y")), &t);
                    assert!(drawn.is_ok(), "{a} {b} {kind:?}: {drawn:?}");
                }
            }
            done.send(()).unwrap();
        });
        finished
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("every chart drew within a minute");
    }

    #[test]
    fn many_bars_are_cut_with_a_note() {
        let rows = (0..100)
            .map(|i| vec![json!(format!("c{i}")), json!(i)])
            .collect();
        let plot = resolve(
            &spec(ChartSpecKind::Bar, "c", Some("n")),
            &table(&[("c", "str"), ("n", "i64")], rows),
        )
        .unwrap();
        assert_eq!(plot.y.len(), MAX_BARS);
        assert_eq!(plot.notes.len(), 1);
    }

    /// A line over 1,000 zigzagging rows once drew spikes to the image's edges (see `chart/stroke.rs`): no
    /// series pixel lies in the 14 px margin around the image.
    #[test]
    fn a_long_zigzag_line_stays_inside_the_margins() {
        let rows = (0..1_000)
            .map(|i| vec![json!(i), json!(((i * 7919) % 1000) as f64)])
            .collect();
        let t = table(&[("i", "i64"), ("v", "f64")], rows);
        let (png, _) = render(&spec(ChartSpecKind::Line, "i", Some("v")), &t).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        let mut rgb = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut rgb).unwrap();
        let (w, h) = (WIDTH as usize, HEIGHT as usize);
        let outside: Vec<(usize, usize)> = rgb
            .chunks(3)
            .enumerate()
            .filter(|(_, px)| *px == [SERIES.0, SERIES.1, SERIES.2])
            .map(|(i, _)| (i % w, i / w))
            .filter(|&(x, y)| x < 14 || y < 14 || x >= w - 14 || y >= h - 14)
            .collect();
        assert!(
            outside.is_empty(),
            "{} pixels, e.g. {:?}",
            outside.len(),
            outside.first()
        );
    }
}
