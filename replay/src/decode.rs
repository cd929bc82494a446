//! Link and network layers of one frame (etherparse), down to what replay cares about: a VRRP
//! message with its IP envelope, a gratuitous ARP or unsolicited neighbour advertisement, or
//! something to count and skip.
//!
//! VRRP quoted inside an ICMP error is not an advert: it is reported as
//! [`Decoded::IcmpQuotedVrrp`]. Decoding never panics on malformed frames.

use crate::reader::LinkType;
use etherparse::{
    EtherType, IpNumber, LinkExtSlice, LinkSlice, NetSlice, SlicedPacket, TransportSlice,
};
use serde::Serialize;
use std::net::{IpAddr, Ipv6Addr};
use vrrplab_core::wire::{Arp, Ipv4Header, Ipv6Header, NeighbourAdvert};

/// The broadcast domain a frame was seen on: capture interface and 802.1Q VLAN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Segment {
    /// pcapng interface index, or the SLL2 interface index; 0 otherwise.
    pub interface: u32,
    /// Outermost 802.1Q VLAN id, if tagged.
    pub vlan: Option<u16>,
}

impl std::fmt::Display for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.interface, self.vlan) {
            (0, None) => f.write_str("-"),
            (0, Some(v)) => write!(f, "vlan{v}"),
            (i, None) => write!(f, "if{i}"),
            (i, Some(v)) => write!(f, "if{i}.vlan{v}"),
        }
    }
}

/// A VRRP message (IP protocol 112) with what the IP header said.
#[derive(Debug, Clone, Copy)]
pub struct VrrpFrame<'a> {
    /// Where it was seen.
    pub segment: Segment,
    /// Link-layer source address, when the link type has one.
    pub l2_src: Option<[u8; 6]>,
    /// IP source.
    pub src: IpAddr,
    /// IP destination.
    pub dst: IpAddr,
    /// TTL / hop limit.
    pub hop_limit: u8,
    /// False when the IPv4 header checksum is wrong.
    pub ip_checksum_ok: bool,
    /// The IP payload: the VRRP message (plus anything the IP length says follows it).
    pub payload: &'a [u8],
}

/// Which kind of address announcement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnnounceKind {
    /// Gratuitous ARP (sender IP = target IP).
    Garp,
    /// Unsolicited neighbour advertisement (solicited flag clear).
    UnsolicitedNa,
}

impl AnnounceKind {
    /// Plural noun for reports.
    pub fn plural(self) -> &'static str {
        match self {
            AnnounceKind::Garp => "gratuitous ARPs",
            AnnounceKind::UnsolicitedNa => "unsolicited NAs",
        }
    }
}

/// A gratuitous ARP or unsolicited NA: someone claims `address` at `mac`.
#[derive(Debug, Clone, Copy)]
pub struct AnnounceFrame {
    /// Where it was seen.
    pub segment: Segment,
    /// GARP or NA.
    pub kind: AnnounceKind,
    /// The address announced.
    pub address: IpAddr,
    /// The hardware address it is claimed for (ARP sender / NA target link-layer address, else
    /// the link-layer source).
    pub mac: Option<[u8; 6]>,
    /// The link-layer source of the frame.
    pub l2_src: Option<[u8; 6]>,
}

/// Why a frame was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Skipped {
    /// ARP other than a gratuitous one.
    Arp,
    /// IPv4 or IPv6 that is not VRRP (IGMP, MLD, ICMP, UDP …).
    OtherIp,
    /// A link-layer type or ether type replay does not read.
    OtherLink,
    /// Too short or inconsistent to decode.
    Malformed,
    /// An IP fragment (VRRP is never fragmented).
    Fragment,
}

/// What one frame turned out to be.
#[derive(Debug, Clone, Copy)]
pub enum Decoded<'a> {
    /// A VRRP message.
    Vrrp(VrrpFrame<'a>),
    /// A gratuitous ARP or unsolicited NA.
    Announce(AnnounceFrame),
    /// An ICMP error quoting a VRRP packet (not an advert).
    IcmpQuotedVrrp,
    /// Anything else, counted by reason.
    Skipped(Skipped),
}

