//! Refusing requests meant for another host (421) or sent by another site (403), so that no web page reaches the service through DNS rebinding or a cross-site request.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// The hosts the service answers to: loopback names and its bound address at its port, and
/// the names the user allowed (`--allow-host`) at any port (a reverse proxy may use its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHosts {
    port: u16,
    /// Lower-case host names and addresses (IPv6 in brackets) answered at `port`.
    local: Vec<String>,
    /// Lower-case names the user allowed.
    allowed: Vec<String>,
    /// Bound to every interface (`0.0.0.0`, `::`): any IP address at `port` names it. A DNS
    /// rebinding attack needs a host name, so an address is never one.
    any_address: bool,
}

impl AllowedHosts {
    /// The hosts of a service listening on `bound`, with the extra names `allowed`.
    pub fn new(bound: SocketAddr, allowed: &[String]) -> AllowedHosts {
        let mut local: Vec<String> = ["localhost", "127.0.0.1", "[::1]"].map(String::from).into();
        let own = host_text(bound.ip());
        if !bound.ip().is_unspecified() && !local.contains(&own) {
            local.push(own);
        }
        AllowedHosts {
            port: bound.port(),
            local,
            allowed: allowed.iter().map(|name| normalized(name)).collect(),
            any_address: bound.ip().is_unspecified(),
        }
    }

    /// Whether `authority` (`host` or `host:port`, as a Host header or an Origin writes it)
    /// names this service.
    pub fn allows(&self, authority: &str) -> bool {
        let Some((host, port)) = split_authority(authority) else { return false };
        let host = normalized(host);
        if self.allowed.contains(&host) {
            return true;
        }
        let at_our_port = port.unwrap_or(80) == self.port;
        let is_address = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>();
        at_our_port && (self.local.contains(&host) || (self.any_address && is_address.is_ok()))
    }

    /// The hosts it answers to, for messages: `localhost:8480, 127.0.0.1:8480, ...`.
    fn describe(&self) -> String {
        let mut hosts: Vec<String> =
            self.local.iter().map(|host| format!("{host}:{}", self.port)).collect();
        if self.any_address {
            hosts.push(format!("any IP address:{}", self.port));
        }
        hosts.extend(self.allowed.iter().cloned());
        hosts.join(", ")
    }
}

/// Lets a request through only when its `Host` names this service and its `Origin`, when it
/// has one (browsers send it; curl and CLI clients do not), is this service too.
pub async fn guard_host(
    State(hosts): State<Arc<AllowedHosts>>,
    request: Request,
    next: Next,
) -> Response {
    match refusal(&hosts, &request) {
        Some(error) => error.into_response(),
        None => next.run(request).await,
    }
}

/// Why `request` is refused: 421 for another host, 403 for another site's page.
fn refusal(hosts: &AllowedHosts, request: &Request) -> Option<ApiError> {
    let text = |name| request.headers().get(name).map(|v| v.to_str().unwrap_or("(not text)"));
    let host = text(header::HOST).or_else(|| request.uri().authority().map(|a| a.as_str()));
    if !host.is_some_and(|host| hosts.allows(host)) {
        let host = host.unwrap_or("(none)");
        let name = split_authority(host).map_or(host, |(name, _)| name);
        return Some(ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            format!(
                "this service does not answer to host \"{host}\", only to {}; to reach it under \
                 that name, start it with `agentloom serve --http --allow-host {name}`",
                hosts.describe()
            ),
        ));
    }
    let origin = text(header::ORIGIN)?;
    let same_site = origin_authority(origin).is_some_and(|authority| hosts.allows(authority));
    (!same_site).then(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "cross-site request refused: a page from {origin} may not call this service; to \
                 allow pages from that host, start it with `agentloom serve --http --allow-host NAME`"
            ),
        )
    })
}

/// The `host:port` of an `http://` or `https://` Origin; `None` for `null` and other schemes.
fn origin_authority(origin: &str) -> Option<&str> {
    origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"))
}

/// Splits `host[:port]` (`[v6]:port` for IPv6); `None` when the port is not a number.
fn split_authority(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = match authority.rfind(':') {
        Some(colon) if !authority[colon..].contains(']') => {
            (&authority[..colon], Some(authority[colon + 1..].parse().ok()?))
        }
        _ => (authority, None),
    };
    (!host.is_empty()).then_some((host, port))
}

/// A host as compared: lower case, without a trailing dot.
fn normalized(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// An address as a Host header writes it (IPv6 in brackets).
fn host_text(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(ip) => ip.to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_to_loopback_names_at_its_port_and_to_allowed_names() {
        let hosts = AllowedHosts::new("127.0.0.1:8480".parse().expect("addr"), &["My.Box".into()]);
        for host in ["localhost:8480", "127.0.0.1:8480", "[::1]:8480", "LOCALHOST:8480", "my.box"] {
            assert!(hosts.allows(host), "{host}");
        }
        for host in ["evil.example:8480", "localhost:9999", "localhost", "10.0.0.1:8480", ""] {
            assert!(!hosts.allows(host), "{host}");
        }
        let open = AllowedHosts::new("0.0.0.0:8480".parse().expect("addr"), &[]);
        assert!(open.allows("192.168.1.5:8480") && open.allows("[fe80::1]:8480"));
        assert!(!open.allows("evil.example:8480"));
    }

    #[test]
    fn origins_are_http_urls_of_an_allowed_host() {
        assert_eq!(origin_authority("http://localhost:8480"), Some("localhost:8480"));
        assert_eq!(origin_authority("null"), None);
        assert_eq!(split_authority("[::1]:8480"), Some(("[::1]", Some(8480))));
        assert_eq!(split_authority("[::1]"), Some(("[::1]", None)));
        assert_eq!(split_authority("host:port"), None);
    }
}
