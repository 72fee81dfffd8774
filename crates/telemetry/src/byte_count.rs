//! Sizes in configuration: `33554432`, `512MiB`, `1GiB`, `2GB`, `100k` (binary and decimal units).

use std::{fmt, str::FromStr};

/// A size in bytes from the environment, more than zero; written as bytes or with a unit (`512MiB`, `1GiB`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteCount(pub u64);

impl ByteCount {
    /// The size as a `usize` (a request body's limit), saturating on a 32-bit target.
    pub fn as_usize(self) -> usize {
        usize::try_from(self.0).unwrap_or(usize::MAX)
    }
}

/// The bytes a size such as `1073741824`, `512MiB` or `1.5GiB` stands for; zero too (callers set the minimum).
pub fn parse_byte_count(text: &str) -> Result<u64, String> {
    let s = text.trim();
    let hint = "expected a size such as 512MiB, 1GiB or 1073741824 (bytes)";
    if s.starts_with('-') {
        return Err(format!(
            "`{s}` is negative: a size must be a positive number; {hint}"
        ));
    }
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        "t" | "tb" => 1_000_000_000_000,
        "tib" => 1 << 40,
        other => {
            return Err(format!(
                "unknown size unit `{other}`; use B, KiB, MiB, GiB, KB, MB or GB"
            ));
        }
    };
    let too_large = || format!("`{s}` is more bytes than this machine can count");
    // Whole numbers exactly (a float loses bytes past 2^53); fractions of a unit through a float.
    if let Ok(whole) = number.parse::<u64>() {
        return whole.checked_mul(multiplier).ok_or_else(too_large);
    }
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{s}` is not a size: {hint}"))?;
    let bytes = value * multiplier as f64;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(too_large());
    }
    Ok(bytes as u64)
}

impl FromStr for ByteCount {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match parse_byte_count(s)? {
            0 => Err(format!(
                "`{}` is zero bytes: it must be more than zero",
                s.trim()
            )),
            bytes => Ok(Self(bytes)),
        }
    }
}

impl fmt::Display for ByteCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (value, unit) = match self.0 {
            b if b >= 1 << 30 => (b as f64 / (1u64 << 30) as f64, "GiB"),
            b if b >= 1 << 20 => (b as f64 / (1u64 << 20) as f64, "MiB"),
            b if b >= 1 << 10 => (b as f64 / 1024.0, "KiB"),
            b => return write!(f, "{b} bytes"),
        };
        let text = format!("{value:.1}");
        write!(f, "{} {unit}", text.trim_end_matches(".0"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_bytes_or_take_units() {
        assert_eq!("1GiB".parse(), Ok(ByteCount(1 << 30)));
        assert_eq!("512MiB".parse(), Ok(ByteCount(512 << 20)));
        assert_eq!(" 33554432 ".parse(), Ok(ByteCount(32 << 20)));
        assert_eq!("2GB".parse(), Ok(ByteCount(2_000_000_000)));
        assert_eq!("1.5gib".parse(), Ok(ByteCount(3 << 29)));
        assert_eq!("100".parse(), Ok(ByteCount(100)));
        assert_eq!("18446744073709551615".parse(), Ok(ByteCount(u64::MAX)));
        assert_eq!(ByteCount(1 << 30).to_string(), "1 GiB");
        assert_eq!(ByteCount(100).to_string(), "100 bytes");
    }

    #[test]
    fn zero_negative_and_nonsense_are_refused_saying_why() {
        let error = |s: &str| s.parse::<ByteCount>().unwrap_err();
        assert!(error("0").contains("more than zero"), "{}", error("0"));
        assert!(error("0MiB").contains("more than zero"));
        assert!(
            error("-1").contains("must be a positive number"),
            "{}",
            error("-1")
        );
        assert!(error("-5MiB").contains("must be a positive number"));
        assert!(error("lots").contains("unknown size unit"));
        assert!(error("GiB").contains("is not a size"));
        assert!(error("4 parsecs").contains("unknown size unit"));
        assert!(error("99999999999TiB").contains("more bytes"));
        assert!(!error("-1").contains("invalid digit"));
    }
}