const SLL2_HEADER_LEN: usize = 20;

/// Decodes one frame of the given link type seen on capture interface `interface`.
pub fn decode(link: LinkType, interface: u32, data: &[u8]) -> Decoded<'_> {
    let segment = Segment {
        interface,
        vlan: None,
    };
    let sliced = match link {
        LinkType::ETHERNET => SlicedPacket::from_ethernet(data),
        LinkType::LINUX_SLL => SlicedPacket::from_linux_sll(data),
        LinkType::RAW | LinkType::IPV4 | LinkType::IPV6 => SlicedPacket::from_ip(data),
        LinkType::NULL => {
            if data.len() < 4 {
                return Decoded::Skipped(Skipped::Malformed);
            }
            SlicedPacket::from_ip(&data[4..])
        }
        LinkType::LINUX_SLL2 => return decode_sll2(interface, data),
        _ => return Decoded::Skipped(Skipped::OtherLink),
    };
    match sliced {
        Ok(packet) => classify(&packet, segment, None),
        Err(_) => Decoded::Skipped(Skipped::Malformed),
    }
}

/// Linux cooked v2: protocol (2), reserved (2), ifindex (4), hatype (2), pkttype (1),
/// address length (1), address (8). etherparse reads v1 only.
fn decode_sll2(interface: u32, data: &[u8]) -> Decoded<'_> {
    if data.len() < SLL2_HEADER_LEN {
        return Decoded::Skipped(Skipped::Malformed);
    }
    let protocol = u16::from_be_bytes([data[0], data[1]]);
    let ifindex = u32::from_be_bytes([data[4], data[5], data[6], data[7]]);
    let addr_len = data[11];
    let l2_src = (addr_len == 6).then(|| mac_at(data, 12));
    let segment = Segment {
        interface: if ifindex != 0 { ifindex } else { interface },
        vlan: None,
    };
    match SlicedPacket::from_ether_type(EtherType(protocol), &data[SLL2_HEADER_LEN..]) {
        Ok(packet) => classify(&packet, segment, l2_src),
        Err(_) => Decoded::Skipped(Skipped::Malformed),
    }
}

fn mac_at(data: &[u8], at: usize) -> [u8; 6] {
    let mut mac = [0u8; 6];
    mac.copy_from_slice(&data[at..at + 6]);
    mac
}

fn classify<'a>(
    packet: &SlicedPacket<'a>,
    mut segment: Segment,
    mut l2_src: Option<[u8; 6]>,
) -> Decoded<'a> {
    match &packet.link {
        Some(LinkSlice::Ethernet2(eth)) => l2_src = Some(eth.source()),
        Some(LinkSlice::LinuxSll(sll)) => {
            let addr = sll.sender_address();
            if addr.len() == 6 {
                l2_src = Some(mac_at(addr, 0));
            }
        }
        _ => {}
    }
    if let Some(LinkExtSlice::Vlan(vlan)) = packet.link_exts.first() {
        segment.vlan = Some(vlan.vlan_identifier().value());
    }
    match &packet.net {
        Some(NetSlice::Ipv4(ip)) => {
            let header = ip.header();
            let payload = ip.payload();
            if payload.fragmented {
                return Decoded::Skipped(Skipped::Fragment);
            }
            if payload.ip_number == IpNumber::VRRP {
                let ip_checksum_ok =
                    header.to_header().calc_header_checksum() == header.header_checksum();
                return Decoded::Vrrp(VrrpFrame {
                    segment,
                    l2_src,
                    src: IpAddr::V4(header.source_addr()),
                    dst: IpAddr::V4(header.destination_addr()),
                    hop_limit: header.ttl(),
                    ip_checksum_ok,
                    payload: payload.payload,
                });
            }
            if let Some(TransportSlice::Icmpv4(icmp)) = &packet.transport {
                // Destination unreachable, time exceeded, parameter problem quote the header.
                if matches!(icmp.type_u8(), 3 | 11 | 12) && quotes_vrrp_v4(icmp.payload()) {
                    return Decoded::IcmpQuotedVrrp;
                }
            }
            Decoded::Skipped(Skipped::OtherIp)
        }
        Some(NetSlice::Ipv6(ip)) => {
            let header = ip.header();
            let payload = ip.payload();
            if payload.fragmented {
                return Decoded::Skipped(Skipped::Fragment);
            }
            if payload.ip_number == IpNumber::VRRP {
                return Decoded::Vrrp(VrrpFrame {
                    segment,
                    l2_src,
                    src: IpAddr::V6(header.source_addr()),
                    dst: IpAddr::V6(header.destination_addr()),
                    hop_limit: header.hop_limit(),
                    ip_checksum_ok: true,
                    payload: payload.payload,
                });
            }
            if let Some(TransportSlice::Icmpv6(icmp)) = &packet.transport {
                let bytes = icmp.slice();
                match icmp.type_u8() {
                    1..=4 if quotes_vrrp_v6(icmp.payload()) => return Decoded::IcmpQuotedVrrp,
                    136 => {
                        let (src, dst) = (header.source_addr(), header.destination_addr());
                        if let Some(announce) = unsolicited_na(src, dst, bytes, segment, l2_src) {
                            return Decoded::Announce(announce);
                        }
                    }
                    _ => {}
                }
            }
            Decoded::Skipped(Skipped::OtherIp)
        }
        Some(NetSlice::Arp(arp)) => match gratuitous_arp(arp.slice(), segment, l2_src) {
            Some(announce) => Decoded::Announce(announce),
            None => Decoded::Skipped(Skipped::Arp),
        },
        None => Decoded::Skipped(Skipped::OtherLink),
    }
}

