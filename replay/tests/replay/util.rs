//! Helpers for replay tests: adverts, frames and capture files built in memory.

use etherparse::{IpNumber, PacketBuilder};
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::{DataLink, TsResolution};
use std::net::IpAddr;
use std::time::Duration;
use vrrplab_core::wire::{Advert, Authentication, ChecksumConvention, Version};
use vrrplab_replay::{Report, replay_reader};

/// Capture start used by hand-made captures (2026-11-22).
pub const T0: u64 = 1_795_400_000_000_000_000;
/// One second in ns.
pub const S: u64 = 1_000_000_000;

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

pub fn mac(n: u8) -> [u8; 6] {
    [0x02, 0, 0, 0, 0, n]
}

/// VRRP message bytes for `src` → its family's group.
pub fn advert(
    version: Version,
    vrid: u8,
    priority: u8,
    interval_cs: u16,
    src: IpAddr,
    vips: &[IpAddr],
    auth: Authentication,
) -> Vec<u8> {
    let dst = vrrplab_core::wire::Family::of(&src).multicast_group();
    Advert {
        version,
        vrid,
        priority,
        interval_cs,
        authentication: auth,
        addresses: vips.to_vec(),
    }
    .to_bytes(src, dst, ChecksumConvention::PseudoHeader)
}

/// An IP packet (no link layer) carrying `payload` with protocol 112.
pub fn ip_packet(src: IpAddr, hop_limit: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match src {
        IpAddr::V4(s) => PacketBuilder::ipv4(s.octets(), [224, 0, 0, 18], hop_limit)
            .write(&mut out, IpNumber::VRRP, payload)
            .unwrap(),
        IpAddr::V6(s) => PacketBuilder::ipv6(
            s.octets(),
            "ff02::12".parse::<std::net::Ipv6Addr>().unwrap().octets(),
            hop_limit,
        )
        .write(&mut out, IpNumber::VRRP, payload)
        .unwrap(),
    }
    out
}

fn ether_type(ip_packet: &[u8]) -> [u8; 2] {
    if ip_packet[0] >> 4 == 6 {
        [0x86, 0xdd]
    } else {
        [0x08, 0x00]
    }
}

/// Ethernet II (optionally 802.1Q tagged) around an IP packet or ARP (`ether_type` given).
pub fn ethernet(
    src: [u8; 6],
    dst: [u8; 6],
    vlan: Option<u16>,
    ether: [u8; 2],
    body: &[u8],
) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    if let Some(v) = vlan {
        f.extend_from_slice(&[0x81, 0x00]);
        f.extend_from_slice(&(v & 0x0fff).to_be_bytes());
    }
    f.extend_from_slice(&ether);
    f.extend_from_slice(body);
    f
}

/// Ethernet around an IP packet, to the family's VRRP multicast MAC.
pub fn ethernet_ip(src: [u8; 6], vlan: Option<u16>, packet: &[u8]) -> Vec<u8> {
    let et = ether_type(packet);
    let dst = if et == [0x86, 0xdd] {
        [0x33, 0x33, 0, 0, 0, 0x12]
    } else {
        [0x01, 0, 0x5e, 0, 0, 0x12]
    };
    ethernet(src, dst, vlan, et, packet)
}

/// Linux cooked v1 header (packet type multicast) around an IP packet.
pub fn sll(src: [u8; 6], packet: &[u8]) -> Vec<u8> {
    let mut f = vec![0, 2, 0, 1, 0, 6];
    f.extend_from_slice(&src);
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(&ether_type(packet));
    f.extend_from_slice(packet);
    f
}

/// Linux cooked v2 header (interface index `ifindex`) around an IP packet.
pub fn sll2(src: [u8; 6], ifindex: u32, packet: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&ether_type(packet));
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(&ifindex.to_be_bytes());
    f.extend_from_slice(&[0, 1, 2, 6]);
    f.extend_from_slice(&src);
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(packet);
    f
}

/// A gratuitous ARP for `vip` from `src` (Ethernet frame).
pub fn garp(src: [u8; 6], vip: [u8; 4]) -> Vec<u8> {
    let mut arp = vec![0, 1, 0x08, 0x00, 6, 4, 0, 1];
    arp.extend_from_slice(&src);
    arp.extend_from_slice(&vip);
    arp.extend_from_slice(&[0; 6]);
    arp.extend_from_slice(&vip);
    ethernet(src, [0xff; 6], None, [0x08, 0x06], &arp)
}

