//! The chunked parse against polars' reader: how pieces are cut, and random pieces, well formed or flawed.

use super::*;

#[test]
fn chunks_end_on_records_and_rejoin_to_the_piece() {
    let plain = &b"a,1\nbb,22\nccc,333\nd,4"[..];
    let quoted = &b"\"a\nb\",1\n27\" wide,2\n\"c,\"\"d\"\"\",3\ne,4\n"[..];
    for piece in [plain, quoted] {
        let ends: Vec<usize> = record_ends(piece, b',').collect();
        for size in 1..piece.len() + 2 {
            let cut = chunks(piece, piece.contains(&b'"'), size, b',').unwrap();
            assert_eq!(cut.concat(), piece, "size {size}");
            let mut at = 0;
            for chunk in &cut[..cut.len() - 1] {
                at += chunk.len();
                assert!(chunk.len() >= size, "size {size}");
                assert!(
                    ends.contains(&at),
                    "size {size}: cut at {at}, not a record's end"
                );
            }
        }
    }
    assert!(chunks(b"", false, 4, b',').unwrap().is_empty());
    assert!(
        chunks(b"1,2\n3,\"open\n4,5\n", true, 4, b',').is_none(),
        "a quote never closed"
    );
}

fn schema() -> SchemaRef {
    super::super::schema_of(&[
        // Text first: a piece's odd start is the start of a value of it.
        ("s", DataType::String),
        ("n", DataType::Int64),
        ("x", DataType::Float64),
        ("d", DataType::Date),
        ("b", DataType::Boolean),
        ("t", DataType::Datetime(TimeUnit::Microseconds, None)),
        // Parsed as text and cast, as the reader does.
        ("clock", DataType::Time),
    ])
}

/// What is odd about a piece, in one or a few of its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Flaw {
    None,
    /// Null tokens (`NULL`, `N/A`, ...) in any column.
    Tokens,
    /// Values a column reads in its own way: padded or signed numbers, exponents, `nan`, other cases.
    OddValues,
    /// Words in number columns, numbers too large.
    BadValues,
    ExtraField,
    MissingFields,
    BlankLine,
    /// A byte that is not UTF-8 in the text column.
    NotUtf8,
    /// The piece starts with a byte-order mark, or like compressed data (`x^`).
    OddStart,
    /// Quoted text: the separator, newlines and doubled quotes inside.
    Quoted,
    /// A quote in the middle of unquoted text (`27" wide`).
    StrayQuote,
}

const FLAWS: [Flaw; 11] = [
    Flaw::None,
    Flaw::Tokens,
    Flaw::OddValues,
    Flaw::BadValues,
    Flaw::ExtraField,
    Flaw::MissingFields,
    Flaw::BlankLine,
    Flaw::NotUtf8,
    Flaw::OddStart,
    Flaw::Quoted,
    Flaw::StrayQuote,
];

fn pick<'a>(rng: &mut fastrand::Rng, from: &[&'a str]) -> &'a str {
    from[rng.usize(..from.len())]
}

/// A value for column `column`, written as `flaw` has it when `flawed`.
fn value(rng: &mut fastrand::Rng, column: usize, flaw: Flaw, flawed: bool) -> String {
    match (flawed, flaw) {
        (true, Flaw::Tokens) => {
            let tokens = super::super::headers::NULL_TOKENS;
            return pick(rng, &[tokens, &[""]].concat()).into();
        }
        (true, Flaw::OddValues) => {
            let odd: &[&str] = match column {
                0 => &["é", " padded ", "N/A-ish", "x^2", "a;b"],
                1 => &[" 7", "+3", "-0", "007", "7 "],
                2 => &["1.5e3", "nan", "-inf", ".5", "5.", "+2.5", "1E-3"],
                3 => &["2024-1-5", "2024-01-05T00:00:00"],
                4 => &["TRUE", "False", "yes"],
                5 => &["2024-05-01T10:30:00", "2024-05-01 10:30"],
                _ => &["9:30:00", "10:30"],
            };
            return pick(rng, odd).into();
        }
        (true, Flaw::BadValues) if column > 0 => {
            return pick(rng, &["x", "99999999999999999999", "1,5", "--1"]).into();
        }
        _ => {}
    }
    match column {
        0 => pick(
            rng,
            &["id001", "a longer piece of text", "ünïcödé", "N/A-ish"],
        )
        .into(),
        1 => rng.i64(-1000..1000).to_string(),
        2 => format!("{:.3}", rng.f64() * 100.0 - 50.0),
        3 => format!("2024-0{}-1{}", rng.u8(1..10), rng.u8(0..10)),
        4 => pick(rng, &["true", "false"]).into(),
        5 => format!("2024-05-0{} 1{}:30:00", rng.u8(1..10), rng.u8(0..10)),
        _ => format!("1{}:30:0{}", rng.u8(0..10), rng.u8(0..10)),
    }
}

