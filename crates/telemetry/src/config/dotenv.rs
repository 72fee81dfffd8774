//! Loading `.env`: a file that cannot be read in full stops startup naming the file and the line, and then
//! nothing of it is used (a variable after a typo was silently dropped while the lines before it applied).

use std::path::{Path, PathBuf};

use super::ConfigError;

/// Loads `.env` from the working directory or the nearest parent that has one; real environment variables
/// win. A missing `.env` is fine; one that cannot be read or parsed is an error naming it (and the line).
pub fn load_dotenv() -> Result<Option<PathBuf>, ConfigError> {
    let Ok(cwd) = std::env::current_dir() else {
        return Ok(None);
    };
    let Some(path) = find(&cwd) else {
        return Ok(None);
    };
    check(&path)?;
    // Parsed in full above, so this sets every variable of the file or none.
    dotenvy::from_path(&path).map_err(|e| unreadable(&path, &e.to_string()))?;
    Ok(Some(path))
}

/// The `.env` dotenvy would load: in `dir` or its nearest parent, a file (a directory of that name is skipped).
fn find(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|dir| dir.join(".env"))
        .find(|candidate| candidate.is_file())
}

/// Parses the whole of `path` without setting anything: an error names the line it stopped at.
pub fn check(path: &Path) -> Result<(), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(path, &e.to_string()))?;
    parse_all(path, &text)
}

fn parse_all(path: &Path, text: &str) -> Result<(), ConfigError> {
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        match item {
            Ok(_) => {}
            Err(dotenvy::Error::LineParse(line, index)) => {
                return Err(ConfigError {
                    variable: path.display().to_string(),
                    message: bad_line(text, &line, index),
                });
            }
            Err(e) => return Err(unreadable(path, &e.to_string())),
        }
    }
    Ok(())
}

fn unreadable(path: &Path, why: &str) -> ConfigError {
    ConfigError {
        variable: path.display().to_string(),
        message: format!("the file cannot be read ({why}); fix or remove it"),
    }
}

/// Where the parser stopped, as a line number and column of the file. The line itself is not repeated: it may
/// hold a secret (`SIDECAR_TOKEN="...` with its closing quote missing); the variable's name is.
fn bad_line(text: &str, line: &str, index: usize) -> String {
    let first = line.lines().next().unwrap_or_default();
    let number = text
        .lines()
        .position(|l| l == first || (!first.trim().is_empty() && l.trim() == first.trim()))
        .map_or_else(String::new, |n| format!("line {}, ", n + 1));
    let name = first
        .trim_start()
        .trim_start_matches("export ")
        .split(['=', ' ', '\t'])
        .next()
        .filter(|name| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        .map_or_else(String::new, |name| format!(" (the line of {name})"));
    format!(
        "{number}column {}{name} is not a `NAME=value` line; nothing from this file was used: fix the line, \
         quote the value, or make it a comment with `#`",
        index + 1
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(text: &str) -> Result<(), ConfigError> {
        parse_all(Path::new("/srv/csv-ask/.env"), text)
    }

    #[test]
    fn a_bad_line_is_named_by_number_and_variable_never_by_value() {
        let error = checked("A=1\n# note\nBAD LINE=x\nSIDECAR_TOKEN=t\n").unwrap_err();
        assert_eq!(error.variable, "/srv/csv-ask/.env");
        assert!(error.message.starts_with("line 3, column "), "{error}");
        assert!(error.message.contains("nothing from this file"), "{error}");
        let error = checked("A=1\nSIDECAR_TOKEN='hunter2\n").unwrap_err();
        assert!(error.message.contains("line 2,"), "{error}");
        assert!(error.message.contains("SIDECAR_TOKEN"), "{error}");
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }

    #[test]
    fn good_files_pass() {
        assert_eq!(checked(""), Ok(()));
        assert_eq!(
            checked("# only\n\nA=1\nexport B=\"two words\"\nC=\n"),
            Ok(())
        );
    }

    #[test]
    fn a_file_that_is_not_text_is_named() {
        let path = std::env::temp_dir().join(format!("telemetry-dotenv-{}", std::process::id()));
        std::fs::write(&path, [b'A', b'=', 0xff, 0xfe]).unwrap();
        let error = check(&path).unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(error.variable, path.display().to_string());
        assert!(error.message.contains("cannot be read"), "{error}");
    }
}
