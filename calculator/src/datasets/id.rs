//! Dataset ids: 32 lowercase hex digits (a UUID v4 without dashes). Only a parsed id ever reaches a file
//! path, so a request path cannot name anything outside `DATA_DIR/datasets/`.

use std::{fmt, str::FromStr};

/// A dataset id that is known to be well formed (not that the dataset exists).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DatasetId(String);

impl DatasetId {
    /// A fresh random id.
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a string is not a dataset id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a dataset id is 32 lowercase hex digits")]
pub struct MalformedId;

impl FromStr for DatasetId {
    type Err = MalformedId;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let well_formed = raw.len() == 32
            && raw
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if well_formed {
            Ok(Self(raw.to_owned()))
        } else {
            Err(MalformedId)
        }
    }
}

impl fmt::Display for DatasetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_back() {
        let id = DatasetId::generate();
        assert_eq!(id.as_str().parse::<DatasetId>(), Ok(id.clone()));
        assert_ne!(id, DatasetId::generate());
    }

    #[test]
    fn anything_else_is_malformed() {
        for bad in [
            "",
            "..",
            "../../etc/passwd",
            "3F0E2B9A6C1D4E5F8A7B6C5D4E3F2A1B",
            "3f0e2b9a-6c1d-4e5f-8a7b-6c5d4e3f2a1b",
            "3f0e2b9a6c1d4e5f8a7b6c5d4e3f2a1",
            "3f0e2b9a6c1d4e5f8a7b6c5d4e3f2a1bb",
            "3f0e2b9a6c1d4e5f8a7b6c5d4e3f2a1g",
        ] {
            assert_eq!(bad.parse::<DatasetId>(), Err(MalformedId), "{bad:?}");
        }
        assert!(
            "3f0e2b9a6c1d4e5f8a7b6c5d4e3f2a1b"
                .parse::<DatasetId>()
                .is_ok()
        );
    }
}
