//! Generated captures for the replay and watch benches: Ethernet VRRPv2 adverts of two routers
//! (1 s apart), a failover every `failover_every` adverts with a GARP burst, as classic pcap.

use std::net::{IpAddr, Ipv4Addr};
use vrrplab_core::wire::{
    Advert, Authentication, ChecksumConvention, IP_PROTOCOL_VRRP, Ipv4Header, MULTICAST_GROUP_V4,
    Version,
};

/// Ethernet + IPv4 (TTL 255, DSCP CS6 like keepalived) around a VRRP message.
pub fn frame(mac: u8, src: Ipv4Addr, vrrp: &[u8]) -> Vec<u8> {
    let mut f = vec![
        0x01, 0x00, 0x5e, 0x00, 0x00, 0x12, 0x02, 0, 0, 0, 0, mac, 0x08, 0x00,
    ];
    let ip = Ipv4Header {
        tos: 0xc0,
        ..Ipv4Header::new(src, MULTICAST_GROUP_V4, IP_PROTOCOL_VRRP, 255, vrrp.len())
    };
    let at = f.len();
    f.resize(at + ip.buffer_len(), 0);
    ip.emit(&mut f[at..]);
    f.extend_from_slice(vrrp);
    f
}

/// A gratuitous ARP for `vip` from `02:00:00:00:00:mac`.
pub fn garp(mac: u8, vip: Ipv4Addr) -> Vec<u8> {
    let m = [0x02, 0, 0, 0, 0, mac];
    let mut f = vec![0xff; 6];
    f.extend_from_slice(&m);
    f.extend_from_slice(&[0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1]);
    f.extend_from_slice(&m);
    f.extend_from_slice(&vip.octets());
    f.extend_from_slice(&[0; 6]);
    f.extend_from_slice(&vip.octets());
    f
}

/// Classic pcap bytes (µs) of `adverts` adverts; the master changes (silence, then the other
/// router Master_Down_Interval later, with 5 GARPs) every `failover_every` adverts.
pub fn alternating_masters(adverts: u64, failover_every: u64) -> Vec<u8> {
    let vip = Ipv4Addr::new(192, 0, 2, 100);
    let routers = [
        (1u8, Ipv4Addr::new(192, 0, 2, 11), 100u8),
        (2, Ipv4Addr::new(192, 0, 2, 12), 99),
    ];
    let payloads: Vec<Vec<u8>> = routers
        .iter()
        .map(|(mac, src, prio)| {
            let bytes = Advert {
                version: Version::V2,
                vrid: 51,
                priority: *prio,
                interval_cs: 100,
                authentication: Authentication::simple_password("1111"),
                addresses: vec![IpAddr::V4(vip)],
            }
            .to_bytes(
                IpAddr::V4(*src),
                IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18)),
                ChecksumConvention::PseudoHeader,
            );
            frame(*mac, *src, &bytes)
        })
        .collect();
    let mut out = Vec::with_capacity(adverts as usize * 100);
    out.extend_from_slice(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&262_144u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    let mut push = |t_us: u64, f: &[u8]| {
        out.extend_from_slice(&((t_us / 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&((t_us % 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    };
    let mut t: u64 = 1_795_300_000_000_000;
    let mut master = 0usize;
    for n in 0..adverts {
        if n > 0 && n % failover_every == 0 {
            master = 1 - master;
            t += 2_620_000; // the old master stopped: Master_Down_Interval later the other one adverts
        }
        push(t + (n % 7), &payloads[master]);
        if n % failover_every == 0 {
            for k in 0..5 {
                push(t + 1_000 + k * 300, &garp(routers[master].0, vip));
            }
        }
        t += 1_000_000;
    }
    out
}
