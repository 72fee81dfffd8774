//! Files that are not CSV text, told by their first bytes: spreadsheets, archives, compressed files, images,
//! documents, databases, and binary data in general. Read as a CSV, each became one column of Latin-1 noise,
//! or a ragged row far down; here it is refused saying what it is and what to do instead.

/// Bytes looked at for control characters.
const BINARY_WINDOW: usize = 1024;

/// What the file is and what to do, when its first bytes (`start`, the sniffer's sample) say it is not a
/// CSV; `None` for text.
pub(crate) fn not_csv(start: &[u8]) -> Option<String> {
    let is_a =
        |what: &str, instead: &str| Some(format!("the file is {what}, not a CSV; {instead}"));
    let save_as_csv = "open it in the program that made it and save (or export) the sheet as CSV, then \
                       upload that";
    let decompress = |tool: &str| format!("decompress it first ({tool}) and upload the CSV");
    if start.starts_with(b"PK\x03\x04") || start.starts_with(b"PK\x05\x06") {
        // An Office or OpenDocument file is a zip whose first entries name what it is.
        let holds = |name: &[u8]| memchr::memmem::find(start, name).is_some();
        return if holds(b"xl/") {
            is_a("an Excel workbook (.xlsx)", save_as_csv)
        } else if holds(b"opendocument.spreadsheet") {
            is_a("an OpenDocument spreadsheet (.ods)", save_as_csv)
        } else if holds(b"word/") || holds(b"opendocument.text") {
            is_a(
                "a word-processor document",
                "export its table as CSV and upload that",
            )
        } else {
            is_a("a zip archive", "extract the CSV from it and upload that")
        };
    }
    let signatures: [(&[u8], &str, String); 13] = [
        (
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            "an Excel 97-2003 workbook (.xls) or another legacy Office file",
            save_as_csv.into(),
        ),
        (b"\x1F\x8B", "gzip-compressed (.gz)", decompress("gunzip")),
        (
            b"\x28\xB5\x2F\xFD",
            "zstd-compressed (.zst)",
            decompress("zstd -d"),
        ),
        (b"BZh", "bzip2-compressed (.bz2)", decompress("bunzip2")),
        (b"\xFD7zXZ\x00", "xz-compressed (.xz)", decompress("unxz")),
        (
            b"7z\xBC\xAF\x27\x1C",
            "a 7-Zip archive",
            "extract the CSV from it and upload that".into(),
        ),
        (b"\x89PNG", "a PNG image", upload_csv()),
        (b"\xFF\xD8\xFF", "a JPEG image", upload_csv()),
        (b"GIF8", "a GIF image", upload_csv()),
        (
            b"%PDF-",
            "a PDF document",
            "export the table from where it came from as CSV and upload that".into(),
        ),
        (
            b"PAR1",
            "a Parquet file",
            "convert it to CSV and upload that".into(),
        ),
        (
            b"SQLite format 3\x00",
            "an SQLite database",
            "export the table as CSV and upload that".into(),
        ),
        (
            b"\xFF\xFE\x00\x00",
            "UTF-32 text",
            "save it as UTF-8 (or UTF-16) and upload it again".into(),
        ),
    ];
    let window = &start[..start.len().min(BINARY_WINDOW)];
    for (magic, what, instead) in &signatures {
        // A magic of printable letters could start a header (`BZh1,x`, `PAR1,PAR2`): what follows it must
        // be what follows it in such a file.
        let confirmed = match *magic {
            b"BZh" => start.get(4..10) == Some(b"1AY&SY"),
            b"GIF8" => start.starts_with(b"GIF87a") || start.starts_with(b"GIF89a"),
            b"%PDF-" => matches!(start.get(5..7), Some(b"1." | b"2.")),
            b"PAR1" => binary(window).is_some(),
            _ => true,
        };
        if start.starts_with(magic) && confirmed {
            return is_a(what, instead);
        }
    }
    binary(window)
}

fn upload_csv() -> String {
    "upload a CSV (text, one record per line)".into()
}

/// Binary data: control characters other than tab, line ends and form feed, at least 4 and more than 5 % of
/// the window. Text has next to none; a stray NUL in a real CSV stays under that.
fn binary(window: &[u8]) -> Option<String> {
    let controls = window
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C)) || b == 0x7F)
        .count();
    (controls >= 4 && controls * 20 > window.len()).then(|| {
        format!(
            "the file holds binary data, not text ({controls} of its first {} bytes are control \
             characters), so it is not a CSV; upload a CSV (text, one record per line). Text saved as \
             UTF-16 without a byte-order mark reads so too: save it as UTF-8",
            window.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn says(start: &[u8]) -> String {
        not_csv(start).unwrap_or_default()
    }

    #[test]
    fn files_that_are_not_csv_are_named() {
        let xlsx = b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml....PK\x03\x04xl/workbook.xml";
        assert!(
            says(xlsx).contains("Excel workbook (.xlsx)"),
            "{}",
            says(xlsx)
        );
        assert!(says(xlsx).contains("save (or export) the sheet as CSV"));
        assert!(says(b"PK\x03\x04data.csv").contains("zip archive"));
        assert!(says(b"\x1F\x8B\x08\x00\x00").contains("gzip-compressed"));
        assert!(says(b"\x1F\x8B\x08\x00\x00").contains("gunzip"));
        assert!(says(b"\x28\xB5\x2F\xFD\x04").contains("zstd"));
        assert!(says(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").contains("PNG image"));
        assert!(says(b"%PDF-1.7\n").contains("PDF"));
        assert!(says(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0").contains(".xls"));
        assert!(says(b"BZh91AY&SY\x01").contains("bzip2"));
        assert!(says(b"GIF89a\x01\x00\x01\x00").contains("GIF"));
        let parquet: Vec<u8> = b"PAR1"
            .iter()
            .copied()
            .chain([0x15, 0x04, 0x15, 0x1c, 0x15, 0x1c, 0x4c, 0x15, 0x02, 0x00])
            .collect();
        assert!(says(&parquet).contains("Parquet"));
        assert!(says(&(0..=255u8).cycle().take(2048).collect::<Vec<_>>()).contains("binary data"));
    }

    #[test]
    fn text_is_left_alone() {
        for text in [
            &b"a,b\n1,2\n"[..],
            b"BZh1,x\n1,2\n",
            b"PAR,x\n",
            b"PAR1,PAR2\n1,2\n",
            b"GIF8,%PDF-x\n1,2\n",
            b"%PDF-x,y\n1,2\n",
            b"name\tcity\r\nJos\xe9\tZ\xfcrich\r\n",
            b"\xEF\xBB\xBFa;b\n1;2\n",
            b"a,b\n1,\x002\n3,4\n",
        ] {
            assert_eq!(not_csv(text), None, "{}", String::from_utf8_lossy(text));
        }
    }
}
