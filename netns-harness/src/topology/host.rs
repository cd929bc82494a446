//! One namespace on the test segment and its fixed addresses.

use std::net::{Ipv4Addr, Ipv6Addr};

/// What a host is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// A VRRP router (runs a peer).
    Router,
    /// The upstream gateway (for tracking / arbitration scenarios).
    Gateway,
    /// A client whose neighbour table shows who it would send VIP traffic to.
    Client,
}

/// A host namespace joined to the switch by a veth pair (`eth0` inside, port `name` on `br0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// Short name: `h1`…`hN`, `gw`, `cl`. Also the bridge port's name.
    pub name: String,
    /// The namespace (`vlab-<pid>-<n>-<name>`).
    pub namespace: String,
    /// What it is for.
    pub role: Role,
    /// MAC of `eth0`.
    pub mac: [u8; 6],
    /// IPv4 address of `eth0` (in 192.0.2.0/24).
    pub ipv4: Ipv4Addr,
    /// Global IPv6 address of `eth0` (in 2001:db8::/64).
    pub ipv6: Ipv6Addr,
    /// Fixed IPv6 link-local address of `eth0` (the VRRPv3 IPv6 source).
    pub link_local: Ipv6Addr,
}

/// Prefix length of the segment's IPv4 addresses.
pub const IPV4_PREFIX_LEN: u8 = 24;
/// Prefix length of the segment's IPv6 addresses.
pub const IPV6_PREFIX_LEN: u8 = 64;
/// The interface name inside every host namespace.
pub const HOST_INTERFACE: &str = "eth0";

impl Host {
    /// Address plan for the host numbered `n`: router `hN` is `n` = N (1–99), the gateway 254,
    /// the client 200. MAC `02:00:00:00:00:n`, `192.0.2.(10+n)` for routers and `192.0.2.n`
    /// otherwise, the same last byte in `2001:db8::` and link-local `fe80::ff:fe00:n`.
    pub fn plan(namespace_prefix: &str, role: Role, n: u8) -> Host {
        let name = match role {
            Role::Router => format!("h{n}"),
            Role::Gateway => "gw".to_string(),
            Role::Client => "cl".to_string(),
        };
        let last = match role {
            Role::Router => 10 + n,
            Role::Gateway | Role::Client => n,
        };
        Host {
            namespace: format!("{namespace_prefix}{name}"),
            name,
            role,
            mac: [0x02, 0, 0, 0, 0, n],
            ipv4: Ipv4Addr::new(192, 0, 2, last),
            // the decimal digits of the IPv4 byte, read as hex: 192.0.2.11 ↔ 2001:db8::11
            ipv6: Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, decimal_as_hex(last)),
            link_local: Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, u16::from(n)),
        }
    }

    /// The MAC as `02:00:00:00:00:01`.
    pub fn mac_string(&self) -> String {
        format_mac(&self.mac)
    }
}

fn decimal_as_hex(n: u8) -> u16 {
    let (h, t, o) = (
        u16::from(n / 100),
        u16::from(n / 10 % 10),
        u16::from(n % 10),
    );
    (h << 8) | (t << 4) | o
}

/// Formats a MAC address as lower-case colon-separated hex.
pub fn format_mac(mac: &[u8]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_plan_matches_the_lab() {
        let h1 = Host::plan("vlab-1-0-", Role::Router, 1);
        assert_eq!(h1.namespace, "vlab-1-0-h1");
        assert_eq!(h1.mac_string(), "02:00:00:00:00:01");
        assert_eq!(h1.ipv4, Ipv4Addr::new(192, 0, 2, 11));
        assert_eq!(h1.ipv6.to_string(), "2001:db8::11");
        assert_eq!(h1.link_local.to_string(), "fe80::ff:fe00:1");
        let gw = Host::plan("p-", Role::Gateway, 254);
        assert_eq!(
            (gw.name.as_str(), gw.ipv4),
            ("gw", Ipv4Addr::new(192, 0, 2, 254))
        );
        assert_eq!(gw.ipv6.to_string(), "2001:db8::254");
    }
}