/// An ICMP error's quoted IPv4 header (core's [`Ipv4Header::parse`]) says VRRP.
fn quotes_vrrp_v4(quoted: &[u8]) -> bool {
    Ipv4Header::parse(quoted).is_ok_and(|(h, _)| h.protocol == IpNumber::VRRP.0)
}

/// An ICMPv6 error's quoted IPv6 header (core's [`Ipv6Header::parse_quoted`], which takes a
/// quote cut short of its payload) says VRRP. ICMPv6 errors carry 4 unused/MTU bytes inside
/// the 8-byte header, so the payload starts at the quoted IPv6 header.
fn quotes_vrrp_v6(quoted: &[u8]) -> bool {
    Ipv6Header::parse_quoted(quoted).is_ok_and(|(h, _)| h.next_header == IpNumber::VRRP.0)
}

/// A gratuitous ARP, as core's [`Arp::gratuitous_address`] recognises it (a request or reply
/// whose sender and target protocol addresses are the same non-zero address).
fn gratuitous_arp(arp: &[u8], segment: Segment, l2_src: Option<[u8; 6]>) -> Option<AnnounceFrame> {
    let arp = Arp::parse(arp).ok()?;
    let address = arp.gratuitous_address()?;
    Some(AnnounceFrame {
        segment,
        kind: AnnounceKind::Garp,
        address: IpAddr::V4(address),
        mac: Some(arp.sender_mac.0),
        l2_src,
    })
}

/// A neighbour advertisement with the solicited flag clear (RFC 4861 §4.4), read by core's
/// [`NeighbourAdvert::parse`] (type, code, length, checksum, options); the Target
/// Link-Layer Address option gives the MAC, else the link-layer source.
fn unsolicited_na(
    src: Ipv6Addr,
    dst: Ipv6Addr,
    icmp: &[u8],
    segment: Segment,
    l2_src: Option<[u8; 6]>,
) -> Option<AnnounceFrame> {
    let na = NeighbourAdvert::parse(src, dst, icmp).ok()?;
    if na.solicited {
        return None;
    }
    Some(AnnounceFrame {
        segment,
        kind: AnnounceKind::UnsolicitedNa,
        address: IpAddr::V6(na.target),
        mac: na.target_mac.map(|m| m.0).or(l2_src),
        l2_src,
    })
}

/// A multicast group membership change seen in an IGMP / MLD report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// The host joined the group (its VRRP socket opened).
    Join,
    /// The host left the group (its VRRP socket closed).
    Leave,
}

