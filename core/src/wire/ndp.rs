//! IPv6 neighbour advertisements (RFC 4861 §4.4) and the unsolicited NA a new master sends.
//!
//! keepalived announces each virtual IPv6 address with an unsolicited NA sent *from that
//! address* to ff02::1 (Ethernet 33:33:00:00:00:01), hop limit 255, traffic class and flow label
//! 0, flags Override (plus Router when the interface forwards), no Solicited flag, and one Target
//! Link-Layer Address option carrying the interface MAC (or VMAC): 86 bytes. That is what
//! [`NeighbourAdvertFrame::unsolicited`] builds.
//!
//! The parser checks type 136, code 0, the 24-byte minimum, the ICMPv6 checksum (skipped when
//! built with `cfg(fuzzing)`) and that no option has length 0 (RFC 4861 §7.1.2). It does not
//! reject a hop limit other than 255: the frame repr carries it so replay can flag it.

use super::checksum;
use super::ethernet::{self, ETHERTYPE_IPV6, EthernetFrame, FrameError, MacAddress};
use super::ipv6::{self, Ipv6Header};
use std::net::Ipv6Addr;

/// IP protocol (next header) number of ICMPv6.
pub const IP_PROTOCOL_ICMPV6: u8 = 58;
/// ICMPv6 type of a neighbour advertisement.
pub const ICMPV6_NEIGHBOUR_ADVERT: u8 = 136;
/// NDP option type of the Target Link-Layer Address.
pub const OPTION_TARGET_LINK_LAYER_ADDRESS: u8 = 2;
/// ff02::1, the all-nodes group unsolicited NAs go to.
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
/// Length of a neighbour advertisement without options.
pub const MESSAGE_MIN_LEN: usize = 24;
/// Length of one Ethernet Target Link-Layer Address option.
const TLLA_LEN: usize = 8;

mod field {
    use std::ops::Range;
    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: Range<usize> = 2..4;
    pub const FLAGS: usize = 4;
    pub const RESERVED: Range<usize> = 5..8;
    pub const TARGET: Range<usize> = 8..24;
    pub const OPTIONS: usize = 24;
}

const FLAG_ROUTER: u8 = 0x80;
const FLAG_SOLICITED: u8 = 0x40;
const FLAG_OVERRIDE: u8 = 0x20;

/// A neighbour advertisement ICMPv6 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NeighbourAdvert {
    /// R: the sender is a router.
    pub router: bool,
    /// S: sent in response to a solicitation (false for announcements).
    pub solicited: bool,
    /// O: the advert should override an existing cache entry.
    pub override_flag: bool,
    /// The address being advertised.
    pub target: Ipv6Addr,
    /// The Target Link-Layer Address option, if present (the first one for Ethernet length).
    pub target_mac: Option<MacAddress>,
}

impl NeighbourAdvert {
    /// Reads an untrusted ICMPv6 message sent from `src` to `dst` (needed for the checksum).
    /// Unknown options are skipped; reserved bits are ignored.
    pub fn parse(src: Ipv6Addr, dst: Ipv6Addr, message: &[u8]) -> Result<Self, FrameError> {
        if message.len() < 2 {
            return Err(FrameError::Truncated {
                len: message.len(),
                needed: MESSAGE_MIN_LEN,
            });
        }
        let (icmp_type, code) = (message[field::TYPE], message[field::CODE]);
        if icmp_type != ICMPV6_NEIGHBOUR_ADVERT || code != 0 {
            return Err(FrameError::NotNeighbourAdvert { icmp_type, code });
        }
        if message.len() < MESSAGE_MIN_LEN {
            return Err(FrameError::Truncated {
                len: message.len(),
                needed: MESSAGE_MIN_LEN,
            });
        }
        if !cfg!(fuzzing) && checksum::icmpv6(src, dst, message) != 0 {
            return Err(FrameError::Checksum);
        }
        let flags = message[field::FLAGS];
        let mut target = [0u8; 16];
        target.copy_from_slice(&message[field::TARGET]);
        Ok(NeighbourAdvert {
            router: flags & FLAG_ROUTER != 0,
            solicited: flags & FLAG_SOLICITED != 0,
            override_flag: flags & FLAG_OVERRIDE != 0,
            target: Ipv6Addr::from(target),
            target_mac: target_mac_option(&message[field::OPTIONS..])?,
        })
    }

