//! The host's interfaces as the daemon follows them: a table kept from rtnetlink messages
//! (an `RTM_GETLINK` / `RTM_GETADDR` dump at start, then the `RTM_NEWLINK`, `RTM_DELLINK`,
//! `RTM_NEWADDR` and `RTM_DELADDR` events of [`super::monitor`]).
//!
//! Each link keeps its index, MAC, `IFF_UP`/`IFF_RUNNING` state, kind and parent (macvlans)
//! and its addresses in kernel order. The core's view ([`Link::info`]) takes the first
//! non-secondary IPv4 address as the primary and the first `fe80::/10` address as the IPv6
//! source, skipping the daemon's own virtual addresses (a VIP in another subnet is a primary
//! address to the kernel, never the host's).

use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::packet_route::address::{AddressAttribute, AddressHeaderFlags, AddressMessage};
use rtnetlink::packet_route::link::{InfoKind, LinkAttribute, LinkFlags, LinkInfo, LinkMessage};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv6Addr};
use vrrplab_core::node::InterfaceInfo;
use vrrplab_core::wire::MacAddress;

/// One address of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostAddress {
    /// The local address.
    pub address: IpAddr,
    /// Prefix length.
    pub prefix_len: u8,
    /// `IFA_F_SECONDARY`: a further address in the prefix of a primary one.
    pub secondary: bool,
}

/// One interface as seen by the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Kernel interface index.
    pub index: u32,
    /// Interface name.
    pub name: String,
    /// Hardware address (all zero when unknown).
    pub mac: MacAddress,
    /// `IFF_UP` and `IFF_RUNNING` (administratively up with carrier).
    pub up: bool,
    /// `IFLA_INFO_KIND` (`macvlan`, `veth`, …), when the kernel says.
    pub kind: Option<String>,
    /// `IFLA_LINK`: the lower device of a macvlan or VLAN.
    pub parent: Option<u32>,
    /// Addresses in kernel order.
    pub addresses: Vec<HostAddress>,
}

fn is_link_local(a: &Ipv6Addr) -> bool {
    a.segments()[0] & 0xffc0 == 0xfe80
}

impl Link {
    /// The first non-secondary IPv4 address that is not in `exclude`.
    pub fn primary_v4(&self, exclude: &BTreeSet<IpAddr>) -> Option<IpAddr> {
        self.addresses
            .iter()
            .filter(|a| a.address.is_ipv4() && !a.secondary && !exclude.contains(&a.address))
            .map(|a| a.address)
            .next()
    }

    /// The first IPv6 link-local address that is not in `exclude`.
    pub fn link_local_v6(&self, exclude: &BTreeSet<IpAddr>) -> Option<IpAddr> {
        self.addresses
            .iter()
            .filter(|a| matches!(a.address, IpAddr::V6(v6) if is_link_local(&v6)))
            .filter(|a| !exclude.contains(&a.address))
            .map(|a| a.address)
            .next()
    }

    /// The core's view of this link; `vips` are the daemon's own addresses.
    pub fn info(&self, vips: &BTreeSet<IpAddr>) -> InterfaceInfo {
        InterfaceInfo {
            name: self.name.clone(),
            exists: true,
            up: self.up,
            primary_v4: self.primary_v4(vips),
            link_local_v6: self.link_local_v6(vips),
        }
    }
}

/// The core's view of interface `name` in `links`: absent, down and without addresses when
/// it is not there.
pub fn info_of(links: &Links, name: &str, vips: &BTreeSet<IpAddr>) -> InterfaceInfo {
    match links.get(name) {
        Some(link) => link.info(vips),
        None => InterfaceInfo {
            name: name.to_string(),
            exists: false,
            up: false,
            primary_v4: None,
            link_local_v6: None,
        },
    }
}

/// Every interface of the host, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    by_name: BTreeMap<String, Link>,
}

impl Links {
    /// The link called `name`.
    pub fn get(&self, name: &str) -> Option<&Link> {
        self.by_name.get(name)
    }

    /// The link with kernel index `index`.
    pub fn by_index(&self, index: u32) -> Option<&Link> {
        self.by_name.values().find(|l| l.index == index)
    }