/// If the frame is an IGMP (v2/v3) or MLD (v1/v2) report about `group` from `host`, whether
/// it joins or leaves. keepalived's raw socket joins the VRRP group at start and the kernel
/// leaves it when the process exits, killed or not.
pub fn membership(link: LinkType, data: &[u8], host: IpAddr, group: IpAddr) -> Option<Membership> {
    let sliced = match link {
        LinkType::ETHERNET => SlicedPacket::from_ethernet(data),
        LinkType::LINUX_SLL => SlicedPacket::from_linux_sll(data),
        LinkType::RAW | LinkType::IPV4 | LinkType::IPV6 => SlicedPacket::from_ip(data),
        LinkType::LINUX_SLL2 if data.len() >= SLL2_HEADER_LEN => SlicedPacket::from_ether_type(
            EtherType(u16::from_be_bytes([data[0], data[1]])),
            &data[SLL2_HEADER_LEN..],
        ),
        _ => return None,
    }
    .ok()?;
    let (src, proto, payload) = packet_net(&sliced)?;
    if src != host {
        return None;
    }
    match (proto, group) {
        (2, IpAddr::V4(g)) => igmp(payload, g.octets()),
        (58, IpAddr::V6(g)) => mld(payload, g.octets()),
        _ => None,
    }
}

fn packet_net<'a>(p: &SlicedPacket<'a>) -> Option<(IpAddr, u8, &'a [u8])> {
    match &p.net {
        Some(NetSlice::Ipv4(ip)) => Some((
            IpAddr::V4(ip.header().source_addr()),
            ip.payload().ip_number.0,
            ip.payload().payload,
        )),
        Some(NetSlice::Ipv6(ip)) => Some((
            IpAddr::V6(ip.header().source_addr()),
            ip.payload().ip_number.0,
            ip.payload().payload,
        )),
        _ => None,
    }
}

fn group_records(
    records: &[u8],
    count: usize,
    addr_len: usize,
    group: &[u8],
) -> Option<Membership> {
    let mut at = 0;
    for _ in 0..count {
        let head = records.get(at..at + 4 + addr_len)?;
        let (kind, aux, sources) = (
            head[0],
            usize::from(head[1]),
            usize::from(u16::from_be_bytes([head[2], head[3]])),
        );
        if &head[4..4 + addr_len] == group {
            return match kind {
                2 | 4 => Some(Membership::Join),
                1 | 3 if sources == 0 => Some(Membership::Leave),
                _ => None,
            };
        }
        at += 4 + addr_len + sources * addr_len + aux * 4;
    }
    None
}

fn igmp(p: &[u8], group: [u8; 4]) -> Option<Membership> {
    match *p.first()? {
        0x16 if p.get(4..8)? == group => Some(Membership::Join),
        0x17 if p.get(4..8)? == group => Some(Membership::Leave),
        0x22 => group_records(
            p.get(8..)?,
            usize::from(u16::from_be_bytes([*p.get(6)?, *p.get(7)?])),
            4,
            &group,
        ),
        _ => None,
    }
}

