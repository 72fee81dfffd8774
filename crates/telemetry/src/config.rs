//! Reading typed configuration values from the environment (and `.env`), with errors that name the variable.

use std::{fmt::Display, str::FromStr};

/// A configuration variable that is set but cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: String,
    pub message: String,
}

impl Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.variable, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Loads `.env` from the working directory when present; real environment variables win.
pub fn load_dotenv() {
    // A missing .env is the normal case; a malformed one is reported by the variable reads that follow.
    let _ = dotenvy::dotenv();
}

/// The variable parsed as `T`, or `None` when unset or blank.
pub fn env_opt<T>(variable: &str) -> Result<Option<T>, ConfigError>
where
    T: FromStr,
    T::Err: Display,
{
    match std::env::var(variable) {
        Ok(raw) if !raw.trim().is_empty() => {
            raw.trim()
                .parse()
                .map(Some)
                .map_err(|e: T::Err| ConfigError {
                    variable: variable.to_owned(),
                    message: format!("cannot use `{}`: {e}", raw.trim()),
                })
        }
        _ => Ok(None),
    }
}

/// The variable parsed as `T`, or `default` when unset or blank.
pub fn env_or<T>(variable: &str, default: T) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: Display,
{
    env_opt(variable).map(|value| value.unwrap_or(default))
}
