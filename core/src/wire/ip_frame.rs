//! An IP packet (IPv4 or fixed IPv6 header) in an untagged Ethernet II frame, and keepalived's
//! framing of a VRRP message.
//!
//! The drivers never build these: the kernel writes the IP and link headers of a raw-socket
//! send. The simulator has no kernel, so it frames the VRRP bytes its cores emitted here to
//! write a capture. [`IpFrame::vrrp`] gives the headers keepalived 2.2.7 puts on the wire
//! (testdata/corpus captures): IPv4 with TOS 0xc0 (precedence "internetwork control", DSCP CS6),
//! identification 0, no fragmentation flags, protocol 112 and the header checksum; IPv6 with
//! traffic class 0xc0, flow label 0 (the kernel picks a label per socket; 0 means "none") and
//! next header 112. The TTL / hop limit is the caller's (the core's transmitted value).
//!
//! [`IpFrame::parse`] reads an untrusted frame (VLAN tags skipped) with [`Ipv4Header::parse`] or
//! [`Ipv6Header::parse`] and never panics; it does not look at the protocol, callers do.

use super::IP_PROTOCOL_VRRP;
use super::ethernet::{
    self, ETHERTYPE_IPV4, ETHERTYPE_IPV6, EthernetFrame, FrameError, MacAddress,
};
use super::ipv4::{self, Ipv4Header};
use super::ipv6::{self, Ipv6Header};
use std::net::IpAddr;

/// TOS / traffic class keepalived sends VRRP with: precedence 6 (DSCP CS6).
pub const VRRP_TOS: u8 = 0xc0;

/// The IP header of an [`IpFrame`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpHeader {
    /// IPv4 (EtherType 0x0800).
    V4(Ipv4Header),
    /// IPv6, fixed header only (EtherType 0x86dd).
    V6(Ipv6Header),
}

impl IpHeader {
    /// Source address.
    pub fn source(&self) -> IpAddr {
        match self {
            IpHeader::V4(h) => IpAddr::V4(h.source),
            IpHeader::V6(h) => IpAddr::V6(h.source),
        }
    }

    /// Destination address.
    pub fn destination(&self) -> IpAddr {
        match self {
            IpHeader::V4(h) => IpAddr::V4(h.destination),
            IpHeader::V6(h) => IpAddr::V6(h.destination),
        }
    }

    /// IPv4 protocol or IPv6 next header.
    pub fn protocol(&self) -> u8 {
        match self {
            IpHeader::V4(h) => h.protocol,
            IpHeader::V6(h) => h.next_header,
        }
    }

    /// IPv4 TTL or IPv6 hop limit.
    pub fn hop_limit(&self) -> u8 {
        match self {
            IpHeader::V4(h) => h.ttl,
            IpHeader::V6(h) => h.hop_limit,
        }
    }

    /// Bytes the header takes when emitted: 20 or 40.
    pub const fn buffer_len(&self) -> usize {
        match self {
            IpHeader::V4(_) => ipv4::MIN_HEADER_LEN,
            IpHeader::V6(_) => ipv6::HEADER_LEN,
        }
    }

    const fn ethertype(&self) -> u16 {
        match self {
            IpHeader::V4(_) => ETHERTYPE_IPV4,
            IpHeader::V6(_) => ETHERTYPE_IPV6,
        }
    }
}

/// An IP packet in an Ethernet frame: link addresses, the IP header and the IP payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpFrame<'a> {
    /// Ethernet destination.
    pub destination: MacAddress,
    /// Ethernet source.
    pub source: MacAddress,
    /// The IP header; its length fields are written as carried.
    pub header: IpHeader,
    /// The IP payload (for VRRP: the message, checksum included).
    pub payload: &'a [u8],
}

