//! Reading typed configuration values from the environment (and `.env`), with errors that name the variable.

use std::{fmt::Display, str::FromStr, time::Duration};

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

/// A time limit from the environment: seconds (`30`, `1.5`) or a duration with units (`500ms`, `2m`,
/// `1h 30m`); more than zero, as a limit must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seconds(pub Duration);

impl FromStr for Seconds {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let Delay(duration) = s.parse()?;
        if duration.is_zero() {
            return Err("must be more than zero".into());
        }
        Ok(Self(duration))
    }
}

/// A wait from the environment, written like [`Seconds`], that may also be zero (no wait at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delay(pub Duration);

impl FromStr for Delay {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let hint = "expected seconds such as 30, or a duration such as 500ms, 2m, 1h 30m";
        let duration = match s.parse::<f64>() {
            Ok(seconds) => {
                Duration::try_from_secs_f64(seconds).map_err(|e| format!("{hint} ({e})"))?
            }
            Err(_) => humantime::parse_duration(s).map_err(|e| format!("{hint} ({e})"))?,
        };
        Ok(Self(duration))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_seconds_or_durations_with_units_and_more_than_zero() {
        assert_eq!("60".parse(), Ok(Seconds(Duration::from_secs(60))));
        assert_eq!(" 30s ".parse(), Ok(Seconds(Duration::from_secs(30))));
        assert_eq!("1.5".parse(), Ok(Seconds(Duration::from_millis(1500))));
        assert_eq!("500ms".parse(), Ok(Seconds(Duration::from_millis(500))));
        assert_eq!("2m".parse(), Ok(Seconds(Duration::from_secs(120))));
        assert_eq!("1h 30m".parse(), Ok(Seconds(Duration::from_secs(5400))));
        for wrong in ["0", "0s", "0ms", "-1", "soon", "4 parsecs", ""] {
            assert!(wrong.parse::<Seconds>().is_err(), "{wrong:?}");
        }
    }

    #[test]
    fn waits_may_be_zero() {
        assert_eq!("0".parse(), Ok(Delay(Duration::ZERO)));
        assert_eq!("0s".parse(), Ok(Delay(Duration::ZERO)));
        assert_eq!("250ms".parse(), Ok(Delay(Duration::from_millis(250))));
        assert!("-1".parse::<Delay>().is_err());
        assert!("later".parse::<Delay>().is_err());
    }
}
