//! The simulated segment's traffic as a classic pcap (Ethernet, µs timestamps).
//!
//! turmoil carries no IP or Ethernet headers, so they are synthesised around the real VRRP
//! bytes the cores emitted: source MAC `02:00:5e:xx:xx:xx` from the host address (keepalived
//! without `use_vmac` sends from the interface MAC), destination the IPv4 multicast MAC of the
//! group or the peer's host MAC, IPv4 with TTL as transmitted, DSCP CS6 and protocol 112.
//! Gratuitous ARPs are ARP requests from the VIP to itself, to the broadcast MAC.

use crate::observe::{PacketKind, PacketRecord};
use etherparse::{
    ArpEthIpv4Packet, ArpOperation, ArpPacket, IpDscp, IpHeaders, IpNumber, Ipv4Header,
    PacketBuilder,
};
use pcap_file::pcap::{PcapPacket, PcapWriter};
use std::collections::BTreeMap;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

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
            let (IpAddr::V4(src), IpAddr::V4(dst)) = (p.src, p.dst) else {
                return Err(PcapError("IPv6 packets are not simulated".into()));
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