fn mld(p: &[u8], group: [u8; 16]) -> Option<Membership> {
    match *p.first()? {
        131 if p.get(8..24)? == group => Some(Membership::Join),
        132 if p.get(8..24)? == group => Some(Membership::Leave),
        143 => group_records(
            p.get(8..)?,
            usize::from(u16::from_be_bytes([*p.get(6)?, *p.get(7)?])),
            16,
            &group,
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_names_say_interface_and_vlan() {
        let s = |interface, vlan| Segment { interface, vlan }.to_string();
        assert_eq!(
            [s(0, None), s(0, Some(10)), s(3, None), s(3, Some(7))],
            ["-", "vlan10", "if3", "if3.vlan7"]
        );
    }

    #[test]
    fn arp_request_for_another_address_is_not_gratuitous() {
        let mut arp = vec![
            0, 1, 0x08, 0x00, 6, 4, 0, 1, 2, 0, 0, 0, 0, 3, 192, 0, 2, 13,
        ];
        arp.extend_from_slice(&[0; 6]);
        arp.extend_from_slice(&[192, 0, 2, 100]);
        assert!(gratuitous_arp(&arp, Segment::default(), None).is_none());
        arp[24..28].copy_from_slice(&[192, 0, 2, 13]);
        let g = gratuitous_arp(&arp, Segment::default(), None).unwrap();
        assert_eq!(
            g.address,
            IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 13))
        );
        assert_eq!(g.mac, Some([2, 0, 0, 0, 0, 3]));
    }

    #[test]
    fn solicited_na_is_not_an_announcement_and_tlla_gives_the_mac() {
        let src: Ipv6Addr = "fe80::11".parse().unwrap();
        let dst: Ipv6Addr = "ff02::1".parse().unwrap();
        let na = |solicited| {
            let advert = NeighbourAdvert {
                router: false,
                solicited,
                override_flag: true,
                target: "2001:db8::100".parse().unwrap(),
                target_mac: Some(vrrplab_core::wire::MacAddress([0, 0, 0x5e, 0, 2, 51])),
            };
            let mut buf = vec![0u8; advert.buffer_len()];
            advert.emit(src, dst, &mut buf);
            buf
        };
        let a = unsolicited_na(src, dst, &na(false), Segment::default(), None).unwrap();
        assert_eq!(a.mac, Some([0, 0, 0x5e, 0, 2, 51]));
        assert!(unsolicited_na(src, dst, &na(true), Segment::default(), None).is_none());
    }

    #[test]
    fn na_with_a_wrong_checksum_is_not_an_announcement() {
        let src: Ipv6Addr = "fe80::11".parse().unwrap();
        let dst: Ipv6Addr = "ff02::1".parse().unwrap();
        let mut na = vec![136, 0, 0, 0, 0x20, 0, 0, 0];
        na.extend_from_slice(&"2001:db8::100".parse::<Ipv6Addr>().unwrap().octets());
        assert!(unsolicited_na(src, dst, &na, Segment::default(), None).is_none());
    }

    #[test]
    fn icmp_quote_of_an_ipv4_vrrp_header_is_recognised_and_of_udp_is_not() {
        let quote = |protocol| {
            let h = Ipv4Header::new(
                std::net::Ipv4Addr::new(192, 0, 2, 11),
                std::net::Ipv4Addr::new(224, 0, 0, 18),
                protocol,
                255,
                20,
            );
            let mut buf = vec![0u8; 28];
            h.emit(&mut buf);
            buf
        };
        assert!(quotes_vrrp_v4(&quote(112)));
        assert!(!quotes_vrrp_v4(&quote(17)));
        assert!(!quotes_vrrp_v4(&quote(112)[..12]));
    }

    #[test]
    fn icmpv6_quote_of_an_ipv6_vrrp_header_cut_short_is_recognised_and_of_udp_is_not() {
        let quote = |next_header| {
            let h = Ipv6Header {
                traffic_class: 0,
                flow_label: 0,
                payload_len: 1200,
                next_header,
                hop_limit: 255,
                source: "fe80::11".parse().unwrap(),
                destination: "ff02::12".parse().unwrap(),
            };
            let mut buf = vec![0u8; 48];
            h.emit(&mut buf);
            buf
        };
        assert!(quotes_vrrp_v6(&quote(112)));
        assert!(!quotes_vrrp_v6(&quote(17)));
        assert!(!quotes_vrrp_v6(&quote(112)[..39]));
    }

    #[test]
    fn igmpv3_change_records_are_joins_and_leaves_of_the_vrrp_group() {
        let report = |kind: u8| {
            let mut p = vec![0x22, 0, 0, 0, 0, 0, 0, 1, kind, 0, 0, 0];
            p.extend_from_slice(&[224, 0, 0, 18]);
            p
        };
        assert_eq!(igmp(&report(4), [224, 0, 0, 18]), Some(Membership::Join));
        assert_eq!(igmp(&report(3), [224, 0, 0, 18]), Some(Membership::Leave));
        assert_eq!(igmp(&report(4), [224, 0, 0, 22]), None);
    }
}