impl<'a> IpFrame<'a> {
    /// keepalived's frame of the VRRP message `vrrp` sent from `src` to `dst` with `hop_limit`
    /// (see the module docs for the header fields). `None` when `src` and `dst` are of different
    /// families or `vrrp` does not fit in one IP packet.
    pub fn vrrp(
        destination: MacAddress,
        source: MacAddress,
        src: IpAddr,
        dst: IpAddr,
        hop_limit: u8,
        vrrp: &'a [u8],
    ) -> Option<IpFrame<'a>> {
        let header = match (src, dst) {
            (IpAddr::V4(src), IpAddr::V4(dst)) => {
                u16::try_from(ipv4::MIN_HEADER_LEN + vrrp.len()).ok()?;
                IpHeader::V4(Ipv4Header {
                    tos: VRRP_TOS,
                    flags_fragment: 0,
                    ..Ipv4Header::new(src, dst, IP_PROTOCOL_VRRP, hop_limit, vrrp.len())
                })
            }
            (IpAddr::V6(src), IpAddr::V6(dst)) => IpHeader::V6(Ipv6Header {
                traffic_class: VRRP_TOS,
                flow_label: 0,
                payload_len: u16::try_from(vrrp.len()).ok()?,
                next_header: IP_PROTOCOL_VRRP,
                hop_limit,
                source: src,
                destination: dst,
            }),
            _ => return None,
        };
        Some(IpFrame {
            destination,
            source,
            header,
            payload: vrrp,
        })
    }

    /// Reads an untrusted frame: Ethernet (VLAN tags skipped), then IPv4 or IPv6 by EtherType.
    /// The payload is cut to the IP length fields (link padding dropped); the IPv4 header
    /// checksum is not enforced ([`Ipv4Header::checksum_valid`] on the IP bytes tells).
    pub fn parse(frame: &'a [u8]) -> Result<IpFrame<'a>, FrameError> {
        let eth = EthernetFrame::parse(frame)?;
        let (header, payload) = match eth.ethertype {
            ETHERTYPE_IPV4 => {
                let (h, payload) = Ipv4Header::parse(eth.payload)?;
                (IpHeader::V4(h), payload)
            }
            ETHERTYPE_IPV6 => {
                let (h, payload) = Ipv6Header::parse(eth.payload)?;
                (IpHeader::V6(h), payload)
            }
            other => return Err(FrameError::EtherType(other)),
        };
        Ok(IpFrame {
            destination: eth.destination,
            source: eth.source,
            header,
            payload,
        })
    }

    /// Bytes [`IpFrame::emit`] writes: Ethernet header, IP header, payload.
    pub const fn buffer_len(&self) -> usize {
        ethernet::HEADER_LEN + self.header.buffer_len() + self.payload.len()
    }

    /// Writes the frame into `frame[..buffer_len()]` (the IPv4 header with its checksum).
    /// Panics if `frame` is shorter.
    pub fn emit(&self, frame: &mut [u8]) {
        ethernet::emit_header(
            frame,
            self.destination,
            self.source,
            self.header.ethertype(),
        );
        let ip = &mut frame[ethernet::HEADER_LEN..self.buffer_len()];
        let at = self.header.buffer_len();
        match &self.header {
            IpHeader::V4(h) => h.emit(ip),
            IpHeader::V6(h) => h.emit(ip),
        }
        ip[at..].copy_from_slice(self.payload);
    }

    /// The frame as a fresh vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut frame = vec![0u8; self.buffer_len()];
        self.emit(&mut frame);
        frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    const H1: MacAddress = MacAddress([2, 0, 0, 0, 0, 1]);

    fn v4(a: [u8; 4]) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(a))
    }

    #[test]
    fn vrrp_between_families_has_no_frame() {
        let v6: IpAddr = "ff02::12".parse().unwrap();
        assert!(IpFrame::vrrp(H1, H1, v4([192, 0, 2, 11]), v6, 255, &[0x31]).is_none());
        assert!(IpFrame::vrrp(H1, H1, v6, v4([224, 0, 0, 18]), 255, &[0x31]).is_none());
    }

    #[test]
    fn vrrp_longer_than_an_ip_packet_has_no_frame() {
        let (src, dst) = (v4([192, 0, 2, 11]), v4([224, 0, 0, 18]));
        let fits = vec![0u8; 65_535 - 20];
        assert!(IpFrame::vrrp(H1, H1, src, dst, 255, &fits).is_some());
        assert!(IpFrame::vrrp(H1, H1, src, dst, 255, &[0u8; 65_535 - 19]).is_none());
        let (src6, dst6): (IpAddr, IpAddr) =
            ("fe80::1".parse().unwrap(), "ff02::12".parse().unwrap());
        assert!(IpFrame::vrrp(H1, H1, src6, dst6, 255, &[0u8; 65_535]).is_some());
        assert!(IpFrame::vrrp(H1, H1, src6, dst6, 255, &[0u8; 65_536]).is_none());
    }

    #[test]
    fn arp_frame_is_not_an_ip_frame() {
        let garp = crate::wire::ArpFrame::gratuitous(H1, Ipv4Addr::new(192, 0, 2, 100));
        assert_eq!(
            IpFrame::parse(&garp.to_bytes()).unwrap_err(),
            FrameError::EtherType(ethernet::ETHERTYPE_ARP)
        );
    }

    #[test]
    fn link_padding_is_dropped_on_parse() {
        let src = v4([192, 0, 2, 11]);
        let dst = v4([224, 0, 0, 18]);
        let mut bytes = IpFrame::vrrp(H1, H1, src, dst, 255, &[1, 2, 3])
            .unwrap()
            .to_bytes();
        bytes.resize(60, 0);
        assert_eq!(IpFrame::parse(&bytes).unwrap().payload, &[1, 2, 3]);
    }

    proptest! {
        #[test]
        fn any_vrrp_frame_parses_back_to_itself(
            v6: bool, src: [u8; 16], dst: [u8; 16], dst_mac: [u8; 6], src_mac: [u8; 6],
            hop_limit: u8, payload in proptest::collection::vec(any::<u8>(), 0..80),
        ) {
            let (s, d) = if v6 {
                (IpAddr::V6(Ipv6Addr::from(src)), IpAddr::V6(Ipv6Addr::from(dst)))
            } else {
                (v4([src[0], src[1], src[2], src[3]]), v4([dst[0], dst[1], dst[2], dst[3]]))
            };
            let frame = IpFrame::vrrp(MacAddress(dst_mac), MacAddress(src_mac), s, d, hop_limit, &payload).unwrap();
            let bytes = frame.to_bytes();
            prop_assert_eq!(bytes.len(), frame.buffer_len());
            let back = IpFrame::parse(&bytes).unwrap();
            prop_assert_eq!((back.header.source(), back.header.destination()), (s, d));
            prop_assert_eq!(back.header.protocol(), IP_PROTOCOL_VRRP);
            prop_assert_eq!(back.header.hop_limit(), hop_limit);
            prop_assert_eq!(back.payload, &payload[..]);
            match back.header {
                IpHeader::V4(h) => {
                    prop_assert!(h.checksum_valid(&bytes[ethernet::HEADER_LEN..]));
                    prop_assert_eq!(IpHeader::V4(Ipv4Header { checksum: 0, ..h }), frame.header);
                }
                IpHeader::V6(_) => prop_assert_eq!(back.header, frame.header),
            }
        }

        #[test]
        fn any_bytes_parse_or_fail_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
            if let Ok(f) = IpFrame::parse(&bytes) {
                prop_assert!(f.payload.len() <= bytes.len());
            }
        }
    }
}
