//! Where a webhook may be sent: only to the public internet. An admin who can add an
//! endpoint must not be able to make the server post to its own machine or network (a
//! database's HTTP port, a cloud metadata service, a router's page), so an endpoint whose
//! host is, or resolves to, such an address is refused when it is added or changed, and
//! again at every delivery: the delivery's HTTP client resolves names through
//! [`PublicOnly`], so the address checked is the address connected to, even when the name's
//! DNS answer changes in between.
//!
//! Loopback is allowed only with `SWITCHBOARD_WEBHOOK_ALLOW_LOOPBACK` (tests, development);
//! nothing else private ever is.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use ipnet::{Ipv4Net, Ipv6Net};
use url::{Host, Url};

/// Shared address space for carrier-grade NAT (RFC 6598): private in all but name, and
/// `Ipv4Addr::is_shared` is not stable.
const CGNAT: Ipv4Net = Ipv4Net::new_assert(Ipv4Addr::new(100, 64, 0, 0), 10);
/// "This network" (RFC 791): some systems connect 0.x.y.z to the machine itself.
const THIS_NETWORK: Ipv4Net = Ipv4Net::new_assert(Ipv4Addr::new(0, 0, 0, 0), 8);
/// NAT64's well-known prefix (RFC 6052): an IPv4 address in IPv6 clothing.
const NAT64: Ipv6Net = Ipv6Net::new_assert(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96);

/// Why an address cannot be sent to, in words; `None` when it can.
pub fn refusal(ip: IpAddr, allow_loopback: bool) -> Option<String> {
    let what = match ip {
        IpAddr::V4(v4) => v4_kind(v4),
        IpAddr::V6(v6) => v6_kind(v6),
    }?;
    if what == LOOPBACK && allow_loopback {
        return None;
    }
    let hint = if what == LOOPBACK {
        " (SWITCHBOARD_WEBHOOK_ALLOW_LOOPBACK is off)"
    } else {
        ""
    };
    Some(format!(
        "{ip} is {what}{hint}: webhooks go only to addresses on the public internet"
    ))
}

const LOOPBACK: &str = "this server's own machine (loopback)";

fn v4_kind(ip: Ipv4Addr) -> Option<&'static str> {
    Some(if ip.is_loopback() {
        LOOPBACK
    } else if ip.is_unspecified() || THIS_NETWORK.contains(&ip) {
        "an unspecified address"
    } else if ip.is_private() {
        "a private network address (RFC 1918)"
    } else if ip.is_link_local() {
        "a link-local address (where cloud metadata services answer)"
    } else if CGNAT.contains(&ip) {
        "a carrier-grade NAT address (RFC 6598)"
    } else if ip.is_multicast() {
        "a multicast address"
    } else if ip.is_broadcast() {
        "the broadcast address"
    } else {
        return None;
    })
}

fn v6_kind(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_kind(v4);
    }
    if NAT64.contains(&ip) {
        let [.., a, b, c, d] = ip.octets();
        return v4_kind(Ipv4Addr::new(a, b, c, d));
    }
    Some(if ip.is_loopback() {
        LOOPBACK
    } else if ip.is_unspecified() {
        "an unspecified address"
    } else if ip.is_unique_local() {
        "a unique-local IPv6 address (a private network)"
    } else if ip.is_unicast_link_local() {
        "a link-local address"
    } else if ip.is_multicast() {
        "a multicast address"
    } else {
        return None;
    })
}

/// Why a URL whose host is an address cannot be used; names are [`resolve`]d.
pub fn literal_refusal(url: &Url, allow_loopback: bool) -> Option<String> {
    match url.host()? {
        Host::Domain(_) => None,
        Host::Ipv4(ip) => refusal(IpAddr::V4(ip), allow_loopback),
        Host::Ipv6(ip) => refusal(IpAddr::V6(ip), allow_loopback),
    }
}

/// What resolving a name came to.
#[derive(Debug, thiserror::Error)]
pub enum Unusable {
    /// No address now; whether it has one is asked again at each delivery.
    #[error("{host} could not be resolved: {error}")]
    NotFound { host: String, error: std::io::Error },
    #[error("{host} resolves to {why}")]
    Refused { host: String, why: String },
}

/// The name's addresses, every one of them on the public internet.
///
/// # Errors
/// `Refused` when any address is not (one bad address among good ones would be reached
/// now and then); `NotFound` when the name has none.
pub async fn resolve(host: &str, allow_loopback: bool) -> Result<Vec<SocketAddr>, Unusable> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
        .await
        .map_err(|error| Unusable::NotFound {
            host: host.to_owned(),
            error,
        })?
        .collect();
    if let Some(why) = addrs.iter().find_map(|a| refusal(a.ip(), allow_loopback)) {
        return Err(Unusable::Refused {
            host: host.to_owned(),
            why,
        });
    }
    Ok(addrs)
}

/// Checks where a URL leads: its address, or every address its name resolves to now.
///
/// # Errors
/// Why it leads somewhere webhooks may not go. A name that does not resolve now is not an
/// error here: each delivery resolves it again.
pub async fn check(url: &Url, allow_loopback: bool) -> Result<(), String> {
    if let Some(why) = literal_refusal(url, allow_loopback) {
        return Err(why);
    }
    let Some(Host::Domain(name)) = url.host() else {
        return Ok(());
    };
    match resolve(name, allow_loopback).await {
        Err(e @ Unusable::Refused { .. }) => Err(e.to_string()),
        Ok(_) | Err(Unusable::NotFound { .. }) => Ok(()),
    }
}

/// The resolver of the webhooks' HTTP client: a name that resolves to any address
/// webhooks may not go to is not connected to.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnly {
    pub allow_loopback: bool,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let addrs = resolve(name.as_str(), allow_loopback).await?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> bool {
        refusal(text.parse().unwrap(), false).is_some()
    }

    #[test]
    fn addresses_off_the_public_internet_are_refused() {
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.5",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fc00::1",
            "fe80::1",
            "ff02::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(refused(ip), "{ip} was let through");
        }
    }

    #[test]
    fn public_addresses_are_taken() {
        for ip in [
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "192.169.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(!refused(ip), "{ip} was refused");
        }
    }

    #[test]
    fn loopback_alone_is_allowed_by_the_setting_and_the_words_say_which_setting() {
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(refusal(loopback, true).is_none());
        let why = refusal(loopback, false).unwrap();
        assert!(why.contains("SWITCHBOARD_WEBHOOK_ALLOW_LOOPBACK"), "{why}");
        assert!(refusal("::1".parse().unwrap(), true).is_none());
        let why = refusal("192.168.1.1".parse().unwrap(), true).unwrap();
        assert_eq!(
            why,
            "192.168.1.1 is a private network address (RFC 1918): webhooks go only to addresses on the public internet"
        );
    }

    #[tokio::test]
    async fn a_name_is_checked_by_every_address_it_resolves_to() {
        let url = Url::parse("https://localhost:9/hooks").unwrap();
        let e = check(&url, false).await.unwrap_err();
        assert!(e.starts_with("localhost resolves to 127.0.0.1"), "{e}");
        assert!(check(&url, true).await.is_ok());
        let nowhere = Url::parse("https://no-such-host.invalid/hooks").unwrap();
        assert!(check(&nowhere, false).await.is_ok());
    }
}
