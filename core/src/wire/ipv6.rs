//! The fixed IPv6 header (RFC 8200 §3), enough to build and read neighbour advertisements and
//! to read the header an ICMPv6 error quotes.
//!
//! Contract: neither parser panics on any bytes. [`Ipv6Header::parse`] wants the whole payload
//! the header announces; [`Ipv6Header::parse_quoted`] wants only the fixed header, because an
//! ICMPv6 error (RFC 4443 §2.4 (c)) quotes as much of the offending packet as fits in the
//! minimum MTU, so the quoted payload is usually cut short. Extension headers are not followed:
//! both report the first next-header value.

use super::ethernet::FrameError;
use std::net::Ipv6Addr;

mod field {
    use std::ops::Range;
    pub const VERSION_CLASS_FLOW: Range<usize> = 0..4;
    pub const PAYLOAD_LEN: Range<usize> = 4..6;
    pub const NEXT_HEADER: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SOURCE: Range<usize> = 8..24;
    pub const DESTINATION: Range<usize> = 24..40;
}

/// Length of the fixed IPv6 header.
pub const HEADER_LEN: usize = 40;

/// A fixed IPv6 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6Header {
    /// Traffic class (DSCP + ECN).
    pub traffic_class: u8,
    /// Flow label (20 bits).
    pub flow_label: u32,
    /// Payload length, as carried.
    pub payload_len: u16,
    /// Next header (58 = ICMPv6, 112 = VRRP).
    pub next_header: u8,
    /// Hop limit.
    pub hop_limit: u8,
    /// Source address.
    pub source: Ipv6Addr,
    /// Destination address.
    pub destination: Ipv6Addr,
}

impl Ipv6Header {
    /// Reads an untrusted header and returns it with its payload (`payload_len` bytes; link
    /// padding after it is dropped).
    pub fn parse(packet: &[u8]) -> Result<(Ipv6Header, &[u8]), FrameError> {
        let (header, payload) = Ipv6Header::parse_quoted(packet)?;
        if payload.len() < usize::from(header.payload_len) {
            return Err(FrameError::Truncated {
                len: packet.len(),
                needed: HEADER_LEN + usize::from(header.payload_len),
            });
        }
        Ok((header, payload))
    }

    /// Reads an untrusted header quoted by an ICMPv6 error and returns it with the part of its
    /// payload the quote holds: at most `payload_len` bytes, fewer (possibly none) when the
    /// quote was cut short. Needs the version nibble 6 and the 40 bytes of the fixed header.
    pub fn parse_quoted(packet: &[u8]) -> Result<(Ipv6Header, &[u8]), FrameError> {
        let Some(fixed) = packet.get(..HEADER_LEN) else {
            return Err(FrameError::Truncated {
                len: packet.len(),
                needed: HEADER_LEN,
            });
        };
        let word = u32::from_be_bytes([fixed[0], fixed[1], fixed[2], fixed[3]]);
        let version = (word >> 28) as u8;
        if version != 6 {
            return Err(FrameError::NotIpv6(version));
        }
        let payload_len = u16::from_be_bytes([fixed[4], fixed[5]]);
        let end = packet.len().min(HEADER_LEN + usize::from(payload_len));
        let header = Ipv6Header {
            traffic_class: ((word >> 20) & 0xff) as u8,
            flow_label: word & 0x000f_ffff,
            payload_len,
            next_header: fixed[field::NEXT_HEADER],
            hop_limit: fixed[field::HOP_LIMIT],
            source: address(&fixed[field::SOURCE]),
            destination: address(&fixed[field::DESTINATION]),
        };
        Ok((header, &packet[HEADER_LEN..end]))
    }

