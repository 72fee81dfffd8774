//! `ALLOWED_HOSTS`: the host names a service answers to (any port), so that a web page whose own name was made
//! to resolve to the service's address (DNS rebinding) cannot read or change its data.

use std::{
    borrow::Cow,
    fmt,
    net::{IpAddr, Ipv6Addr, SocketAddr},
    str::FromStr,
    sync::Arc,
};

/// The setting's name, which error messages tell the operator to change.
pub const ALLOWED_HOSTS: &str = "ALLOWED_HOSTS";

/// The names a service answers to: every host, or a list of host names and IP addresses (any port).
///
/// Written as a comma-separated list (`localhost, csv-ask.lan, 10.0.0.5`, `*` for any host). Names are
/// compared without case and without a final dot; IPv6 addresses with or without brackets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHosts {
    /// `None`: any host.
    names: Option<Arc<[Box<str>]>>,
}

/// The names a loopback-bound service answers to by default.
const LOOPBACK_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

impl AllowedHosts {
    /// Every host: what a service bound to a non-loopback address answers to unless told otherwise.
    pub fn any() -> Self {
        Self { names: None }
    }

    /// The default for a service bound to `addr`: on a loopback address `localhost`, `127.0.0.1`, `[::1]` (also
    /// written `::1`) and the bound address itself; on any other address, every host (the operator exposed it,
    /// and only they know the names it is reached by).
    pub fn for_bind(addr: SocketAddr) -> Self {
        if !addr.ip().is_loopback() {
            return Self::any();
        }
        let hosts = Self::list(LOOPBACK_NAMES.iter().map(|name| (*name).into()));
        hosts.with_ip(addr.ip())
    }

    /// These hosts and `ip` (for a caller that is known to address the service by that IP).
    pub fn with_ip(self, ip: IpAddr) -> Self {
        let Some(names) = &self.names else {
            return self;
        };
        let name = ip_name(ip);
        if names.iter().any(|known| **known == *name) {
            return self;
        }
        Self::list(names.iter().cloned().chain([name.into_boxed_str()]))
    }

    fn list(names: impl Iterator<Item = Box<str>>) -> Self {
        Self {
            names: Some(names.collect()),
        }
    }

    /// Whether any host is allowed.
    pub fn is_any(&self) -> bool {
        self.names.is_none()
    }

    /// Whether a request addressed to `host` (a `Host` header's host part, see [`host_and_port`]) is answered.
    pub(crate) fn allows(&self, host: &str) -> bool {
        match &self.names {
            None => true,
            Some(names) => names.iter().any(|name| **name == *host),
        }
    }
}

impl fmt::Display for AllowedHosts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.names {
            None => write!(f, "*"),
            Some(names) => write!(f, "{}", names.join(",")),
        }
    }
}

impl FromStr for AllowedHosts {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let entries: Vec<&str> = s
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .collect();
        if entries.is_empty() {
            return Err(
                "lists no host; write host names separated by commas, or `*` for any".into(),
            );
        }
        if entries.contains(&"*") {
            return Ok(Self::any());
        }
        let names = entries
            .into_iter()
            .map(|entry| normalise_entry(entry).map(String::into_boxed_str))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::list(names.into_iter()))
    }
}

/// An IP address as a `Host` header's host part names it (IPv6 in brackets).
fn ip_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// One `ALLOWED_HOSTS` entry as requests are compared with it.
fn normalise_entry(entry: &str) -> Result<String, String> {
    let no_port = || {
        format!(
            "`{entry}` is not a host name or IP address; write names without a scheme or port (any port is \
             allowed), such as localhost, csv-ask.lan or 10.0.0.5"
        )
    };
    if let Some(inner) = entry.strip_prefix('[') {
        let ip = inner
            .strip_suffix(']')
            .and_then(|ip| ip.parse::<Ipv6Addr>().ok())
            .ok_or_else(no_port)?;
        return Ok(ip_name(ip.into()));
    }
    if let Ok(ip) = entry.parse::<Ipv6Addr>() {
        return Ok(ip_name(ip.into()));
    }
    let name = normalise_name(entry).into_owned();
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if valid { Ok(name) } else { Err(no_port()) }
}

