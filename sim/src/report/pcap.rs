//! The simulated segment's traffic as a classic pcap (Ethernet, µs timestamps).
//!
//! turmoil carries no IP or Ethernet headers, so they are synthesised around the real VRRP
//! bytes the cores emitted, with core's wire emitters (`vrrplab_core::wire`), which hold the
//! protocol knowledge: source MAC `02:00:5e:xx:xx:xx` from the host address (keepalived without
//! `use_vmac` sends from the interface MAC), destination the multicast MAC of the group or the
//! peer's host MAC, and keepalived's IP header ([`IpFrame::vrrp`]: TOS / traffic class 0xc0,
//! TTL / hop limit as transmitted, protocol 112, IPv4 header checksum). Gratuitous ARPs are
//! keepalived's ([`ArpFrame::gratuitous`]: a broadcast request from the VIP to itself).
//!
//! IPv6 worlds: VRRP in IPv6 to `33:33:00:00:00:12` for ff02::12 (or the peer's host MAC for
//! unicast), and unsolicited neighbour advertisements ([`NeighbourAdvertFrame::unsolicited`]:
//! from the VIP to ff02::1, Router and Override flags, the sender's MAC as target link-layer
//! address). A node's MAC is the same in both families: derived from its IPv4 host address.

use crate::observe::{PacketKind, PacketRecord};
use crate::scenario::link_local_of;
use pcap_file::pcap::{PcapPacket, PcapWriter};
use std::collections::BTreeMap;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;
use vrrplab_core::wire::{ArpFrame, IpFrame, MacAddress, NeighbourAdvertFrame};

/// The wall-clock origin written into the capture (2023-11-14T22:13:20Z), the same as the
/// simulation's epoch.
pub const CAPTURE_EPOCH: Duration = Duration::from_secs(1_700_000_000);

/// The synthetic MAC of a host address.
pub fn host_mac(addr: Ipv4Addr) -> [u8; 6] {
    let o = addr.octets();
    [0x02, 0x00, 0x5e, o[1], o[2], o[3]]
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

/// The Ethernet destination of a VRRP packet to `dst`: the group's multicast MAC, or the host
/// MAC of the node owning the unicast address (`02:00:5e:00:00:00` for an unknown peer).
fn destination_mac(dst: IpAddr, hosts: &BTreeMap<String, Ipv4Addr>) -> MacAddress {
    match dst {
        IpAddr::V4(group) if group.is_multicast() => MacAddress::ipv4_multicast(group),
        IpAddr::V6(group) if group.is_multicast() => MacAddress::ipv6_multicast(group),
        IpAddr::V4(peer) => MacAddress(host_mac(peer)),
        IpAddr::V6(peer) => MacAddress(
            hosts
                .values()
                .find(|a| link_local_of(**a) == peer)
                .map(|a| host_mac(*a))
                .unwrap_or([0x02, 0, 0x5e, 0, 0, 0]),
        ),
    }
}

/// Builds the Ethernet frame of one recorded packet; `hosts` maps node names to addresses.
pub fn frame(p: &PacketRecord, hosts: &BTreeMap<String, Ipv4Addr>) -> Result<Vec<u8>, PcapError> {
    let host = hosts.get(&p.node).copied().unwrap_or(Ipv4Addr::UNSPECIFIED);
    let src_mac = MacAddress(host_mac(host));
    Ok(match &p.kind {
        PacketKind::Vrrp => {
            let dst_mac = destination_mac(p.dst, hosts);
            IpFrame::vrrp(dst_mac, src_mac, p.src, p.dst, p.hop_limit, &p.payload)
                .ok_or_else(|| {
                    PcapError(format!(
                        "VRRP packet of {} bytes from {} to {} fits no IP header \
                         (mixed address families or too long)",
                        p.payload.len(),
                        p.src,
                        p.dst
                    ))
                })?
                .to_bytes()
        }
        PacketKind::Garp { address, .. } => ArpFrame::gratuitous(src_mac, *address).to_bytes(),
        PacketKind::Na { address, .. } => {
            NeighbourAdvertFrame::unsolicited(src_mac, *address, true).to_bytes()
        }
    })
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
    use std::net::Ipv6Addr;
    use vrrplab_core::wire::{IpHeader, MULTICAST_GROUP_V4};

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
    fn ipv4_vrrp_frame_is_keepalived_framing_with_a_valid_header_checksum() {
        let src = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11));
        let payload = vec![0x31, 52, 150, 1, 0, 100, 0, 0, 192, 0, 2, 100];
        let f = frame(
            &record(
                PacketKind::Vrrp,
                src,
                IpAddr::V4(MULTICAST_GROUP_V4),
                payload.clone(),
            ),
            &hosts(),
        )
        .unwrap();
        assert_eq!(&f[0..6], &[0x01, 0x00, 0x5e, 0, 0, 0x12]);
        let parsed = IpFrame::parse(&f).unwrap();
        let IpHeader::V4(ip) = parsed.header else {
            panic!("not IPv4: {:?}", parsed.header)
        };
        assert!(ip.checksum_valid(&f[14..]));
        assert_eq!((ip.tos, ip.ttl, ip.protocol), (0xc0, 255, 112));
        assert_eq!(parsed.payload, &payload[..]);
    }

    #[test]
    fn unicast_ipv4_vrrp_goes_to_the_peer_host_mac() {
        let peer = Ipv4Addr::new(192, 0, 2, 12);
        let f = frame(
            &record(
                PacketKind::Vrrp,
                IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11)),
                IpAddr::V4(peer),
                vec![0x31, 52],
            ),
            &hosts(),
        )
        .unwrap();
        assert_eq!(&f[0..6], &host_mac(peer));
    }

    #[test]
    fn garp_frame_is_keepalived_gratuitous_arp_from_the_sender_mac() {
        let vip = Ipv4Addr::new(192, 0, 2, 100);
        let f = frame(
            &record(
                PacketKind::Garp {
                    address: vip,
                    vrid: 52,
                },
                IpAddr::V4(vip),
                IpAddr::V4(vip),
                Vec::new(),
            ),
            &hosts(),
        )
        .unwrap();
        let garp = ArpFrame::parse(&f).unwrap();
        assert_eq!(garp.arp.gratuitous_address(), Some(vip));
        assert_eq!(garp.source.0, host_mac(Ipv4Addr::new(192, 0, 2, 11)));
        assert_eq!(garp.destination, MacAddress::BROADCAST);
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
