//! Axis ranges and labels that plotters can draw for any finite values.
//!
//! Plotters computes an axis's span and tick step in `f64` and loops until the ticks fit. A span that overflows
//! to infinity (`1e308 - -1e308`, or 5 % of padding added to `1.75e308`) or a step below the values' precision
//! (a constant `1e20`, padded by ±1) makes that loop spin forever. So values far from 1 are drawn divided by a
//! power of ten (labelled in scientific notation, which is what a reader wants there anyway), and a range is
//! never narrower than what `f64` can tell apart at its magnitude.

/// Magnitudes drawn as they are, labelled by [`compact_number`]; values outside are drawn rescaled.
const PLAIN: std::ops::Range<f64> = 1e-3..1e12;

/// A range narrower than this fraction of its magnitude is drawn as a constant: such differences are below what
/// a label shows, and plotters' tick arithmetic cannot resolve them.
const FLAT: f64 = 1e-9;

/// How an axis's values are drawn: divided by `10^exponent`, so that plotters only ever sees moderate numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AxisScale {
    exponent: i32,
}

impl AxisScale {
    /// The scale for these (finite) values: none when their largest magnitude is in the plain range, else the
    /// power of ten that brings it to 1..10.
    pub(crate) fn fit(values: impl IntoIterator<Item = f64>) -> Self {
        let magnitude = values.into_iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let exponent = if magnitude == 0.0 || PLAIN.contains(&magnitude) {
            0
        } else {
            magnitude.log10().floor() as i32
        };
        Self { exponent }
    }

    /// A value in drawing units.
    pub(crate) fn drawn(self, value: f64) -> f64 {
        times_power_of_ten(value, -self.exponent)
    }

    /// The label of a tick at `drawn` (drawing units), naming the value it stands for.
    pub(crate) fn label(self, drawn: f64) -> String {
        if self.exponent == 0 {
            return compact_number(drawn);
        }
        // Drawn values are about 1..10 here: a tick at zero arrives as float noise, not as 0.
        if drawn.abs() < 1e-9 {
            return "0".into();
        }
        let mut shift = drawn.abs().log10().floor() as i32;
        let mut mantissa = drawn / 10f64.powi(shift);
        if (mantissa.abs() * 100.0).round() >= 1000.0 {
            // 9.996 would print as "10.00".
            mantissa /= 10.0;
            shift += 1;
        }
        let text = format!("{mantissa:.2}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        format!("{text}e{}", self.exponent + shift)
    }
}

/// `value * 10^exponent` without overflowing the power itself: `10^324` is infinite although a subnormal
/// value times it is not, so the power is applied in two halves.
fn times_power_of_ten(value: f64, exponent: i32) -> f64 {
    let half = exponent / 2;
    value * 10f64.powi(half) * 10f64.powi(exponent - half)
}

/// The range an axis shows for drawn values from `lo` to `hi`: 5 % of padding each side, from zero when
/// `from_zero` (bars stand on it, and are not padded past it), and a constant centred with a tenth of its
/// magnitude above and below (±1 around zero).
pub(crate) fn axis_range(lo: f64, hi: f64, from_zero: bool) -> (f64, f64) {
    let (lo, hi) = if from_zero {
        (lo.min(0.0), hi.max(0.0))
    } else {
        (lo, hi)
    };
    let magnitude = lo.abs().max(hi.abs());
    if magnitude == 0.0 {
        return (-1.0, 1.0);
    }
    if hi - lo <= magnitude * FLAT {
        let pad = magnitude * 0.1;
        return (lo - pad, hi + pad);
    }
    let pad = (hi - lo) * 0.05;
    let lo = if from_zero && lo == 0.0 { lo } else { lo - pad };
    let hi = if from_zero && hi == 0.0 { hi } else { hi + pad };
    (lo, hi)
}

/// The smallest and largest of some values (`(inf, -inf)` when there are none).
pub(crate) fn extent(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    values
        .into_iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        })
}

/// Axis labels in the plain range: whole numbers without a trailing `.0`, large ones with SI suffixes, small
/// ones trimmed.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_are_drawn_as_they_are() {
        for values in [[0.0, 0.0], [1.0, 2.0], [-5e11, 0.5], [0.001, 0.002]] {
            let scale = AxisScale::fit(values);
            assert_eq!(scale.drawn(values[1]), values[1]);
            assert_eq!(scale.label(25_000.0), "25k");
        }
    }

    #[test]
    fn extreme_values_are_drawn_near_one_and_labelled_with_their_exponent() {
        let scale = AxisScale::fit([-1e308, f64::MAX]);
        assert!((scale.drawn(f64::MAX) - 1.797_693_134_862_315_7).abs() < 1e-12);
        assert_eq!(scale.label(1.5), "1.5e308");
        assert_eq!(scale.label(0.5), "5e307");
        assert_eq!(scale.label(-9.996), "-1e309");
        assert_eq!(scale.label(1e-17), "0");

        let tiny = AxisScale::fit([5e-324, 1e-323]);
        assert!(
            (tiny.drawn(1e-323) - 9.88).abs() < 0.01,
            "{}",
            tiny.drawn(1e-323)
        );
        assert_eq!(tiny.label(5.0), "5e-324");

        let big = AxisScale::fit([1e20]);
        assert!((big.drawn(1e20) - 1.0).abs() < 1e-12);
        assert_eq!(big.label(1.1), "1.1e20");
    }

    #[test]
    fn ranges_have_height_and_stay_finite() {
        assert_eq!(axis_range(0.0, 0.0, false), (-1.0, 1.0));
        assert_eq!(axis_range(0.0, 0.0, true), (-1.0, 1.0));
        let (lo, hi) = axis_range(1.0, 1.0, false);
        assert!((lo - 0.9).abs() < 1e-12 && (hi - 1.1).abs() < 1e-12);
        // Ulps apart at 1e20 (scaled to 1): still a constant, not a range plotters cannot divide.
        let (lo, hi) = axis_range(1.0, 1.0 + f64::EPSILON, false);
        assert!(hi - lo > 0.1);
        assert_eq!(axis_range(0.0, 10.0, true), (0.0, 10.5));
        assert_eq!(axis_range(-10.0, -5.0, true), (-10.5, 0.0));
        assert_eq!(axis_range(0.0, 10.0, false), (-0.5, 10.5));
    }

    #[test]
    fn compact_numbers_read_well() {
        assert_eq!(compact_number(2.0), "2");
        assert_eq!(compact_number(0.125), "0.125");
        assert_eq!(compact_number(25_000.0), "25k");
        assert_eq!(compact_number(3_500_000.0), "3.5M");
    }
}