/// A host name lowercased, without the final dot of a fully qualified name (`localhost.` is `localhost`).
fn normalise_name(name: &str) -> Cow<'_, str> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// The host (normalised as [`AllowedHosts`] holds names) and port of an authority such as a `Host` header's
/// `localhost:8000`, `[::1]:8000` or `example.com`; `None` when it is none.
pub(crate) fn host_and_port(authority: &str) -> Option<(Cow<'_, str>, Option<u16>)> {
    let authority = authority.trim();
    let port = |text: &str| -> Option<Option<u16>> {
        match text {
            "" => Some(None),
            _ => text.strip_prefix(':')?.parse().ok().map(Some),
        }
    };
    if let Some(rest) = authority.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        let ip: Ipv6Addr = ip.parse().ok()?;
        return Some((ip_name(ip.into()).into(), port(after)?));
    }
    if let Ok(ip) = authority.parse::<Ipv6Addr>() {
        return Some((ip_name(ip.into()).into(), None));
    }
    let (host, port) = match authority.split_once(':') {
        Some((host, text)) => (host, Some(text.parse().ok()?)),
        None => (authority, None),
    };
    let host = normalise_name(host);
    (!host.is_empty()).then_some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(setting: &str, host: &str) -> bool {
        let hosts: AllowedHosts = setting.parse().unwrap();
        let (host, _) = host_and_port(host).unwrap();
        hosts.allows(&host)
    }

    #[test]
    fn entries_are_names_or_addresses_compared_without_case_or_port() {
        assert!(allowed("csv-ask.lan, 10.0.0.5", "CSV-Ask.lan:8000"));
        assert!(allowed("csv-ask.lan, 10.0.0.5", "10.0.0.5"));
        assert!(allowed("csv-ask.lan.", "csv-ask.lan"));
        assert!(allowed("::1", "[::1]:8000"));
        assert!(allowed("[0:0:0:0:0:0:0:1]", "[::1]"));
        assert!(!allowed("csv-ask.lan", "evil.example:8000"));
        assert!(!allowed("csv-ask.lan", "csv-ask.lan.evil.example"));
        assert!(allowed("a.lan, *", "anything.example"));
    }

    #[test]
    fn wrong_entries_are_refused_with_what_to_write() {
        for wrong in [
            "",
            " , ",
            "http://x.lan",
            "x.lan:8000",
            "[::1]:80",
            "a b",
            "[nope]",
        ] {
            let error = wrong.parse::<AllowedHosts>().unwrap_err();
            assert!(
                error.contains("host") || error.contains("lists no host"),
                "{wrong:?}: {error}"
            );
        }
    }

    #[test]
    fn a_loopback_bind_allows_the_loopback_names_and_its_own_address() {
        let hosts = AllowedHosts::for_bind("127.0.0.1:8000".parse().unwrap());
        for host in [
            "localhost:8000",
            "127.0.0.1:1",
            "[::1]:8000",
            "::1",
            "LOCALHOST",
        ] {
            let (host, _) = host_and_port(host).unwrap();
            assert!(hosts.allows(&host), "{host}");
        }
        assert!(!hosts.allows("evil.example"));
        let other = AllowedHosts::for_bind("127.0.0.2:8000".parse().unwrap());
        assert!(other.allows("127.0.0.2"));
        assert!(AllowedHosts::for_bind("0.0.0.0:8000".parse().unwrap()).is_any());
        assert!(AllowedHosts::for_bind("192.168.1.5:8000".parse().unwrap()).is_any());
        assert!(AllowedHosts::for_bind("[::]:8000".parse().unwrap()).is_any());
    }

    #[test]
    fn authorities_split_into_host_and_port() {
        assert_eq!(
            host_and_port("Example.COM:8080"),
            Some(("example.com".into(), Some(8080)))
        );
        assert_eq!(host_and_port("[::1]"), Some(("[::1]".into(), None)));
        assert_eq!(host_and_port("::1"), Some(("[::1]".into(), None)));
        assert_eq!(host_and_port("x:notaport"), None);
        assert_eq!(host_and_port("[::1]x"), None);
        assert_eq!(host_and_port(""), None);
    }
}