    /// Bytes [`NeighbourAdvert::emit`] writes: 24, plus 8 for the link-layer option.
    pub const fn buffer_len(&self) -> usize {
        match self.target_mac {
            Some(_) => MESSAGE_MIN_LEN + TLLA_LEN,
            None => MESSAGE_MIN_LEN,
        }
    }

    /// Writes the message into `buf[..buffer_len()]` with its checksum for `src` → `dst`.
    /// Panics if `buf` is shorter.
    pub fn emit(&self, src: Ipv6Addr, dst: Ipv6Addr, buf: &mut [u8]) {
        let len = self.buffer_len();
        let buf = &mut buf[..len];
        buf[field::TYPE] = ICMPV6_NEIGHBOUR_ADVERT;
        buf[field::CODE] = 0;
        buf[field::CHECKSUM].fill(0);
        buf[field::FLAGS] = (if self.router { FLAG_ROUTER } else { 0 })
            | (if self.solicited { FLAG_SOLICITED } else { 0 })
            | (if self.override_flag { FLAG_OVERRIDE } else { 0 });
        buf[field::RESERVED].fill(0);
        buf[field::TARGET].copy_from_slice(&self.target.octets());
        if let Some(mac) = self.target_mac {
            let option = &mut buf[field::OPTIONS..field::OPTIONS + TLLA_LEN];
            option[0] = OPTION_TARGET_LINK_LAYER_ADDRESS;
            option[1] = 1;
            option[2..].copy_from_slice(&mac.0);
        }
        let sum = checksum::icmpv6(src, dst, buf);
        buf[field::CHECKSUM].copy_from_slice(&sum.to_be_bytes());
    }
}

/// Walks the options; returns the first Ethernet-sized Target Link-Layer Address.
fn target_mac_option(mut options: &[u8]) -> Result<Option<MacAddress>, FrameError> {
    let mut found = None;
    while !options.is_empty() {
        if options.len() < 2 {
            return Err(FrameError::Truncated {
                len: options.len(),
                needed: 2,
            });
        }
        let len = usize::from(options[1]) * 8;
        if len == 0 {
            return Err(FrameError::ZeroLengthOption);
        }
        let option = options.get(..len).ok_or(FrameError::Truncated {
            len: options.len(),
            needed: len,
        })?;
        if option[0] == OPTION_TARGET_LINK_LAYER_ADDRESS && len == TLLA_LEN && found.is_none() {
            let mut mac = [0u8; 6];
            mac.copy_from_slice(&option[2..8]);
            found = Some(MacAddress(mac));
        }
        options = &options[len..];
    }
    Ok(found)
}

/// A neighbour advertisement in an IPv6 packet in an Ethernet frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NeighbourAdvertFrame {
    /// Ethernet destination.
    pub destination: MacAddress,
    /// Ethernet source.
    pub source: MacAddress,
    /// IPv6 source.
    pub ip_source: Ipv6Addr,
    /// IPv6 destination.
    pub ip_destination: Ipv6Addr,
    /// IPv6 hop limit (RFC 4861 receivers require 255).
    pub hop_limit: u8,
    /// The ICMPv6 message.
    pub advert: NeighbourAdvert,
}

