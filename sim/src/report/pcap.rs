//! The simulated segment's traffic as a classic pcap (Ethernet, µs timestamps).
//!
//! turmoil carries no IP or Ethernet headers, so they are synthesised around the real VRRP
//! bytes the cores emitted: source MAC `02:00:5e:xx:xx:xx` from the host address (keepalived
//! without `use_vmac` sends from the interface MAC), destination the IPv4 multicast MAC of the
//! group or the peer's host MAC, IPv4 with TTL as transmitted, DSCP CS6 and protocol 112.
//! Gratuitous ARPs are ARP requests from the VIP to itself, to the broadcast MAC.
//!
//! IPv6 worlds: VRRP in IPv6 (next header 112, hop limit as transmitted) to `33:33:00:00:00:12`
//! for ff02::12 (or the peer's host MAC for unicast), and unsolicited neighbour advertisements
//! (`core::wire::NeighbourAdvertFrame::unsolicited`: from the VIP to ff02::1, Router and
//! Override flags, the sender's MAC as target link-layer address). A node's MAC is the same in
//! both families: derived from its IPv4 host address.

use crate::observe::{PacketKind, PacketRecord};
use crate::scenario::link_local_of;
use etherparse::{
    ArpEthIpv4Packet, ArpOperation, ArpPacket, IpDscp, IpHeaders, IpNumber, Ipv4Header,
    PacketBuilder,
};
use pcap_file::pcap::{PcapPacket, PcapWriter};
use std::collections::BTreeMap;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;
use vrrplab_core::wire::{MacAddress, NeighbourAdvertFrame};

/// The wall-clock origin written into the capture (2023-11-14T22:13:20Z), the same as the
/// simulation's epoch.
pub const CAPTURE_EPOCH: Duration = Duration::from_secs(1_700_000_000);

/// The synthetic MAC of a host address.
pub fn host_mac(addr: Ipv4Addr) -> [u8; 6] {
    let o = addr.octets();
    [0x02, 0x00, 0x5e, o[1], o[2], o[3]]
}

fn multicast_mac(group: Ipv4Addr) -> [u8; 6] {
    let o = group.octets();
    [0x01, 0x00, 0x5e, o[1] & 0x7f, o[2], o[3]]
}

/// The Ethernet multicast MAC of an IPv6 group: `33:33` and its last four bytes.
fn ipv6_multicast_mac(group: Ipv6Addr) -> [u8; 6] {
    let o = group.octets();
    [0x33, 0x33, o[12], o[13], o[14], o[15]]
}

/// A pcap could not be written.
#[derive(Debug)]
pub struct PcapError(pub String);

impl std::fmt::Display for PcapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write pcap: {}", self.0)
    }
}

impl std::error::Error for PcapError {}

/// Builds the Ethernet frame of one recorded packet; `hosts` maps node names to addresses.
pub fn frame(p: &PacketRecord, hosts: &BTreeMap<String, Ipv4Addr>) -> Result<Vec<u8>, PcapError> {
    let err = |e: &dyn std::fmt::Display| PcapError(e.to_string());
    let host = hosts.get(&p.node).copied().unwrap_or(Ipv4Addr::UNSPECIFIED);
    let src_mac = host_mac(host);
    let mut out = Vec::new();
    match &p.kind {
        PacketKind::Vrrp => {
            let (src, dst) = match (p.src, p.dst) {
                (IpAddr::V4(src), IpAddr::V4(dst)) => (src, dst),
                (IpAddr::V6(src), IpAddr::V6(dst)) => {
                    let dst_mac = if dst.is_multicast() {
                        ipv6_multicast_mac(dst)
                    } else {
                        hosts
                            .values()
                            .find(|a| link_local_of(**a) == dst)
                            .map(|a| host_mac(*a))
                            .unwrap_or([0x02, 0, 0x5e, 0, 0, 0])
                    };
                    PacketBuilder::ethernet2(src_mac, dst_mac)
                        .ipv6(src.octets(), dst.octets(), p.hop_limit)
                        .write(&mut out, IpNumber::VRRP, &p.payload)
                        .map_err(|e| err(&e))?;
                    return Ok(out);
                }
                _ => {
                    return Err(PcapError(
                        "VRRP packet mixes IPv4 and IPv6 addresses".into(),
                    ));
                }
            };
            let dst_mac = if dst.is_multicast() {
                multicast_mac(dst)
            } else {
                host_mac(dst)
            };
            let len = u16::try_from(p.payload.len()).map_err(|e| err(&e))?;
            let mut ip =
                Ipv4Header::new(len, p.hop_limit, IpNumber::VRRP, src.octets(), dst.octets())
                    .map_err(|e| err(&e))?;
            ip.dscp = IpDscp::CS6;
            PacketBuilder::ethernet2(src_mac, dst_mac)
                .ip(IpHeaders::Ipv4(ip, Default::default()))
                .write(&mut out, IpNumber::VRRP, &p.payload)
                .map_err(|e| err(&e))?;
        }
        PacketKind::Garp { address, .. } => {
            let arp: ArpPacket = ArpEthIpv4Packet {
                operation: ArpOperation::REQUEST,
                sender_mac: src_mac,
                sender_ipv4: address.octets(),
                target_mac: [0; 6],
                target_ipv4: address.octets(),
            }
            .into();
            PacketBuilder::ethernet2(src_mac, [0xff; 6])
                .arp(arp)
                .write(&mut out)
                .map_err(|e| err(&e))?;
        }
        PacketKind::Na { address, .. } => {
            out = NeighbourAdvertFrame::unsolicited(MacAddress(src_mac), *address, true).to_bytes();
        }
    }
    Ok(out)
}

