//! The receive path's first step: what a raw VRRP socket gave, decoded without trusting it, into
//! the [`RxMeta`] and payload that [`crate::node::Node::handle_packet`] takes.
//!
//! IPv4 raw sockets hand over the IP header: [`ipv4`] reads TTL, source and destination from it
//! with [`crate::wire::Ipv4Header`] and returns the VRRP payload. IPv6 raw sockets hand over only the payload; the hop limit and
//! destination come from ancillary data, decoded by [`Ipv6Ancillary`]. [`ipv4_received`] and
//! [`ipv6_received`] are what the daemon's socket readers call; the fuzz target `receive_path`
//! and the core's receive-path property test call the same functions. Malformed input is a
//! [`RxError`] (the caller counts it), never a panic.

use crate::io::RxMeta;
use crate::wire::{FrameError, IP_PROTOCOL_VRRP, Ipv4Header};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IP protocol number of VRRP ([`IP_PROTOCOL_VRRP`]).
pub const IPPROTO_VRRP: u8 = IP_PROTOCOL_VRRP;

/// Why a received datagram was not handed to the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RxError {
    /// Shorter than the IPv4 header it claims.
    Truncated,
    /// IP version field is not 4.
    NotIpv4,
    /// Not protocol 112.
    NotVrrp,
    /// IPv6 datagram without a hop limit control message.
    NoHopLimit,
}

impl std::fmt::Display for RxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RxError::Truncated => "truncated IPv4 header",
            RxError::NotIpv4 => "not IPv4",
            RxError::NotVrrp => "not protocol 112",
            RxError::NoHopLimit => "no IPv6 hop limit in ancillary data",
        })
    }
}

/// The parts of an IPv4 datagram the core needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4Datagram<'a> {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Time to live as received.
    pub ttl: u8,
    /// The VRRP message (after the header, cut to the header's total length).
    pub payload: &'a [u8],
}

/// Splits a datagram read from an IPv4 raw socket into header fields and payload, through
/// [`Ipv4Header::parse`]. The kernel gives the whole datagram: a total length beyond it (or
/// inside the header) is a lie, and the bytes we have are what we pass on.
pub fn ipv4(datagram: &[u8]) -> Result<Ipv4Datagram<'_>, RxError> {
    let (header, payload) = Ipv4Header::parse(datagram).map_err(|e| match e {
        FrameError::NotIpv4(_) => RxError::NotIpv4,
        _ => RxError::Truncated,
    })?;
    if header.protocol != IPPROTO_VRRP {
        return Err(RxError::NotVrrp);
    }
    Ok(Ipv4Datagram {
        src: header.source,
        dst: header.destination,
        ttl: header.ttl,
        payload,
    })
}

/// The ancillary data of one IPv6 datagram.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ipv6Ancillary {
    /// `IPV6_HOPLIMIT`.
    pub hop_limit: Option<u8>,
    /// `IPV6_PKTINFO` destination.
    pub dst: Option<Ipv6Addr>,
}

impl Ipv6Ancillary {
    /// Records a hop limit control message (an `int`; values outside 0–255 are ignored).
    pub fn hop_limit(&mut self, value: i32) {
        self.hop_limit = u8::try_from(value).ok();
    }

    /// Records a packet-info destination (raw bytes of `in6_addr`).
    pub fn destination(&mut self, octets: [u8; 16]) {
        self.dst = Some(Ipv6Addr::from(octets));
    }

    /// The destination and hop limit; the destination defaults to the group the socket joined
    /// when the kernel gave no packet info.
    pub fn resolve(&self, group: IpAddr) -> Result<(IpAddr, u8), RxError> {
        let hop_limit = self.hop_limit.ok_or(RxError::NoHopLimit)?;
        Ok((self.dst.map(IpAddr::V6).unwrap_or(group), hop_limit))
    }
}

/// An IPv4 raw-socket datagram read on `interface`, as the core takes it.
pub fn ipv4_received<'a>(
    interface: &str,
    datagram: &'a [u8],
) -> Result<(RxMeta, &'a [u8]), RxError> {
    let d = ipv4(datagram)?;
    let meta = RxMeta {
        interface: interface.to_string(),
        src: IpAddr::V4(d.src),
        dst: IpAddr::V4(d.dst),
        hop_limit: d.ttl,
    };
    Ok((meta, d.payload))
}