impl NeighbourAdvertFrame {
    /// keepalived's unsolicited NA for `address` from `mac`: from `address` to ff02::1, flags
    /// Override (and Router when `router`), target link-layer address `mac`.
    pub fn unsolicited(mac: MacAddress, address: Ipv6Addr, router: bool) -> Self {
        NeighbourAdvertFrame {
            destination: MacAddress::ipv6_multicast(ALL_NODES),
            source: mac,
            ip_source: address,
            ip_destination: ALL_NODES,
            hop_limit: 255,
            advert: NeighbourAdvert {
                router,
                solicited: false,
                override_flag: true,
                target: address,
                target_mac: Some(mac),
            },
        }
    }

    /// Reads an untrusted Ethernet frame (VLAN tags skipped; the IPv6 next header must be
    /// ICMPv6 directly, without extension headers).
    pub fn parse(frame: &[u8]) -> Result<Self, FrameError> {
        let eth = EthernetFrame::parse_expecting(frame, ETHERTYPE_IPV6)?;
        let (ip, payload) = Ipv6Header::parse(eth.payload)?;
        if ip.next_header != IP_PROTOCOL_ICMPV6 {
            return Err(FrameError::NextHeader(ip.next_header));
        }
        Ok(NeighbourAdvertFrame {
            destination: eth.destination,
            source: eth.source,
            ip_source: ip.source,
            ip_destination: ip.destination,
            hop_limit: ip.hop_limit,
            advert: NeighbourAdvert::parse(ip.source, ip.destination, payload)?,
        })
    }

    /// Bytes [`NeighbourAdvertFrame::emit`] writes (86 with the link-layer option).
    pub const fn buffer_len(&self) -> usize {
        ethernet::HEADER_LEN + ipv6::HEADER_LEN + self.advert.buffer_len()
    }

    /// Writes the frame into `frame[..buffer_len()]`. Panics if `frame` is shorter.
    pub fn emit(&self, frame: &mut [u8]) {
        let message_len = self.advert.buffer_len();
        ethernet::emit_header(frame, self.destination, self.source, ETHERTYPE_IPV6);
        let ip = Ipv6Header {
            traffic_class: 0,
            flow_label: 0,
            // 32 at most: the cast cannot truncate.
            payload_len: message_len as u16,
            next_header: IP_PROTOCOL_ICMPV6,
            hop_limit: self.hop_limit,
            source: self.ip_source,
            destination: self.ip_destination,
        };
        let packet = &mut frame[ethernet::HEADER_LEN..self.buffer_len()];
        ip.emit(packet);
        self.advert.emit(
            self.ip_source,
            self.ip_destination,
            &mut packet[ipv6::HEADER_LEN..],
        );
    }

    /// The frame as a fresh vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut frame = vec![0u8; self.buffer_len()];
        self.emit(&mut frame);
        frame
    }

    /// The announced address when this is an unsolicited NA (Solicited flag clear).
    pub fn unsolicited_address(&self) -> Option<Ipv6Addr> {
        (!self.advert.solicited).then_some(self.advert.target)
    }
}

