//! How dates written as three numbers are told apart and read.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;

use super::*;

fn order(value: &str) -> Option<Order> {
    Written::of(value).map(|w| w.order)
}

#[test]
fn a_value_shows_its_order_when_one_number_is_past_12() {
    assert_eq!(order("03/15/2024"), Some(Order::MonthFirst));
    assert_eq!(order("15.03.24"), Some(Order::DayFirst));
    assert_eq!(order("1/2/2024"), Some(Order::Either));
    assert_eq!(order(" 3/5/2024 1:30 PM "), Some(Order::Either));
    assert_eq!(order("12-31-1999 23:59:59"), Some(Order::MonthFirst));
    for not_one in [
        "2024-01-02",
        "1/2/3",
        "13/13/2024",
        "00/01/2024",
        "01/02/2024 25:00",
        "01/02/2024 13:00 PM",
        "01/02/2024 10:3",
        "01/02-2024",
        "01/02/2024/5",
        "1,2,2024",
        "01/02/02024",
        "January 2",
    ] {
        assert_eq!(Written::of(not_one), None, "{not_one}");
    }
}

#[test]
fn a_column_is_read_one_way_when_its_values_agree() {
    let column = |values: &[&str]| Written::of_column(values.iter().copied());
    let us = column(&["01/02/2024", "NULL", "", "03/15/2024"]).unwrap();
    assert_eq!(
        (us.order, us.format()),
        (Order::MonthFirst, "%m/%d/%Y".into())
    );
    let either = column(&["01/02/24", "12/11/99"]).unwrap();
    assert_eq!(
        (either.order, either.format()),
        (Order::Either, "%d/%m/%y".into())
    );
    assert_eq!(either.assuming(DateOrder::MonthFirst).format(), "%m/%d/%y");
    let times = column(&["3/15/2024 1:30 PM", "4/1/2024 11:05 am"]).unwrap();
    assert_eq!(times.format(), "%m/%d/%Y %I:%M %p");
    assert!(matches!(times.dtype(), DataType::Datetime(..)));
    // Both orders, two shapes, or a word among them: not such a column.
    assert_eq!(column(&["03/15/2024", "15/03/2024"]), None);
    assert_eq!(column(&["03/15/2024", "03-16-2024"]), None);
    assert_eq!(column(&["03/15/2024", "03/16/24"]), None);
    assert_eq!(column(&["03/15/2024", "soon"]), None);
    assert_eq!(column(&["", "NULL"]), None);
}

#[test]
fn only_a_value_of_the_same_shape_that_shows_the_order_settles_a_column() {
    let either = Written::of("01/02/2024").unwrap();
    let settled = either.settled_by("03/15/2024").unwrap();
    assert_eq!(settled.order, Order::MonthFirst);
    assert_eq!(
        either.settled_by("15/03/2024").unwrap().order,
        Order::DayFirst
    );
    // Already settled, another shape, a date that does not exist, or a word: text.
    assert_eq!(settled.settled_by("15/03/2024"), None);
    assert_eq!(either.settled_by("03/15/24"), None);
    assert_eq!(either.settled_by("02/30/2024"), None);
    assert_eq!(either.settled_by("soon"), None);
}

fn frame(values: &[Option<&str>]) -> DataFrame {
    let column = Column::new("d".into(), values);
    DataFrame::new(
        values.len(),
        vec![Column::new("n".into(), vec![1i64; values.len()]), column],
    )
    .unwrap()
}