    /// Applies one rtnetlink message (others are ignored); returns the name of the link it
    /// changed, if any.
    pub fn apply(&mut self, message: &RouteNetlinkMessage) -> Option<String> {
        match message {
            RouteNetlinkMessage::NewLink(m) => self.new_link(m),
            RouteNetlinkMessage::DelLink(m) => {
                let name = self.by_index(m.header.index)?.name.clone();
                self.by_name.remove(&name);
                Some(name)
            }
            RouteNetlinkMessage::NewAddress(m) => self.address(m, true),
            RouteNetlinkMessage::DelAddress(m) => self.address(m, false),
            _ => None,
        }
    }

    fn new_link(&mut self, m: &LinkMessage) -> Option<String> {
        let mut name = None;
        let mut mac = None;
        let mut kind = None;
        let mut parent = None;
        for attribute in &m.attributes {
            match attribute {
                LinkAttribute::IfName(n) => name = Some(n.clone()),
                LinkAttribute::Address(a) if a.len() == 6 => {
                    let mut bytes = [0u8; 6];
                    bytes.copy_from_slice(a);
                    mac = Some(MacAddress(bytes));
                }
                LinkAttribute::Link(p) => parent = Some(*p),
                LinkAttribute::LinkInfo(infos) => {
                    for info in infos {
                        if let LinkInfo::Kind(k) = info {
                            kind = Some(kind_name(k));
                        }
                    }
                }
                _ => {}
            }
        }
        let name = name?;
        let index = m.header.index;
        // A rename: the index moves to the new name.
        let renamed: Vec<String> = self
            .by_name
            .values()
            .filter(|l| l.index == index && l.name != name)
            .map(|l| l.name.clone())
            .collect();
        let mut addresses = Vec::new();
        for old in renamed {
            if let Some(l) = self.by_name.remove(&old) {
                addresses = l.addresses;
            }
        }
        let flags = m.header.flags;
        let up = flags.contains(LinkFlags::Up) && flags.contains(LinkFlags::Running);
        let link = self.by_name.entry(name.clone()).or_insert(Link {
            index,
            name: name.clone(),
            mac: MacAddress::default(),
            up,
            kind: None,
            parent: None,
            addresses,
        });
        if link.index != index {
            // The name now belongs to a new device: its addresses are not the old one's.
            link.addresses.clear();
        }
        link.index = index;
        link.up = up;
        if let Some(mac) = mac {
            link.mac = mac;
        }
        if kind.is_some() {
            link.kind = kind;
        }
        if parent.is_some() {
            link.parent = parent;
        }
        Some(name)
    }

    fn address(&mut self, m: &AddressMessage, added: bool) -> Option<String> {
        // IFA_LOCAL is the local address on point-to-point links; IFA_ADDRESS otherwise.
        let mut address = None;
        for attribute in &m.attributes {
            match attribute {
                AddressAttribute::Local(a) => address = Some(*a),
                AddressAttribute::Address(a) if address.is_none() => address = Some(*a),
                _ => {}
            }
        }
        let address = address?;
        let link = self
            .by_name
            .values_mut()
            .find(|l| l.index == m.header.index)?;
        link.addresses.retain(|a| a.address != address);
        if added {
            link.addresses.push(HostAddress {
                address,
                prefix_len: m.header.prefix_len,
                secondary: m.header.flags.contains(AddressHeaderFlags::Secondary),
            });
        }
        Some(link.name.clone())
    }
}