/// Classic pcap bytes (ns resolution) of `frames` with `datalink`.
pub fn pcap(datalink: DataLink, frames: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let header = PcapHeader {
        datalink,
        ts_resolution: TsResolution::NanoSecond,
        ..Default::default()
    };
    let mut w = PcapWriter::with_header(Vec::new(), header).unwrap();
    for (t, f) in frames {
        w.write_packet(&PcapPacket::new(
            Duration::from_nanos(*t),
            f.len() as u32,
            f,
        ))
        .unwrap();
    }
    w.into_writer()
}

/// Replays in-memory capture bytes. With `VRRPLAB_TEST_PCAP_DIR` set, the capture is also
/// written there under `name` (to look at it with tshark).
pub fn replay(name: &str, bytes: &[u8]) -> Report {
    if let Some(dir) = std::env::var_os("VRRPLAB_TEST_PCAP_DIR") {
        std::fs::write(std::path::Path::new(&dir).join(name), bytes).unwrap();
    }
    replay_reader(name, bytes).unwrap()
}

/// A Cisco IOS VRRPv2 advert with MD5 authentication (auth type 254) from `src`: header,
/// addresses, 8 zero bytes, then a 30-byte MD5 block (type 3, length 28, algorithm 1, flags,
/// the sender's address, key id 1, a 16-byte digest). The checksum covers the whole payload,
/// as tshark checks it (50 bytes for one address, as Cisco IOS sends).
pub fn cisco_md5_advert(vrid: u8, priority: u8, src: IpAddr, vips: &[IpAddr]) -> Vec<u8> {
    let IpAddr::V4(sender) = src else {
        panic!("Cisco MD5 is VRRPv2, IPv4 only")
    };
    let mut p = vec![0x21, vrid, priority, vips.len() as u8, 254, 1, 0, 0];
    for v in vips {
        let IpAddr::V4(v) = v else {
            panic!("IPv4 VIPs")
        };
        p.extend_from_slice(&v.octets());
    }
    p.extend_from_slice(&[0; 8]);
    p.extend_from_slice(&[3, 28, 1, 0, 0, 0]);
    p.extend_from_slice(&sender.octets());
    p.extend_from_slice(&1u32.to_be_bytes());
    p.extend((0..16u8).map(|i| i.wrapping_mul(17) ^ priority));
    let sum = vrrplab_core::wire::checksum::message_only(&p);
    p[6..8].copy_from_slice(&sum.to_be_bytes());
    p
}

/// The standard hand-made story: A (.11 / fe80::11, priority 100) advertises 5 times at 1 s,
/// goes silent; B (.12, priority 99) takes over 3.620 s after A's last advert, sends a GARP
/// burst 2 ms later (when `with_garp`) and 3 more adverts. Returns (time, IP packet, MAC) of
/// every VRRP frame, and GARP Ethernet frames separately.
pub struct Story {
    pub adverts: Vec<(u64, Vec<u8>, [u8; 6])>,
    pub garps: Vec<(u64, Vec<u8>)>,
}

pub const GAP_NS: u64 = 3_620_000_000;

pub fn story(version: Version, a: IpAddr, b: IpAddr, vip: IpAddr) -> Story {
    let auth = if version == Version::V2 {
        Authentication::simple_password("1111")
    } else {
        Authentication::None
    };
    let mut adverts = Vec::new();
    for k in 0..5 {
        let payload = advert(version, 51, 100, 100, a, &[vip], auth.clone());
        adverts.push((T0 + k * S, ip_packet(a, 255, &payload), mac(1)));
    }
    let takeover = T0 + 4 * S + GAP_NS;
    for k in 0..4 {
        let payload = advert(version, 51, 99, 100, b, &[vip], auth.clone());
        adverts.push((takeover + k * S, ip_packet(b, 255, &payload), mac(2)));
    }
    let garps = match vip {
        IpAddr::V4(v) => (0..5)
            .map(|k| (takeover + 2_000_000 + k * 300_000, garp(mac(2), v.octets())))
            .collect(),
        IpAddr::V6(_) => Vec::new(),
    };
    Story { adverts, garps }
}