/// Whether `frame` is an Ethernet frame carrying an unsolicited neighbour advertisement (for
/// pcap replay).
pub fn is_unsolicited_na(frame: &[u8]) -> bool {
    NeighbourAdvertFrame::parse(frame).is_ok_and(|f| f.unsolicited_address().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    const H1: MacAddress = MacAddress([2, 0, 0, 0, 0, 1]);

    fn vip() -> Ipv6Addr {
        "2001:db8::100".parse().unwrap()
    }

    fn message() -> Vec<u8> {
        let na = NeighbourAdvertFrame::unsolicited(H1, vip(), false).advert;
        let mut buf = vec![0u8; na.buffer_len()];
        na.emit(vip(), ALL_NODES, &mut buf);
        buf
    }

    #[test]
    fn another_icmpv6_type_is_not_a_neighbour_advert() {
        let mut m = message();
        m[0] = 135; // neighbour solicitation
        assert_eq!(
            NeighbourAdvert::parse(vip(), ALL_NODES, &m).unwrap_err(),
            FrameError::NotNeighbourAdvert {
                icmp_type: 135,
                code: 0
            }
        );
    }

    #[test]
    fn nonzero_code_is_not_a_neighbour_advert() {
        let mut m = message();
        m[1] = 1;
        assert!(matches!(
            NeighbourAdvert::parse(vip(), ALL_NODES, &m).unwrap_err(),
            FrameError::NotNeighbourAdvert { code: 1, .. }
        ));
    }

    #[test]
    fn message_shorter_than_24_bytes_is_truncated() {
        assert_eq!(
            NeighbourAdvert::parse(vip(), ALL_NODES, &message()[..23]).unwrap_err(),
            FrameError::Truncated {
                len: 23,
                needed: 24
            }
        );
    }

    #[test]
    fn corrupted_checksum_is_rejected() {
        let mut m = message();
        m[3] ^= 0x01;
        assert_eq!(
            NeighbourAdvert::parse(vip(), ALL_NODES, &m).unwrap_err(),
            FrameError::Checksum
        );
    }

    #[test]
    fn checksum_depends_on_the_pseudo_header_source() {
        let other: Ipv6Addr = "fe80::ff:fe00:1".parse().unwrap();
        assert_eq!(
            NeighbourAdvert::parse(other, ALL_NODES, &message()).unwrap_err(),
            FrameError::Checksum
        );
    }

    #[test]
    fn zero_length_option_is_rejected() {
        let na = NeighbourAdvert {
            target_mac: None,
            ..NeighbourAdvertFrame::unsolicited(H1, vip(), false).advert
        };
        let mut m = vec![0u8; MESSAGE_MIN_LEN + 8];
        na.emit(vip(), ALL_NODES, &mut m);
        // an option of type 1 and length 0, then recompute the checksum by hand
        m[MESSAGE_MIN_LEN] = 1;
        m[2..4].fill(0);
        let sum = checksum::icmpv6(vip(), ALL_NODES, &m);
        m[2..4].copy_from_slice(&sum.to_be_bytes());
        assert_eq!(
            NeighbourAdvert::parse(vip(), ALL_NODES, &m).unwrap_err(),
            FrameError::ZeroLengthOption
        );
    }

    #[test]
    fn option_running_past_the_message_is_truncated() {
        let mut m = message();
        m[MESSAGE_MIN_LEN + 1] = 2; // claims 16 bytes, 8 present
        m[2..4].fill(0);
        let sum = checksum::icmpv6(vip(), ALL_NODES, &m);
        m[2..4].copy_from_slice(&sum.to_be_bytes());
        assert_eq!(
            NeighbourAdvert::parse(vip(), ALL_NODES, &m).unwrap_err(),
            FrameError::Truncated { len: 8, needed: 16 }
        );
    }

    #[test]
    fn advert_without_options_has_no_target_mac() {
        let na = NeighbourAdvert {
            target_mac: None,
            ..NeighbourAdvertFrame::unsolicited(H1, vip(), true).advert
        };
        let mut m = [0xa5u8; MESSAGE_MIN_LEN];
        na.emit(vip(), ALL_NODES, &mut m);
        assert_eq!(NeighbourAdvert::parse(vip(), ALL_NODES, &m).unwrap(), na);
    }

    #[test]
    fn solicited_advert_is_not_unsolicited() {
        let mut frame = NeighbourAdvertFrame::unsolicited(H1, vip(), false);
        assert_eq!(frame.unsolicited_address(), Some(vip()));
        frame.advert.solicited = true;
        assert_eq!(frame.unsolicited_address(), None);
        assert!(!is_unsolicited_na(&frame.to_bytes()));
    }

    #[test]
    fn ipv6_packet_that_is_not_icmpv6_is_refused() {
        let mut frame = NeighbourAdvertFrame::unsolicited(H1, vip(), false).to_bytes();
        frame[ethernet::HEADER_LEN + 6] = 112;
        assert_eq!(
            NeighbourAdvertFrame::parse(&frame).unwrap_err(),
            FrameError::NextHeader(112)
        );
    }
}
