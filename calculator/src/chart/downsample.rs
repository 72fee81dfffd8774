//! Downsampling long series for drawing. Lines and bars keep the minimum and maximum of each pixel column, in
//! index order, so the drawn shape (peaks included) is the same while drawing cost is bounded by the image
//! width. Scatters keep one point per occupied cell of a grid about a dot wide: their reader looks at where the
//! dots are dense, and min/max per column left the middle of a cloud empty (10,000 values spread evenly over
//! 0..1000 drew two bands, none of their dots in the middle 60 %).

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

/// Returns `(index, value)` points for a scatter: all of them when few (as [`min_max_per_column`]), else the
/// first point of each occupied cell of `columns` × `rows` cells over the index and value ranges, in index
/// order, with the smallest and largest values always among them (the axis range is fitted to what is drawn).
pub fn one_per_cell(values: &[f64], columns: usize, rows: usize) -> Vec<(f64, f64)> {
    let (columns, rows) = (columns.max(1), rows.max(1));
    let n = values.len();
    if n <= 2 * columns {
        return min_max_per_column(values, columns);
    }
    let (mut min_i, mut max_i) = (0, 0);
    for (i, v) in values.iter().enumerate() {
        if *v < values[min_i] {
            min_i = i;
        }
        if *v > values[max_i] {
            max_i = i;
        }
    }
    let (lo, hi) = (values[min_i], values[max_i]);
    let row_of = |v: f64| {
        if hi > lo {
            (((v - lo) / (hi - lo)) * (rows - 1) as f64).round() as usize
        } else {
            0
        }
    };
    let mut occupied = vec![false; columns * rows];
    let mut points = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let column = (i as u128 * columns as u128 / n as u128) as usize;
        let cell = column * rows + row_of(*v).min(rows - 1);
        if !occupied[cell] || i == min_i || i == max_i {
            occupied[cell] = true;
            points.push((i as f64, *v));
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

    #[test]
    fn a_scatter_keeps_the_middle_of_a_cloud_and_its_extremes() {
        // Spread evenly over 0..1000 in a scrambled order, as the probe's series was.
        let values: Vec<f64> = (0..10_000).map(|i| ((i * 7919) % 1000) as f64).collect();
        let points = one_per_cell(&values, 300, 100);
        assert!(points.len() <= 300 * 100 + 2, "{} points", points.len());
        let middle = points
            .iter()
            .filter(|p| (200.0..800.0).contains(&p.1))
            .count();
        assert!(
            middle * 10 > points.len() * 5,
            "{middle} of {} points in the middle 60 %",
            points.len()
        );
        assert!(points.iter().any(|p| p.1 == 0.0) && points.iter().any(|p| p.1 == 999.0));
        assert!(
            points.windows(2).all(|w| w[0].0 < w[1].0),
            "index order kept"
        );
        // Before: min/max per column kept only the extremes of each column.
        let old = min_max_per_column(&values, 300);
        assert!(old.iter().all(|p| !(200.0..800.0).contains(&p.1)));
    }

    #[test]
    fn a_scatter_of_few_or_equal_values_is_drawn_whole_or_once_per_column() {
        assert_eq!(
            one_per_cell(&[3.0, 1.0], 10, 10),
            vec![(0.0, 3.0), (1.0, 1.0)]
        );
        let flat = vec![5.0; 1_000];
        let points = one_per_cell(&flat, 100, 50);
        assert_eq!(
            points.len(),
            100,
            "one per column when every value is the same"
        );
    }
}
