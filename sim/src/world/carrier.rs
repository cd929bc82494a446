//! The carrier: how VRRP, announcements and gateway pings ride in the world's UDP datagrams.
//!
//! A simulated host has one address and no IP layer, so the IP facts the kernel would hand a
//! VRRP daemon travel in a small header in front of the exact VRRP bytes the core emitted:
//!
//! - VRRP, IPv4 world: `[src IPv4 (4)][dst IPv4 (4)][TTL (1)][VRRP message]`;
//! - VRRP, IPv6 world: `[src IPv6 (16)][dst IPv6 (16)][hop limit (1)][VRRP message]`;
//!   sent to `(group, 112)` (224.0.0.18 / ff02::12) or `(unicast peer, 112)`;
//! - an announcement (gratuitous ARP or unsolicited NA) to the client host:
//!   `[address (4|16)][VRID]`;
//! - a gateway ping: the probe's sequence number, big-endian (the gateway echoes it).
//!
//! Contract: [`decode_vrrp`] accepts exactly what [`encode_vrrp`] produced in the same family
//! (and anything else long enough to hold a header and two VRRP bytes: the core validates the
//! message itself); addresses of the other family are not encoded ([`Scenario::validate`]
//! keeps one family per scenario).
//!
//! [`Scenario::validate`]: crate::Scenario::validate

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Size of the carrier header in front of the VRRP bytes (IPv4 world).
const HEADER_V4: usize = 9;
/// Size of the carrier header in an IPv6 world.
const HEADER_V6: usize = 33;

/// The IP facts of one carried VRRP message and the message itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Carried<'a> {
    /// IP source the core chose.
    pub(crate) src: IpAddr,
    /// IP destination (group or unicast peer).
    pub(crate) dst: IpAddr,
    /// TTL / hop limit.
    pub(crate) hop_limit: u8,
    /// The VRRP message.
    pub(crate) payload: &'a [u8],
}

impl Carried<'_> {
    /// The VRID byte of the carried VRRP message ([`decode_vrrp`] guarantees it is there).
    pub(crate) fn vrid(&self) -> u8 {
        self.payload[1]
    }
}

/// The datagram for one VRRP transmission in a world of family `v6`; `None` when `src` or
/// `dst` is of the other family.
pub(crate) fn encode_vrrp(
    v6: bool,
    src: IpAddr,
    dst: IpAddr,
    hop_limit: u8,
    payload: &[u8],
) -> Option<Vec<u8>> {
    let mut datagram = Vec::with_capacity(HEADER_V6 + payload.len());
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) if !v6 => {
            datagram.extend_from_slice(&s.octets());
            datagram.extend_from_slice(&d.octets());
        }
        (IpAddr::V6(s), IpAddr::V6(d)) if v6 => {
            datagram.extend_from_slice(&s.octets());
            datagram.extend_from_slice(&d.octets());
        }
        _ => return None,
    }
    datagram.push(hop_limit);
    datagram.extend_from_slice(payload);
    Some(datagram)
}

/// Reads a VRRP datagram of a world of family `v6`; `None` when it cannot hold a header and
/// the VRRP version/type and VRID bytes.
pub(crate) fn decode_vrrp(v6: bool, datagram: &[u8]) -> Option<Carried<'_>> {
    let header = if v6 { HEADER_V6 } else { HEADER_V4 };
    if datagram.len() < header + 2 {
        return None;
    }
    let (src, dst) = if v6 {
        (
            IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(&datagram[..16]).ok()?)),
            IpAddr::V6(Ipv6Addr::from(
                <[u8; 16]>::try_from(&datagram[16..32]).ok()?,
            )),
        )
    } else {
        (
            IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(&datagram[..4]).ok()?)),
            IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(&datagram[4..8]).ok()?)),
        )
    };
    Some(Carried {
        src,
        dst,
        hop_limit: datagram[header - 1],
        payload: &datagram[header..],
    })
}

/// The message telling the client host that `address` (of VRID `vrid`) is at the sender.
pub(crate) fn encode_announcement(address: IpAddr, vrid: u8) -> Vec<u8> {
    let mut msg = match address {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    msg.push(vrid);
    msg
}

/// Reads an announcement: the announced address and its VRID.
pub(crate) fn decode_announcement(msg: &[u8]) -> Option<(IpAddr, u8)> {
    match msg.len() {
        5 => Some((
            IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(&msg[..4]).ok()?)),
            msg[4],
        )),
        17 => Some((
            IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(&msg[..16]).ok()?)),
            msg[16],
        )),
        _ => None,
    }
}

/// A gateway ping carrying probe sequence number `seq`.
pub(crate) fn encode_ping(seq: u16) -> [u8; 2] {
    seq.to_be_bytes()
}

/// The sequence number an echoed ping carries.
pub(crate) fn decode_ping(reply: &[u8]) -> Option<u16> {
    let [hi, lo, ..] = *reply else {
        return None;
    };
    Some(u16::from_be_bytes([hi, lo]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv4_vrrp_round_trips_with_its_ip_facts() {
        let payload = [0x21, 51, 100, 1, 0, 1, 0xab, 0xcd, 192, 0, 2, 100];
        let d = encode_vrrp(false, v4("192.0.2.11"), v4("224.0.0.18"), 255, &payload).unwrap();
        assert_eq!(d.len(), HEADER_V4 + payload.len());
        let c = decode_vrrp(false, &d).unwrap();
        assert_eq!(c.src, v4("192.0.2.11"));
        assert_eq!(c.dst, v4("224.0.0.18"));
        assert_eq!(c.hop_limit, 255);
        assert_eq!(c.payload, payload);
        assert_eq!(c.vrid(), 51);
    }

    #[test]
    fn ipv6_vrrp_round_trips_with_its_ip_facts() {
        let payload = [0x31, 51, 100, 1];
        let d = encode_vrrp(true, v4("fe80::11"), v4("ff02::12"), 255, &payload).unwrap();
        let c = decode_vrrp(true, &d).unwrap();
        assert_eq!(
            (c.src, c.dst, c.hop_limit),
            (v4("fe80::11"), v4("ff02::12"), 255)
        );
        assert_eq!(c.payload, payload);
    }

    #[test]
    fn an_address_of_the_other_family_is_not_carried() {
        assert!(encode_vrrp(false, v4("fe80::11"), v4("ff02::12"), 255, &[1, 2]).is_none());
        assert!(encode_vrrp(true, v4("192.0.2.11"), v4("224.0.0.18"), 255, &[1, 2]).is_none());
    }

    #[test]
    fn a_datagram_without_room_for_the_vrid_is_not_decoded() {
        assert!(decode_vrrp(false, &[0; HEADER_V4 + 1]).is_none());
        assert!(decode_vrrp(false, &[0; HEADER_V4 + 2]).is_some());
        assert!(decode_vrrp(true, &[0; HEADER_V6 + 1]).is_none());
    }

    #[test]
    fn announcements_and_pings_round_trip() {
        for a in [v4("192.0.2.100"), v4("2001:db8::100")] {
            assert_eq!(
                decode_announcement(&encode_announcement(a, 51)),
                Some((a, 51))
            );
        }
        assert_eq!(decode_announcement(&[1, 2, 3]), None);
        assert_eq!(decode_ping(&encode_ping(0xbeef)), Some(0xbeef));
        assert_eq!(decode_ping(&[7]), None);
    }
}