#[test]
fn columns_convert_with_their_format_and_name_the_first_value_they_cannot_read() {
    let us = DateColumns::new(vec![(1, Written::of("03/15/2024").unwrap())]);
    let converted = us
        .convert(frame(&[
            Some(" 03/15/2024 "),
            None,
            Some("1/2/2024"),
            Some(" N/A "),
            Some(" "),
        ]))
        .unwrap();
    let expected = Column::new(
        "d".into(),
        [
            NaiveDate::from_ymd_opt(2024, 3, 15),
            None,
            NaiveDate::from_ymd_opt(2024, 1, 2),
            None,
            None,
        ],
    );
    assert_eq!(converted.column("d").unwrap(), &expected);
    // Every column's first value it cannot read; a short year among four-digit ones too (chrono reads
    // `%Y` from one to four digits: 03/16/24 would be the year 24).
    let both = DateColumns::new(vec![
        (0, Written::of("15/03/2024").unwrap()),
        (1, Written::of("03/15/2024").unwrap()),
    ]);
    let two = DataFrame::new(
        3,
        vec![
            Column::new("e".into(), ["15/03/2024", "16/03/24", "17/03/2024"]),
            Column::new("d".into(), ["03/15/2024", "13/14/2024", "02/30/2024"]),
        ],
    )
    .unwrap();
    let error = both.convert(two).unwrap_err();
    assert_eq!(
        unread(&error).unwrap(),
        [(0, "16/03/24".to_owned()), (1, "13/14/2024".to_owned())]
    );

    let short = DateColumns::new(vec![(1, Written::of("15/03/70 13:05").unwrap())]);
    let converted = short
        .convert(frame(&[
            Some("15/03/70 13:05"),
            Some("01/02/24 00:00"),
            Some("01/02/69 00:00"),
        ]))
        .unwrap();
    assert_eq!(
        converted
            .column("d")
            .unwrap()
            .cast(&DataType::String)
            .unwrap(),
        Column::new(
            "d".into(),
            [
                "1970-03-15 13:05:00.000000",
                "2024-02-01 00:00:00.000000",
                "2069-02-01 00:00:00.000000"
            ]
        )
    );
    assert_eq!(
        short.stored_schema(&converted.schema().clone()).get("d"),
        Some(&DataType::Datetime(TimeUnit::Microseconds, None))
    );

    let iso = DateColumns::new(vec![(1, Written::of("2024-03-15 1:30 PM").unwrap())]);
    let converted = iso
        .convert(frame(&[
            Some("2024-03-15 1:30 PM"),
            Some("2024-3-16 12:05 am"),
        ]))
        .unwrap();
    assert_eq!(
        converted
            .column("d")
            .unwrap()
            .cast(&DataType::String)
            .unwrap(),
        Column::new(
            "d".into(),
            ["2024-03-15 13:30:00.000000", "2024-03-16 00:05:00.000000"]
        )
    );
}

#[test]
fn year_first_dates_are_taken_only_with_a_time_of_day() {
    assert_eq!(order("2024-03-15 1:30 PM"), Some(Order::YearFirst));
    assert_eq!(order("2024-03-15 13:30"), Some(Order::YearFirst));
    assert_eq!(order("2024-03-15T13:30:05"), Some(Order::YearFirst));
    // Fractions are read here, so that one past microseconds is named wherever it is in the file.
    assert_eq!(order("2024-03-15 13:30:05.250"), Some(Order::YearFirst));
    for polars_own in [
        "2024-03-15",
        "2024-13-15 1:30 PM",
        "2024-03-15T13:30:05Z",
        "2024-03-15 13:30:05+01:00",
    ] {
        assert_eq!(order(polars_own), None, "{polars_own}");
    }
    assert_eq!(
        Written::of_column(["2024-03-15 1:30 PM", "01-02-2024 1:30 PM"]),
        None
    );
    assert_eq!(
        Written::of_column(["2024-03-15 13:30:00", "2024-03-15T13:30:00"]),
        None
    );
    let iso = DateColumns::new(vec![(1, Written::of("2024-03-15T13:30:05").unwrap())]);
    let converted = iso
        .convert(frame(&[
            Some("2024-03-15T13:30:05"),
            Some("2024-3-1T00:00:00"),
        ]))
        .unwrap();
    assert_eq!(
        converted
            .column("d")
            .unwrap()
            .cast(&DataType::String)
            .unwrap(),
        Column::new(
            "d".into(),
            ["2024-03-15 13:30:05.000000", "2024-03-01 00:00:00.000000"]
        )
    );
}

#[test]
fn notes_say_one_thing_per_kind_of_column() {
    let written = |v: &str| Written::of(v).unwrap();
    let dates = BTreeMap::from([
        (0, written("03/15/2024")),
        (1, written("03/15/24")),
        (2, written("15/03/24")),
        (3, written("15/03/2024")),
        (4, written("03/16/2024")),
    ]);
    let undated = BTreeMap::from([(5, "13/14/2024".to_owned())]);
    let names: Vec<String> = ["a", "b", "c", "d", "e", "f"].map(String::from).into();
    let notes = notes(
        &dates,
        &undated,
        &Default::default(),
        &names,
        Path::new("/nonexistent"),
        &|_, _| None,
    )
    .unwrap();
    assert_eq!(
        notes,
        [
            "columns `a`, `b` and `e` write dates month first (03/15/2024): they were read so.",
            "column `c` has two-digit years: read as day/month/year, the years as 1970 to 2069 (69 is \
             2069, 70 is 1970).",
            "column `b` has two-digit years: read as month/day/year, the years as 1970 to 2069 (69 is \
             2069, 70 is 1970).",
            "kept as text, though they hold dates written as numbers, for a value unlike the others: \
             `f` (`13/14/2024`).",
        ]
    );
}