/// A piece of `rows` records separated by `separator`, with `flaw` in a few of them; CRLF line ends if
/// `crlf`.
fn piece(rng: &mut fastrand::Rng, flaw: Flaw, rows: usize, separator: u8, crlf: bool) -> Vec<u8> {
    let mut piece = Vec::new();
    if flaw == Flaw::OddStart {
        piece.extend_from_slice(
            pick(rng, &["\u{feff}", "x^", "x^2 + 1", "\u{feff}\u{feff}"]).as_bytes(),
        );
    }
    for row in 0..rows {
        let flawed = flaw != Flaw::None && (rng.u8(..) < 8 || row == rows / 2);
        let mut fields: Vec<Vec<u8>> = (0..7)
            .map(|c| {
                // Few odd values: one a column cannot read spoils the whole piece.
                let odd = flawed && rng.u8(..) < 40;
                value(rng, c, flaw, odd).into_bytes()
            })
            .collect();
        match (flawed, flaw) {
            (true, Flaw::ExtraField) => fields.push(b"extra".to_vec()),
            (true, Flaw::MissingFields) => fields.truncate(rng.usize(1..7)),
            (true, Flaw::BlankLine) => fields.clear(),
            (true, Flaw::NotUtf8) => fields[0].push(0xff),
            (true, Flaw::Quoted) => {
                let sep = char::from(separator);
                let quoted = [
                    format!("\"a{sep} b\""),
                    "\"two\nlines\"".into(),
                    "\"say \"\"hi\"\"\"".into(),
                    "\"\"".into(),
                ];
                fields[0] = quoted[rng.usize(..quoted.len())].clone().into_bytes();
            }
            (true, Flaw::StrayQuote) => {
                fields[0] =
                    pick(rng, &["27\" wide", "Dwayne \"The Rock\" Johnson", "a\"\"b"]).into()
            }
            _ => {}
        }
        piece.extend(fields.join(&separator));
        if row + 1 < rows || rng.bool() {
            piece.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        }
    }
    piece
}

/// Random pieces, well formed or with one kind of flaw, with every separator: whenever the chunked parse
/// answers, it is the frame polars' reader makes of the piece (given as `as_text` makes it); and it
/// answers for every well-formed piece, and for most with tokens, odd values or an odd start.
#[test]
fn parses_every_piece_as_polars_reader_does_or_declines() {
    use super::super::{headers, text_for_polars};
    let mut rng = fastrand::Rng::with_seed(7);
    let schema = schema();
    let mut answered = std::collections::BTreeMap::new();
    for trial in 0..1100 {
        let flaw = FLAWS[trial % FLAWS.len()];
        let with_tokens = trial / FLAWS.len() % 2 == 1;
        let separator = [b',', b';', b'\t', b'|'][rng.usize(..4)];
        let (rows, crlf) = (rng.usize(1..300), rng.u8(..) < 80);
        let piece = piece(&mut rng, flaw, rows, separator, crlf);
        let options = CsvParseOptions::default()
            .with_separator(separator)
            .with_try_parse_dates(true)
            .with_missing_is_null(true);
        let nulls = with_tokens.then(|| headers::null_values().compile(&schema).unwrap());
        let chunked = parse_in_chunks(
            &piece,
            piece.contains(&b'"'),
            &options,
            &schema,
            nulls.as_ref(),
            rng.usize(1..400),
        )
        .ok();
        let reader_options = match with_tokens {
            true => options.with_null_values(Some(headers::null_values())),
            false => options,
        };
        let read = |text: &[u8]| {
            CsvReadOptions::default()
                .with_has_header(false)
                .with_schema(Some(schema.clone()))
                .with_parse_options(reader_options.clone())
                .into_reader_with_file_handle(std::io::Cursor::new(
                    text_for_polars::as_text(text).as_ref(),
                ))
                .finish()
        };
        let whole = if flaw == Flaw::StrayQuote {
            // The reader refuses two stray quotes in one input (its line count pairs them up), so the
            // reference is its reading of each record alone.
            let mut start = 0;
            let mut records = Vec::new();
            for end in record_ends(&piece, separator).chain([piece.len()]) {
                if end > start {
                    records.push(read(&piece[start..end]));
                }
                start = end;
            }
            records
                .into_iter()
                .collect::<PolarsResult<Vec<_>>>()
                .and_then(accumulate_dataframes_vertical)
        } else {
            read(&piece)
        };
        let entry = answered.entry((flaw, with_tokens)).or_insert((0, 0));
        entry.1 += 1;
        if let Some(chunked) = chunked {
            entry.0 += 1;
            let whole = whole.unwrap_or_else(|e| {
                panic!("trial {trial}: the reader failed ({e}) where the chunks parsed")
            });
            assert_eq!(chunked.schema(), whole.schema(), "trial {trial}");
            assert!(
                chunked.equals_missing(&whole),
                "trial {trial}:\n{chunked}\n{whole}"
            );
        }
    }
    println!("answered, tried per flaw and tokens: {answered:?}");
    for tokens in [false, true] {
        for flaw in [Flaw::None, Flaw::Quoted, Flaw::StrayQuote] {
            let (answered, tried) = answered[&(flaw, tokens)];
            assert_eq!(answered, tried, "every {flaw:?} piece, tokens {tokens}");
        }
    }
    for flaw in [
        Flaw::OddValues,
        Flaw::OddStart,
        Flaw::Tokens,
        Flaw::Quoted,
        Flaw::StrayQuote,
    ] {
        let (some, _) = answered[&(flaw, true)];
        assert!(some > 10, "{flaw:?} with tokens: {some} answered");
    }
}

#[test]
fn an_empty_piece_is_declined() {
    let options = CsvParseOptions::default();
    assert!(parse(b"", false, &options, &schema(), None).is_err());
}
