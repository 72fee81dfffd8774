//! Downsampling long series for drawing: keep the minimum and maximum of each pixel column, in index order,
//! so the drawn shape (peaks included) is the same while drawing cost is bounded by the image width.

/// Returns `(index, value)` points to draw: all of them when few, else ≤ 2 per column.
pub fn min_max_per_column(values: &[f64], columns: usize) -> Vec<(f64, f64)> {
    let columns = columns.max(1);
    if values.len() <= 2 * columns {
        return values
            .iter()
            .enumerate()
            .map(|(i, v)| (i as f64, *v))
            .collect();
    }
    let mut points = Vec::with_capacity(2 * columns);
    let n = values.len();
    for column in 0..columns {
        let start = column * n / columns;
        let end = ((column + 1) * n / columns).max(start + 1).min(n);
        let bucket = &values[start..end];
        let (mut min_i, mut max_i) = (0, 0);
        for (i, v) in bucket.iter().enumerate() {
            if *v < bucket[min_i] {
                min_i = i;
            }
            if *v > bucket[max_i] {
                max_i = i;
            }
        }
        let (first, second) = if min_i <= max_i {
            (min_i, max_i)
        } else {
            (max_i, min_i)
        };
        points.push(((start + first) as f64, bucket[first]));
        if second != first {
            points.push(((start + second) as f64, bucket[second]));
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_series_are_kept_whole() {
        let points = min_max_per_column(&[3.0, 1.0, 2.0], 10);
        assert_eq!(points, vec![(0.0, 3.0), (1.0, 1.0), (2.0, 2.0)]);
    }

    #[test]
    fn long_series_keep_extremes_within_budget() {
        let mut values: Vec<f64> = (0..1_000_000).map(|i| (i as f64 / 1000.0).sin()).collect();
        values[123_456] = 50.0;
        values[654_321] = -50.0;
        let points = min_max_per_column(&values, 800);
        assert!(points.len() <= 1600, "{} points", points.len());
        assert!(points.contains(&(123_456.0, 50.0)));
        assert!(points.contains(&(654_321.0, -50.0)));
        assert!(
            points.windows(2).all(|w| w[0].0 < w[1].0),
            "index order kept"
        );
    }
}