/// Writes every recorded packet as a pcap to `w`.
pub fn write<W: Write>(
    w: W,
    packets: &[PacketRecord],
    hosts: &BTreeMap<String, Ipv4Addr>,
) -> Result<usize, PcapError> {
    let mut writer = PcapWriter::new(w).map_err(|e| PcapError(e.to_string()))?;
    for p in packets {
        let data = frame(p, hosts)?;
        let len = u32::try_from(data.len()).map_err(|e| PcapError(e.to_string()))?;
        writer
            .write_packet(&PcapPacket::new(CAPTURE_EPOCH + p.t, len, &data))
            .map_err(|e| PcapError(e.to_string()))?;
    }
    Ok(packets.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::link_local_of;

    fn hosts() -> BTreeMap<String, Ipv4Addr> {
        [
            ("a".to_string(), Ipv4Addr::new(192, 0, 2, 11)),
            ("b".to_string(), Ipv4Addr::new(192, 0, 2, 12)),
        ]
        .into_iter()
        .collect()
    }

    fn record(kind: PacketKind, src: IpAddr, dst: IpAddr, payload: Vec<u8>) -> PacketRecord {
        PacketRecord {
            t: Duration::ZERO,
            node: "a".into(),
            src,
            dst,
            hop_limit: 255,
            payload,
            kind,
        }
    }

    #[test]
    fn ipv6_vrrp_goes_to_the_ff02_12_multicast_mac_with_hop_limit_255() {
        let src = IpAddr::V6(link_local_of(Ipv4Addr::new(192, 0, 2, 11)));
        let group: IpAddr = "ff02::12".parse().unwrap();
        let f = frame(
            &record(
                PacketKind::Vrrp,
                src,
                group,
                vec![0x31, 52, 150, 1, 0, 100, 0, 0],
            ),
            &hosts(),
        )
        .unwrap();
        assert_eq!(&f[0..6], &[0x33, 0x33, 0, 0, 0, 0x12]);
        assert_eq!(&f[6..12], &host_mac(Ipv4Addr::new(192, 0, 2, 11)));
        assert_eq!(&f[12..14], &[0x86, 0xdd]);
        assert_eq!(f[14 + 6], 112, "next header VRRP");
        assert_eq!(f[14 + 7], 255, "hop limit");
    }

    #[test]
    fn unicast_ipv6_vrrp_goes_to_the_peer_host_mac() {
        let src = IpAddr::V6(link_local_of(Ipv4Addr::new(192, 0, 2, 11)));
        let dst = IpAddr::V6(link_local_of(Ipv4Addr::new(192, 0, 2, 12)));
        let f = frame(
            &record(PacketKind::Vrrp, src, dst, vec![0x31, 52]),
            &hosts(),
        )
        .unwrap();
        assert_eq!(&f[0..6], &host_mac(Ipv4Addr::new(192, 0, 2, 12)));
    }

    #[test]
    fn unsolicited_na_frame_is_what_the_core_builds_and_parses_back() {
        let vip: Ipv6Addr = "2001:db8::100".parse().unwrap();
        let all_nodes: IpAddr = "ff02::1".parse().unwrap();
        let f = frame(
            &record(
                PacketKind::Na {
                    address: vip,
                    vrid: 52,
                },
                IpAddr::V6(vip),
                all_nodes,
                Vec::new(),
            ),
            &hosts(),
        )
        .unwrap();
        let na = NeighbourAdvertFrame::parse(&f).unwrap();
        assert_eq!(na.unsolicited_address(), Some(vip));
        assert_eq!(na.source.0, host_mac(Ipv4Addr::new(192, 0, 2, 11)));
        assert_eq!(na.hop_limit, 255);
    }

    #[test]
    fn a_vrrp_record_mixing_families_is_an_error() {
        let r = record(
            PacketKind::Vrrp,
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11)),
            "ff02::12".parse().unwrap(),
            vec![0x31, 52],
        );
        assert!(frame(&r, &hosts()).is_err());
    }
}
