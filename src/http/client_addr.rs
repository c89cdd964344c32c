//! The client's address, as rate limits key it. The socket peer, unless the peer
//! is a proxy the operator trusts (`DONGHANH_TRUSTED_PROXIES`): then the header
//! that proxy maintains (`DONGHANH_FORWARDED_HEADER`) is read from the right, past
//! every trusted hop, and the first hop that is not trusted is the client. Anything
//! left of it was written by the client and is ignored, so a client cannot choose
//! its own address by sending the header itself.

use std::{
    fmt,
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
    str::FromStr,
};

use actix_web::{HttpRequest, http::header::HeaderName};
use serde::{Deserialize, Serialize};

/// A block of addresses: `10.0.0.0/8`, `fd00::/8`, or one address (`192.0.2.7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressBlock {
    network: IpAddr,
    prefix: u8,
}

impl AddressBlock {
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                masked_v4(address, self.prefix) == network
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                masked_v6(address, self.prefix) == network
            }
            _ => false,
        }
    }
}

fn masked_v4(address: Ipv4Addr, prefix: u8) -> Ipv4Addr {
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    Ipv4Addr::from(u32::from(address) & mask)
}

fn masked_v6(address: Ipv6Addr, prefix: u8) -> Ipv6Addr {
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    Ipv6Addr::from(u128::from(address) & mask)
}

impl FromStr for AddressBlock {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || format!("not an address or address/prefix: {text:?}");
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address: IpAddr = address.trim().parse().map_err(|_| invalid())?;
        let address = address.to_canonical();
        let width = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(invalid)?,
            None => width,
        };
        let network = match address {
            IpAddr::V4(v4) => IpAddr::V4(masked_v4(v4, prefix)),
            IpAddr::V6(v6) => IpAddr::V6(masked_v6(v6, prefix)),
        };
        Ok(AddressBlock { network, prefix })
    }
}

impl fmt::Display for AddressBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl Serialize for AddressBlock {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The header a trusted proxy appends the address of its own client to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, HAProxy, most load balancers).
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239).
    Forwarded,
}

impl ForwardedHeader {
    fn name(self) -> HeaderName {
        match self {
            ForwardedHeader::XForwardedFor => HeaderName::from_static("x-forwarded-for"),
            ForwardedHeader::Forwarded => HeaderName::from_static("forwarded"),
        }
    }

    /// The node of one comma-separated element, `None` where it names no address
    /// (`unknown`, an obfuscated identifier, an element without `for=`).
    fn node(self, element: &str) -> Option<IpAddr> {
        match self {
            ForwardedHeader::XForwardedFor => node_address(element),
            ForwardedHeader::Forwarded => element.split(';').find_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| node_address(value))
                    .flatten()
            }),
        }
    }
}

/// `192.0.2.7`, `192.0.2.7:4711`, `2001:db8::1`, `"[2001:db8::1]:4711"`.
fn node_address(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    node.parse().ok().or_else(|| {
        let (host, port) = node.split_once(':')?;
        port.parse::<u16>().ok()?;
        host.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
    })
}

/// Which peers may tell us who their client is, and how.
#[derive(Debug, Clone)]
pub struct TrustedProxies {
    pub blocks: Vec<AddressBlock>,
    pub header: ForwardedHeader,
}

impl TrustedProxies {
    fn trusts(&self, address: IpAddr) -> bool {
        self.blocks.iter().any(|block| block.contains(address))
    }

    /// The client's address: the rightmost hop that is not a trusted proxy. A hop
    /// that names no address stops the walk at the trusted proxy that reported it.
    pub fn client_of(&self, peer: IpAddr, forwarded: &[&str]) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        let hops = forwarded.iter().flat_map(|value| value.split(','));
        for hop in hops.collect::<Vec<_>>().into_iter().rev() {
            match self.header.node(hop).map(|a| a.to_canonical()) {
                Some(address) if self.trusts(address) => client = address,
                Some(address) => return address,
                None => return client,
            }
        }
        client
    }

    /// The address of the client that sent `req`, if the connection has a peer.
    pub fn client_addr(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        let values: Vec<&str> = req
            .headers()
            .get_all(self.header.name())
            .filter_map(|value| value.to_str().ok())
            .collect();
        Some(self.client_of(peer, &values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn proxies(blocks: &[&str], header: ForwardedHeader) -> TrustedProxies {
        TrustedProxies {
            blocks: blocks.iter().map(|b| b.parse().expect("a block")).collect(),
            header,
        }
    }

    #[test]
    fn blocks_parse_and_match_by_prefix() {
        let block: AddressBlock = "10.1.2.3/8".parse().expect("parses");
        assert_eq!(block.to_string(), "10.0.0.0/8");
        assert!(block.contains(ip("10.200.0.1")));
        assert!(block.contains(ip("::ffff:10.0.0.9")));
        assert!(!block.contains(ip("11.0.0.1")));
        let one: AddressBlock = "2001:db8::1".parse().expect("parses");
        assert!(one.contains(ip("2001:db8::1")));
        assert!(!one.contains(ip("2001:db8::2")));
        let everything: AddressBlock = "0.0.0.0/0".parse().expect("parses");
        assert!(everything.contains(ip("203.0.113.5")));
        assert!(!everything.contains(ip("::1")));
        for bad in ["", "10.0.0.0/33", "fd00::/129", "example.org", "10.0.0.0/x"] {
            assert!(bad.parse::<AddressBlock>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_sends() {
        let trusted = proxies(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        assert_eq!(
            trusted.client_of(ip("203.0.113.5"), &["198.51.100.1"]),
            ip("203.0.113.5")
        );
        let nobody = proxies(&[], ForwardedHeader::XForwardedFor);
        assert_eq!(
            nobody.client_of(ip("127.0.0.1"), &["198.51.100.1"]),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trusted = proxies(&["10.0.0.0/8", "127.0.0.1"], ForwardedHeader::XForwardedFor);
        // The client forged the first entry; the proxies appended the rest.
        assert_eq!(
            trusted.client_of(ip("127.0.0.1"), &["6.6.6.6, 203.0.113.5", "10.0.0.2"]),
            ip("203.0.113.5")
        );
        assert_eq!(
            trusted.client_of(ip("127.0.0.1"), &["203.0.113.5:4711"]),
            ip("203.0.113.5")
        );
        // Every hop trusted: the leftmost is the best we know.
        assert_eq!(
            trusted.client_of(ip("127.0.0.1"), &["10.0.0.7, 10.0.0.2"]),
            ip("10.0.0.7")
        );
        // No header: the proxy itself.
        assert_eq!(trusted.client_of(ip("127.0.0.1"), &[]), ip("127.0.0.1"));
        // A hop that names no address: the proxy that reported it.
        assert_eq!(
            trusted.client_of(ip("127.0.0.1"), &["203.0.113.5, unknown, 10.0.0.2"]),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn forwarded_elements_name_their_node_with_for() {
        let trusted = proxies(&["127.0.0.1"], ForwardedHeader::Forwarded);
        assert_eq!(
            trusted.client_of(
                ip("127.0.0.1"),
                &[r#"for=6.6.6.6, for="[2001:db8::7]:4711";proto=https;by=10.0.0.1"#]
            ),
            ip("2001:db8::7")
        );
        assert_eq!(
            trusted.client_of(ip("127.0.0.1"), &["For=203.0.113.5;proto=http"]),
            ip("203.0.113.5")
        );
        assert_eq!(
            trusted.client_of(ip("127.0.0.1"), &["for=_hidden"]),
            ip("127.0.0.1")
        );
    }
}