fn kind_name(kind: &InfoKind) -> String {
    match kind {
        InfoKind::MacVlan => "macvlan".to_string(),
        InfoKind::Veth => "veth".to_string(),
        InfoKind::Bridge => "bridge".to_string(),
        InfoKind::Vlan => "vlan".to_string(),
        other => format!("{other:?}").to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtnetlink::packet_route::AddressFamily;

    fn new_link(index: u32, name: &str, up: bool) -> RouteNetlinkMessage {
        let mut m = LinkMessage::default();
        m.header.index = index;
        if up {
            m.header.flags = LinkFlags::Up | LinkFlags::Running;
        }
        m.attributes.push(LinkAttribute::IfName(name.to_string()));
        m.attributes
            .push(LinkAttribute::Address(vec![2, 0, 0, 0, 0, index as u8]));
        RouteNetlinkMessage::NewLink(m)
    }

    fn address(index: u32, address: &str, prefix_len: u8, secondary: bool) -> AddressMessage {
        let address: IpAddr = address.parse().unwrap();
        let mut m = AddressMessage::default();
        m.header.index = index;
        m.header.prefix_len = prefix_len;
        m.header.family = if address.is_ipv4() {
            AddressFamily::Inet
        } else {
            AddressFamily::Inet6
        };
        if secondary {
            m.header.flags = AddressHeaderFlags::Secondary;
        }
        m.attributes.push(AddressAttribute::Address(address));
        m
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn holds(links: &Links, name: &str, address: &str) -> bool {
        let address = ip(address);
        links
            .get(name)
            .unwrap()
            .addresses
            .iter()
            .any(|a| a.address == address)
    }

    #[test]
    fn dump_then_events_give_state_primary_and_link_local() {
        let mut links = Links::default();
        assert_eq!(links.apply(&new_link(2, "eth0", true)), Some("eth0".into()));
        let add = |m| RouteNetlinkMessage::NewAddress(m);
        links.apply(&add(address(2, "192.0.2.11", 24, false)));
        links.apply(&add(address(2, "192.0.2.100", 24, true)));
        links.apply(&add(address(2, "2001:db8::11", 64, false)));
        links.apply(&add(address(2, "fe80::1", 64, false)));
        let eth0 = links.get("eth0").unwrap();
        let none = BTreeSet::new();
        assert!(eth0.up && holds(&links, "eth0", "192.0.2.100"));
        assert_eq!(eth0.mac, MacAddress([2, 0, 0, 0, 0, 2]));
        assert_eq!(eth0.primary_v4(&none), Some(ip("192.0.2.11")));
        assert_eq!(eth0.link_local_v6(&none), Some(ip("fe80::1")));
        links.apply(&RouteNetlinkMessage::DelAddress(address(
            2,
            "192.0.2.11",
            24,
            false,
        )));
        assert_eq!(links.get("eth0").unwrap().primary_v4(&none), None);
        links.apply(&new_link(2, "eth0", false));
        assert!(!links.get("eth0").unwrap().up);
        let mut del = LinkMessage::default();
        del.header.index = 2;
        assert_eq!(
            links.apply(&RouteNetlinkMessage::DelLink(del)),
            Some("eth0".into())
        );
        assert!(links.get("eth0").is_none());
        assert!(!info_of(&links, "eth0", &none).up);
    }

    #[test]
    fn a_vip_in_another_subnet_is_never_the_primary_address() {
        let mut links = Links::default();
        links.apply(&new_link(3, "eth1", true));
        links.apply(&RouteNetlinkMessage::NewAddress(address(
            3,
            "198.51.100.7",
            32,
            false,
        )));
        let vips: BTreeSet<IpAddr> = [ip("198.51.100.7")].into();
        assert_eq!(links.get("eth1").unwrap().info(&vips).primary_v4, None);
        assert_eq!(
            links.get("eth1").unwrap().info(&BTreeSet::new()).primary_v4,
            Some(ip("198.51.100.7"))
        );
    }

    #[test]
    fn a_renamed_or_recreated_link_keeps_only_what_belongs_to_it() {
        let mut links = Links::default();
        links.apply(&new_link(4, "tmp0", true));
        links.apply(&RouteNetlinkMessage::NewAddress(address(
            4, "10.0.0.1", 8, false,
        )));
        links.apply(&new_link(4, "eth2", true));
        assert!(links.get("tmp0").is_none());
        assert!(holds(&links, "eth2", "10.0.0.1"));
        // eth2 deleted and created again with another index: no stale addresses.
        links.apply(&new_link(9, "eth2", true));
        assert_eq!(links.get("eth2").unwrap().index, 9);
        assert!(links.get("eth2").unwrap().addresses.is_empty());
        assert!(links.by_index(9).is_some());
    }
}
