//! The client's address behind trusted reverse proxies (`SWITCHBOARD_TRUSTED_PROXIES`): what
//! the wrong-token limit counts against and the audit records. Each proxy appends the address
//! it received the request from, so the right-most address that is not itself a trusted proxy
//! is the one no client could have written; everything to its left is the client's say.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::http::state::Edge;

/// Which forwarding header the trusted proxies set (`SWITCHBOARD_PROXY_HEADER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProxyHeader {
    /// `X-Forwarded-For: client, proxy1`
    XForwardedFor,
    /// RFC 7239's `Forwarded: for=client, for=proxy1`
    Forwarded,
}

/// The address a request came from: the TCP peer's, or behind trusted proxies the one
/// they name.
pub fn of_request(edge: &Edge, parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| client_address(c.0.ip(), &parts.headers, &edge.trusted_proxies, edge.proxy_header))
}

/// The client's address: `peer` itself unless `peer` is a trusted proxy, else read from the
/// proxies' `header` from the right.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet], header: ProxyHeader) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer.to_canonical();
    if !is_trusted(&client) {
        return client;
    }
    let name = match header {
        ProxyHeader::XForwardedFor => "x-forwarded-for",
        ProxyHeader::Forwarded => "forwarded",
    };
    let chain: Vec<Option<IpAddr>> = headers
        .get_all(name)
        .iter()
        .flat_map(|v| hops(header, &String::from_utf8_lossy(v.as_bytes())))
        .collect();
    for hop in chain.into_iter().rev() {
        // An `unknown` or obfuscated hop: the last address we can vouch for is the answer.
        let Some(ip) = hop else { break };
        client = ip.to_canonical();
        if !is_trusted(&client) {
            break;
        }
    }
    client
}

/// The addresses of one header line, left to right; `None` for one that is not an address.
fn hops(header: ProxyHeader, value: &str) -> Vec<Option<IpAddr>> {
    match header {
        ProxyHeader::XForwardedFor => x_forwarded_for(value),
        ProxyHeader::Forwarded => forwarded(value),
    }
}

fn x_forwarded_for(value: &str) -> Vec<Option<IpAddr>> {
    value.split(',').map(node).collect()
}

fn forwarded(value: &str) -> Vec<Option<IpAddr>> {
    value
        .split(',')
        .map(|element| {
            element
                .split(';')
                .filter_map(|pair| pair.split_once('='))
                .find(|(key, _)| key.trim().eq_ignore_ascii_case("for"))
                .and_then(|(_, v)| node(v))
        })
        .collect()
}

/// An address, possibly quoted, bracketed (IPv6) or with a port, as proxies write them.
fn node(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    if let Some(rest) = text.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    text.parse().ok().or_else(|| {
        let (host, port) = text.rsplit_once(':')?;
        port.parse::<u16>().ok()?;
        host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn with(name: &'static str, values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(name, v.parse().unwrap());
        }
        headers
    }

    fn proxies() -> Vec<IpNet> {
        vec!["10.0.0.0/8".parse().unwrap(), "192.0.2.1/32".parse().unwrap()]
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let headers = with("x-forwarded-for", &["198.51.100.7"]);
        let found = client_address(ip("203.0.113.9"), &headers, &proxies(), ProxyHeader::XForwardedFor);
        assert_eq!(found, ip("203.0.113.9"));
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_address_is_the_client() {
        let headers = with("x-forwarded-for", &["6.6.6.6, 198.51.100.7", "10.1.2.3"]);
        let found = client_address(ip("10.0.0.1"), &headers, &proxies(), ProxyHeader::XForwardedFor);
        assert_eq!(found, ip("198.51.100.7"), "the spoofed left-most address is ignored");
    }

    #[test]
    fn the_forwarded_header_is_read_with_quotes_brackets_and_ports() {
        let headers = with(
            "forwarded",
            &[r#"for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=https, For=192.0.2.1:80"#],
        );
        let found = client_address(ip("10.0.0.1"), &headers, &proxies(), ProxyHeader::Forwarded);
        assert_eq!(found, ip("2001:db8:cafe::17"));
    }

    #[test]
    fn only_the_configured_header_is_believed() {
        let headers = with("forwarded", &["for=198.51.100.7"]);
        let found = client_address(ip("10.0.0.1"), &headers, &proxies(), ProxyHeader::XForwardedFor);
        assert_eq!(found, ip("10.0.0.1"));
    }

    #[test]
    fn an_unknown_hop_stops_at_the_last_trusted_address() {
        let headers = with("forwarded", &["for=198.51.100.7, for=unknown, for=10.9.9.9"]);
        let found = client_address(ip("10.0.0.1"), &headers, &proxies(), ProxyHeader::Forwarded);
        assert_eq!(found, ip("10.9.9.9"));
    }
}
