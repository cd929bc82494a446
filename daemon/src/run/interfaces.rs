//! The host's interfaces as the core needs them: index, MAC, link state, primary IPv4 and
//! IPv6 link-local address, read with `getifaddrs(3)` (kernel order: the primary IPv4 address
//! comes first). Link state is polled from the same call.

use nix::ifaddrs::getifaddrs;
use nix::net::if_::InterfaceFlags;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv6Addr};
use vrrplab_core::node::InterfaceInfo;
use vrrplab_core::wire::MacAddress;

/// One interface as seen by the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Kernel interface index.
    pub index: u32,
    /// Hardware address (all zero when unknown).
    pub mac: MacAddress,
    /// `IFF_UP` and `IFF_RUNNING`.
    pub up: bool,
    /// First IPv4 address.
    pub primary_v4: Option<IpAddr>,
    /// First `fe80::/10` address.
    pub link_local_v6: Option<IpAddr>,
}

impl Link {
    /// The core's view of this link.
    pub fn info(&self, name: &str) -> InterfaceInfo {
        InterfaceInfo {
            name: name.to_string(),
            up: self.up,
            primary_v4: self.primary_v4,
            link_local_v6: self.link_local_v6,
        }
    }
}

fn is_link_local(a: &Ipv6Addr) -> bool {
    a.segments()[0] & 0xffc0 == 0xfe80
}

/// Every interface of the host, by name.
pub fn scan() -> std::io::Result<BTreeMap<String, Link>> {
    let mut links: BTreeMap<String, Link> = BTreeMap::new();
    for ifa in getifaddrs().map_err(std::io::Error::from)? {
        let Ok(index) = nix::net::if_::if_nametoindex(ifa.interface_name.as_str()) else {
            continue;
        };
        let link = links.entry(ifa.interface_name.clone()).or_insert(Link {
            index,
            mac: MacAddress::default(),
            up: false,
            primary_v4: None,
            link_local_v6: None,
        });
        link.up = ifa.flags.contains(InterfaceFlags::IFF_UP)
            && ifa.flags.contains(InterfaceFlags::IFF_RUNNING);
        let Some(address) = ifa.address else { continue };
        if let Some(sin) = address.as_sockaddr_in() {
            link.primary_v4.get_or_insert(IpAddr::V4(sin.ip()));
        } else if let Some(sin6) = address.as_sockaddr_in6() {
            let ip = sin6.ip();
            if is_link_local(&ip) {
                link.link_local_v6.get_or_insert(IpAddr::V6(ip));
            }
        } else if let Some(ll) = address.as_link_addr()
            && let Some(mac) = ll.addr()
        {
            link.mac = MacAddress(mac);
        }
    }
    Ok(links)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_listed_with_its_address() {
        let links = scan().unwrap();
        let lo = links.get("lo").expect("every Linux host has lo");
        assert!(lo.index > 0);
        assert_eq!(lo.primary_v4, Some("127.0.0.1".parse().unwrap()));
        assert_eq!(lo.link_local_v6, None);
    }

    #[test]
    fn link_local_prefix_is_fe80_slash_10() {
        assert!(is_link_local(&"fe80::1".parse().unwrap()));
        assert!(is_link_local(&"febf::1".parse().unwrap()));
        assert!(!is_link_local(&"fec0::1".parse().unwrap()));
        assert!(!is_link_local(&"2001:db8::1".parse().unwrap()));
    }
}