#[test]
fn a_column_of_such_dates_unlike_each_other_names_the_value_that_keeps_it_text() {
    let unlike = |values: &[&'static str]| Written::unlike_others(values.iter().copied());
    assert_eq!(
        unlike(&["15.03.2024", "NULL", "16.03.24"]),
        Some("16.03.24")
    );
    assert_eq!(unlike(&["2024-03-15", "24-03-16"]), Some("24-03-16"));
    assert_eq!(unlike(&["03/15/2024", "15/03/2024"]), Some("15/03/2024"));
    assert_eq!(
        unlike(&["2024-03-15", "2024-03-15 13:30:00"]),
        Some("2024-03-15 13:30:00")
    );
    // Alike, polars' own (ISO dates, fractions of seconds), or no dates at all: not for this.
    assert_eq!(unlike(&["03/15/2024", "03/16/2024"]), None);
    assert_eq!(unlike(&["2024-03-15", "2024-03-16"]), None);
    assert_eq!(
        unlike(&["2024-03-15 13:30:00.5", "2024-03-15 13:30:01"]),
        None
    );
    assert_eq!(unlike(&["03/15/2024", "soon"]), None);
}

#[test]
fn early_years_are_read_when_written_in_full() {
    let columns = DateColumns::new(vec![(1, Written::of("0999-01-01 00:00:00").unwrap())]);
    let converted = columns
        .convert(frame(&[
            Some("0999-01-01 00:00:00"),
            Some("2024-03-15 13:30:00"),
        ]))
        .unwrap();
    assert_eq!(converted.column("d").unwrap().null_count(), 0);
    let us = DateColumns::new(vec![(1, Written::of("01/15/0999").unwrap())]);
    assert!(us.convert(frame(&[Some("01/15/0999")])).is_ok());
    assert_eq!(
        unread(
            &us.convert(frame(&[Some("01/15/0999"), Some("01/16/99")]))
                .unwrap_err()
        )
        .unwrap(),
        [(1, "01/16/99".to_owned())]
    );
}

#[test]
fn three_numbers_without_a_two_or_four_digit_year_are_no_dates() {
    for no_date in [
        "1.2.3",
        "1.10.0",
        "1/2/3",
        "1-2-3",
        "24-3-5",
        "123-4-5",
        "1.2.345",
        "1.2.20245",
        "31.02.24",
        "1.2.3 10:00",
    ] {
        assert!(odd_year(no_date), "{no_date}");
    }
    for other in [
        "2024-3-5",
        "2024-03-15",
        "3/5/24",
        "15.03.24",
        "15.03.2024",
        "1.234.567",
        "1.2",
        "1.2.3.4",
        "v1.2.3",
    ] {
        assert!(!odd_year(other), "{other}");
    }
    let among = |values: &[&'static str]| Written::no_year_among(values.iter().copied());
    assert_eq!(among(&["1.2.3", "1.10.0", "soon"]), Some(("1.2.3", false)));
    assert_eq!(among(&["15.03.2024", "1.2.3"]), Some(("1.2.3", true)));
    assert_eq!(among(&["15.03.2024", "16.03.2024"]), None);
}

#[test]
fn fractions_of_a_second_are_one_shape_with_whole_seconds() {
    let fraction = Written::of("2024-03-15 10:00:00.123456789").unwrap();
    assert_eq!(fraction.format(), "%Y-%m-%d %H:%M:%S%.f");
    let column = Written::of_column(["2024-03-15T10:00:00", "2024-03-15T10:00:00.5"]).unwrap();
    assert_eq!(column.format(), "%Y-%m-%dT%H:%M:%S%.f");
    let whole = Written::of("2024-03-15 10:00:00").unwrap();
    assert_eq!(whole.settled_by("2024-03-16 10:00:00.5"), Some(fraction));
    assert_eq!(whole.settled_by("2024-03-16 10:00"), None);
    for no_date in [
        "2024-03-15 10:00:00.",
        "2024-03-15 10:00:00.1234567890",
        "1/2/2024 1:00:00.5 PM",
    ] {
        assert_eq!(Written::of(no_date), None, "{no_date}");
    }
}