/// An IPv6 raw-socket payload read on `interface` from `src` with its ancillary data, as the
/// core takes it; `group` is the destination when the kernel gave no packet info.
pub fn ipv6_received<'a>(
    interface: &str,
    src: Ipv6Addr,
    ancillary: &Ipv6Ancillary,
    group: IpAddr,
    payload: &'a [u8],
) -> Result<(RxMeta, &'a [u8]), RxError> {
    let (dst, hop_limit) = ancillary.resolve(group)?;
    let meta = RxMeta {
        interface: interface.to_string(),
        src: IpAddr::V6(src),
        dst,
        hop_limit,
    };
    Ok((meta, payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(ttl: u8, protocol: u8, total: u16) -> Vec<u8> {
        let mut h = vec![
            0x45, 0, 0, 0, 0, 0, 0, 0, ttl, protocol, 0, 0, 10, 0, 0, 1, 224, 0, 0, 18,
        ];
        h[2..4].copy_from_slice(&total.to_be_bytes());
        h
    }

    #[test]
    fn ipv4_header_gives_ttl_src_dst_and_payload() {
        let mut d = header(255, 112, 28);
        d.extend_from_slice(&[0x21, 51, 100, 1, 0, 0, 0, 0]);
        let got = ipv4(&d).unwrap();
        assert_eq!(got.src, Ipv4Addr::new(10, 0, 0, 1));
        assert_eq!(got.dst, Ipv4Addr::new(224, 0, 0, 18));
        assert_eq!(got.ttl, 255);
        assert_eq!(got.payload, &[0x21, 51, 100, 1, 0, 0, 0, 0]);
    }

    #[test]
    fn ipv4_header_with_options_skips_them() {
        let mut d = header(64, 112, 28);
        d[0] = 0x46;
        d.extend_from_slice(&[0x94, 4, 0, 0]); // router alert option
        d.extend_from_slice(&[1, 2, 3, 4]);
        d[2..4].copy_from_slice(&28u16.to_be_bytes());
        let got = ipv4(&d).unwrap();
        assert_eq!(got.ttl, 64);
        assert_eq!(got.payload, &[1, 2, 3, 4]);
    }

    #[test]
    fn ipv4_total_length_trims_trailing_padding() {
        let mut d = header(255, 112, 22);
        d.extend_from_slice(&[7, 8, 0, 0]);
        assert_eq!(ipv4(&d).unwrap().payload, &[7, 8]);
    }

    #[test]
    fn ipv4_lying_total_length_falls_back_to_received_bytes() {
        let mut d = header(255, 112, 999);
        d.extend_from_slice(&[7, 8]);
        assert_eq!(ipv4(&d).unwrap().payload, &[7, 8]);
    }

    #[test]
    fn ipv4_malformed_headers_are_errors() {
        assert_eq!(ipv4(&[]), Err(RxError::Truncated));
        assert_eq!(ipv4(&[0x45, 0, 0]), Err(RxError::Truncated));
        assert_eq!(ipv4(&header(255, 112, 20)[..19]), Err(RxError::Truncated));
        let mut short_ihl = header(255, 112, 20);
        short_ihl[0] = 0x44;
        assert_eq!(ipv4(&short_ihl), Err(RxError::Truncated));
        let mut v6 = header(255, 112, 20);
        v6[0] = 0x60;
        assert_eq!(ipv4(&v6), Err(RxError::NotIpv4));
        assert_eq!(ipv4(&header(255, 6, 20)), Err(RxError::NotVrrp));
    }

    #[test]
    fn ipv6_ancillary_needs_hop_limit_and_defaults_destination_to_group() {
        let group: IpAddr = "ff02::12".parse().unwrap();
        let mut a = Ipv6Ancillary::default();
        assert_eq!(a.resolve(group), Err(RxError::NoHopLimit));
        a.hop_limit(255);
        assert_eq!(a.resolve(group), Ok((group, 255)));
        let dst: Ipv6Addr = "fe80::1".parse().unwrap();
        a.destination(dst.octets());
        assert_eq!(a.resolve(group), Ok((IpAddr::V6(dst), 255)));
        a.hop_limit(300);
        assert_eq!(a.resolve(group), Err(RxError::NoHopLimit));
    }

    #[test]
    fn received_ipv4_datagram_becomes_meta_and_payload() {
        let mut d = header(255, 112, 24);
        d.extend_from_slice(&[0x31, 7, 0, 0]);
        let (meta, payload) = ipv4_received("eth0", &d).unwrap();
        assert_eq!(meta.interface, "eth0");
        assert_eq!(meta.src, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(meta.dst, IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18)));
        assert_eq!(meta.hop_limit, 255);
        assert_eq!(payload, &[0x31, 7, 0, 0]);
        assert_eq!(ipv4_received("eth0", &[0x45]), Err(RxError::Truncated));
    }

    #[test]
    fn received_ipv6_payload_without_hop_limit_is_an_error() {
        let group: IpAddr = "ff02::12".parse().unwrap();
        let src: Ipv6Addr = "fe80::2".parse().unwrap();
        let mut a = Ipv6Ancillary::default();
        assert_eq!(
            ipv6_received("eth0", src, &a, group, &[1]),
            Err(RxError::NoHopLimit)
        );
        a.hop_limit(255);
        let (meta, payload) = ipv6_received("eth0", src, &a, group, &[1]).unwrap();
        assert_eq!(
            (meta.src, meta.dst, meta.hop_limit),
            (IpAddr::V6(src), group, 255)
        );
        assert_eq!(payload, &[1]);
    }
}