    /// Writes the 40-byte header into `buf[..40]`. Panics if `buf` is shorter.
    pub fn emit(&self, buf: &mut [u8]) {
        let word =
            (6u32 << 28) | (u32::from(self.traffic_class) << 20) | (self.flow_label & 0x000f_ffff);
        buf[field::VERSION_CLASS_FLOW].copy_from_slice(&word.to_be_bytes());
        buf[field::PAYLOAD_LEN].copy_from_slice(&self.payload_len.to_be_bytes());
        buf[field::NEXT_HEADER] = self.next_header;
        buf[field::HOP_LIMIT] = self.hop_limit;
        buf[field::SOURCE].copy_from_slice(&self.source.octets());
        buf[field::DESTINATION].copy_from_slice(&self.destination.octets());
    }
}

fn address(b: &[u8]) -> Ipv6Addr {
    let mut o = [0u8; 16];
    o.copy_from_slice(b);
    Ipv6Addr::from(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Ipv6Header {
        Ipv6Header {
            traffic_class: 0xc0,
            flow_label: 0xa3a2,
            payload_len: 2,
            next_header: 112,
            hop_limit: 255,
            source: "fe80::ff:fe00:1".parse().unwrap(),
            destination: "ff02::12".parse().unwrap(),
        }
    }

    #[test]
    fn header_round_trips_and_padding_is_dropped() {
        let mut buf = [0xa5u8; HEADER_LEN + 4];
        header().emit(&mut buf);
        assert_eq!(&buf[..4], &[0x6c, 0x00, 0xa3, 0xa2]);
        let (parsed, payload) = Ipv6Header::parse(&buf).unwrap();
        assert_eq!(parsed, header());
        assert_eq!(payload, &[0xa5, 0xa5]);
    }

    #[test]
    fn version_four_is_not_ipv6() {
        let mut buf = [0u8; HEADER_LEN];
        header().emit(&mut buf);
        buf[0] = 0x45;
        assert_eq!(Ipv6Header::parse(&buf).unwrap_err(), FrameError::NotIpv6(4));
    }

    #[test]
    fn payload_longer_than_the_buffer_is_truncated() {
        let mut buf = [0u8; HEADER_LEN + 1];
        header().emit(&mut buf);
        assert_eq!(
            Ipv6Header::parse(&buf).unwrap_err(),
            FrameError::Truncated {
                len: 41,
                needed: 42
            }
        );
    }

    #[test]
    fn quoted_header_cut_short_of_its_payload_is_read_with_what_the_quote_holds() {
        let mut header = header();
        header.payload_len = 1232;
        let mut buf = [0x5au8; HEADER_LEN + 8];
        header.emit(&mut buf);
        let (parsed, payload) = Ipv6Header::parse_quoted(&buf).unwrap();
        assert_eq!(parsed, header);
        assert_eq!(payload, &[0x5a; 8]);
        let (parsed, payload) = Ipv6Header::parse_quoted(&buf[..HEADER_LEN]).unwrap();
        assert_eq!(parsed.next_header, 112);
        assert!(payload.is_empty());
    }

    #[test]
    fn quoted_header_drops_bytes_past_its_payload_length() {
        let mut buf = [0xa5u8; HEADER_LEN + 4];
        header().emit(&mut buf);
        let (_, payload) = Ipv6Header::parse_quoted(&buf).unwrap();
        assert_eq!(payload, &[0xa5, 0xa5]);
    }

    #[test]
    fn quote_shorter_than_the_fixed_header_or_not_version_six_is_refused() {
        let mut buf = [0u8; HEADER_LEN];
        header().emit(&mut buf);
        assert_eq!(
            Ipv6Header::parse_quoted(&buf[..39]).unwrap_err(),
            FrameError::Truncated {
                len: 39,
                needed: 40
            }
        );
        buf[0] = 0x45;
        assert_eq!(
            Ipv6Header::parse_quoted(&buf).unwrap_err(),
            FrameError::NotIpv6(4)
        );
    }

    #[test]
    fn short_header_is_truncated() {
        assert_eq!(
            Ipv6Header::parse(&[0x60; 39]).unwrap_err(),
            FrameError::Truncated {
                len: 39,
                needed: 40
            }
        );
    }
}
