//! A wide line drawn into a bitmap one segment at a time.
//!
//! plotters' bitmap backend turns a wide path into one polygon (`rasterizer::polygonize`), and at a sharp turn
//! its inner join vertex is unbounded: a zigzag of ≈1,000 points (or the min/max pairs of a downsampled series)
//! drew spikes through the title to the image's edges. A lone segment becomes a plain rectangle. The SVG
//! backend writes a `<polyline>` whose joins the viewer draws, so it keeps the path.

use plotters::{element::PathElement, style::ShapeStyle};

/// The segments between consecutive `points`, each its own element.
pub(crate) fn segments(
    points: &[(f64, f64)],
    style: ShapeStyle,
) -> impl Iterator<Item = PathElement<(f64, f64)>> + '_ {
    points
        .windows(2)
        .map(move |w| PathElement::new(vec![w[0], w[1]], style))
}
