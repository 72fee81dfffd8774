//! Reading typed configuration values from the environment (and `.env`), with errors that name the variable.

use std::{fmt::Display, net::SocketAddr, str::FromStr, time::Duration};

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

mod dotenv;

pub use dotenv::load_dotenv;

/// Checks `RUST_LOG` (a tracing filter): logging would otherwise fall back to `info` without a word.
pub fn log_filter_from_env() -> Result<(), ConfigError> {
    match std::env::var("RUST_LOG") {
        Ok(raw) if !raw.trim().is_empty() => tracing_subscriber::EnvFilter::try_new(raw.trim())
            .map(drop)
            .map_err(|e| ConfigError {
                variable: "RUST_LOG".into(),
                message: format!(
                    "cannot use `{}` as a log filter ({e}); write one such as info, or \
                     calculator=debug,tower_http=info",
                    raw.trim()
                ),
            }),
        _ => Ok(()),
    }
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
                    message: format!("cannot use `{}`: {}", raw.trim(), explain(raw.trim(), e)),
                })
        }
        _ => Ok(None),
    }
}

/// Why `raw` could not be parsed, in words: an unsigned integer's parser calls a minus sign an "invalid digit".
fn explain(raw: &str, error: impl Display) -> String {
    let message = error.to_string();
    if message == "invalid digit found in string" && raw.starts_with('-') {
        return "it must be a positive number".into();
    }
    message
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

/// An address to listen on: an IP address and a port (`127.0.0.1:8000`; port 0 picks a free one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenAddr(pub SocketAddr);

impl FromStr for ListenAddr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Ok(addr) = s.parse() {
            return Ok(Self(addr));
        }
        let example =
            "such as 127.0.0.1:8000 (this machine only) or 0.0.0.0:8000 (every interface)";
        if let Some((ip, port)) = s.rsplit_once(':')
            && ip
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok()
            && !port.is_empty()
            && port.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(format!(
                "`{s}` has port {port}, out of range: a port is 0 to 65535 (0 picks a free one)"
            ));
        }
        Err(if s.parse::<std::net::IpAddr>().is_ok() {
            format!("`{s}` has no port: write an IP address and port, {example}")
        } else {
            format!(
                "`{s}` is not an IP address and port: write one {example}; a host name cannot be listened on"
            )
        })
    }
}

/// The variable's value when it is an absolute http(s) URL (without a trailing slash; a path is a prefix the
/// caller's paths are appended to), an error naming the variable otherwise, and for a query string or a
/// fragment, which appending a path would put before it; `None` when unset. `example` shows what would be right. A value holding `@` is not
/// repeated in the message: it may carry credentials.
pub fn http_url(
    variable: &str,
    raw: Option<String>,
    example: &str,
) -> Result<Option<String>, ConfigError> {
    let Some(raw) = raw else { return Ok(None) };
    let raw = raw.trim();
    match reqwest::Url::parse(raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {
            if url.query().is_some() || url.fragment().is_some() {
                return Err(ConfigError {
                    variable: variable.to_owned(),
                    message: format!(
                        "{} has a query string or fragment (`?` or `#`), which paths cannot be appended to; \
                         write the base URL alone, such as {example} (a path prefix such as {example}/base is \
                         fine)",
                        shown(raw)
                    ),
                });
            }
            Ok(Some(raw.trim_end_matches('/').to_owned()))
        }
        _ => Err(ConfigError {
            variable: variable.to_owned(),
            message: format!(
                "{} is not an absolute http(s) URL such as {example}",
                shown(raw)
            ),
        }),
    }
}

/// A URL as an error message may repeat it: not at all when it holds an `@` (perhaps credentials).
fn shown(raw: &str) -> String {
    if raw.contains('@') {
        "the value (not shown: it holds an `@`, perhaps credentials)".to_owned()
    } else {
        format!("`{raw}`")
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
    fn listen_addresses_are_an_ip_and_a_port() {
        assert_eq!(
            "127.0.0.1:8000".parse(),
            Ok(ListenAddr(SocketAddr::from(([127, 0, 0, 1], 8000))))
        );
        assert!("[::1]:0".parse::<ListenAddr>().is_ok());
        let error = "localhost:19200".parse::<ListenAddr>().unwrap_err();
        assert!(error.contains("an IP address and port"), "{error}");
        assert!(error.contains("127.0.0.1:8000"), "{error}");
        let error = "127.0.0.1".parse::<ListenAddr>().unwrap_err();
        assert!(error.contains("has no port"), "{error}");
        for out_of_range in ["127.0.0.1:99999", "[::1]:65536"] {
            let error = out_of_range.parse::<ListenAddr>().unwrap_err();
            assert!(error.contains("out of range"), "{error}");
            assert!(!error.contains("host name"), "{error}");
        }
    }

    #[test]
    fn urls_must_be_absolute_http() {
        let url = |raw: &str| http_url("SIDECAR_URL", Some(raw.into()), "http://127.0.0.1:8001");
        assert_eq!(
            url("http://127.0.0.1:8001/").unwrap().as_deref(),
            Some("http://127.0.0.1:8001")
        );
        assert!(url("https://sidecar.lan").is_ok());
        for wrong in ["nonsense", "ftp://x", "127.0.0.1:8001", "http://"] {
            let error = url(wrong).unwrap_err();
            assert_eq!(error.variable, "SIDECAR_URL");
            assert!(
                error.message.contains("is not an absolute http(s) URL"),
                "{error}"
            );
        }
        assert!(url("nonsense").unwrap_err().message.contains("`nonsense`"));
        let secret = url("ftp://user:hunter2@x").unwrap_err().to_string();
        assert!(!secret.contains("hunter2"), "{secret}");
        assert_eq!(http_url("SIDECAR_URL", None, "x"), Ok(None));
        assert_eq!(
            url("http://h:8001/base/").unwrap().as_deref(),
            Some("http://h:8001/base")
        );
        for wrong in [
            "http://h:8001/?q=1",
            "http://h:8001/base?q",
            "http://h:8001/#top",
        ] {
            let error = url(wrong).unwrap_err();
            assert_eq!(error.variable, "SIDECAR_URL");
            assert!(
                error.message.contains("query string or fragment"),
                "{error}"
            );
        }
        let secret = url("http://u:hunter2@h/?q=1").unwrap_err().to_string();
        assert!(!secret.contains("hunter2"), "{secret}");
    }

    #[test]
    fn a_negative_count_is_told_to_be_positive() {
        assert_eq!(
            explain("-3", "-3".parse::<usize>().unwrap_err()),
            "it must be a positive number"
        );
        assert_eq!(
            explain("x", "x".parse::<usize>().unwrap_err()),
            "invalid digit found in string"
        );
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
