//! The IPv4 header (RFC 791 §3.1): read from untrusted bytes, written with its checksum.
//!
//! Contract: [`Ipv4Header::parse`] never panics; it needs the version nibble 4, a header length
//! (IHL) of at least 20 bytes and that many bytes, and returns the header with its payload.
//! Options are skipped (kept only as the header length). A total length that is not trustworthy
//! (shorter than the header or longer than the bytes given) is ignored and the payload is every
//! byte after the header, as a raw socket or a capture gave them; a total length shorter than
//! the bytes cuts link padding off. The header checksum is recorded, not enforced: callers that
//! care ask [`Ipv4Header::checksum_valid`] (the kernel has checked it before a raw socket hands
//! a datagram over). [`Ipv4Header::emit`] writes a 20-byte header without options and computes
//! its checksum.

use super::checksum;
use super::ethernet::FrameError;
use std::net::Ipv4Addr;

mod field {
    use std::ops::Range;
    pub const VERSION_IHL: usize = 0;
    pub const TOS: usize = 1;
    pub const TOTAL_LEN: Range<usize> = 2..4;
    pub const IDENTIFICATION: Range<usize> = 4..6;
    pub const FLAGS_FRAGMENT: Range<usize> = 6..8;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: Range<usize> = 10..12;
    pub const SOURCE: Range<usize> = 12..16;
    pub const DESTINATION: Range<usize> = 16..20;
}

/// Length of an IPv4 header without options (IHL 5).
pub const MIN_HEADER_LEN: usize = 20;

/// The "don't fragment" bit of the flags / fragment-offset word.
pub const DONT_FRAGMENT: u16 = 0x4000;

/// An IPv4 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4Header {
    /// Header length in bytes, options included (IHL · 4; 20 when emitted).
    pub header_len: usize,
    /// Type of service (DSCP + ECN).
    pub tos: u8,
    /// Total length as carried (header + payload).
    pub total_len: u16,
    /// Identification.
    pub identification: u16,
    /// Flags (top three bits) and fragment offset, as carried.
    pub flags_fragment: u16,
    /// Time to live.
    pub ttl: u8,
    /// Protocol of the payload (112 = VRRP, 51 = AH).
    pub protocol: u8,
    /// Header checksum as carried (ignored by [`Ipv4Header::emit`], which computes it).
    pub checksum: u16,
    /// Source address.
    pub source: Ipv4Addr,
    /// Destination address.
    pub destination: Ipv4Addr,
}

impl Ipv4Header {
    /// A header without options for `payload_len` bytes of `protocol` from `source` to
    /// `destination` (identification 0, don't fragment, TOS 0).
    pub fn new(
        source: Ipv4Addr,
        destination: Ipv4Addr,
        protocol: u8,
        ttl: u8,
        payload_len: usize,
    ) -> Ipv4Header {
        let total = MIN_HEADER_LEN.saturating_add(payload_len);
        Ipv4Header {
            header_len: MIN_HEADER_LEN,
            tos: 0,
            total_len: u16::try_from(total).unwrap_or(u16::MAX),
            identification: 0,
            flags_fragment: DONT_FRAGMENT,
            ttl,
            protocol,
            checksum: 0,
            source,
            destination,
        }
    }

    /// Reads an untrusted header and returns it with its payload (see the module contract for
    /// how the total length is used).
    pub fn parse(packet: &[u8]) -> Result<(Ipv4Header, &[u8]), FrameError> {
        let first = *packet
            .get(field::VERSION_IHL)
            .ok_or(FrameError::Truncated {
                len: 0,
                needed: MIN_HEADER_LEN,
            })?;
        if first >> 4 != 4 {
            return Err(FrameError::NotIpv4(first >> 4));
        }
        let header_len = usize::from(first & 0x0f) * 4;
        if header_len < MIN_HEADER_LEN {
            return Err(FrameError::Ipv4HeaderLength(header_len));
        }
        if packet.len() < header_len {
            return Err(FrameError::Truncated {
                len: packet.len(),
                needed: header_len,
            });
        }
        let word =
            |r: std::ops::Range<usize>| u16::from_be_bytes([packet[r.start], packet[r.start + 1]]);
        let total_len = word(field::TOTAL_LEN);
        let total = usize::from(total_len);
        let end = if total >= header_len && total <= packet.len() {
            total
        } else {
            packet.len()
        };
        let header = Ipv4Header {
            header_len,
            tos: packet[field::TOS],
            total_len,
            identification: word(field::IDENTIFICATION),
            flags_fragment: word(field::FLAGS_FRAGMENT),
            ttl: packet[field::TTL],
            protocol: packet[field::PROTOCOL],
            checksum: word(field::CHECKSUM),
            source: address(&packet[field::SOURCE]),
            destination: address(&packet[field::DESTINATION]),
        };
        Ok((header, &packet[header_len..end]))
    }

    /// True when the header checksum of `packet` (whose header this is) verifies: the
    /// one's-complement sum over the whole header, options included, is 0xffff. False when
    /// `packet` is shorter than the header.
    pub fn checksum_valid(&self, packet: &[u8]) -> bool {
        packet
            .get(..self.header_len)
            .is_some_and(|h| checksum::message_only(h) == 0)
    }

    /// Length of the header [`Ipv4Header::emit`] writes.
    pub const fn buffer_len(&self) -> usize {
        MIN_HEADER_LEN
    }

    /// Writes the 20-byte header (IHL 5, options dropped) into `buf[..20]` with a computed
    /// checksum. Panics if `buf` is shorter.
    pub fn emit(&self, buf: &mut [u8]) {
        let buf = &mut buf[..MIN_HEADER_LEN];
        buf[field::VERSION_IHL] = 0x45;
        buf[field::TOS] = self.tos;
        buf[field::TOTAL_LEN].copy_from_slice(&self.total_len.to_be_bytes());
        buf[field::IDENTIFICATION].copy_from_slice(&self.identification.to_be_bytes());
        buf[field::FLAGS_FRAGMENT].copy_from_slice(&self.flags_fragment.to_be_bytes());
        buf[field::TTL] = self.ttl;
        buf[field::PROTOCOL] = self.protocol;
        buf[field::CHECKSUM].copy_from_slice(&[0, 0]);
        buf[field::SOURCE].copy_from_slice(&self.source.octets());
        buf[field::DESTINATION].copy_from_slice(&self.destination.octets());
        let sum = checksum::message_only(buf);
        buf[field::CHECKSUM].copy_from_slice(&sum.to_be_bytes());
    }
}

fn address(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(b[0], b[1], b[2], b[3])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn header() -> Ipv4Header {
        Ipv4Header::new(
            Ipv4Addr::new(192, 0, 2, 11),
            Ipv4Addr::new(224, 0, 0, 18),
            112,
            255,
            20,
        )
    }

    #[test]
    fn emitted_header_round_trips_with_a_valid_checksum() {
        let mut buf = [0u8; MIN_HEADER_LEN + 20];
        header().emit(&mut buf);
        assert_eq!(&buf[..4], &[0x45, 0, 0, 40]);
        let (parsed, payload) = Ipv4Header::parse(&buf).unwrap();
        assert!(parsed.checksum_valid(&buf));
        assert_eq!(
            Ipv4Header {
                checksum: 0,
                ..parsed
            },
            header()
        );
        assert_eq!(payload.len(), 20);
    }

    #[test]
    fn keepalived_header_parses_and_re_emits_byte_identical() {
        // testdata/corpus/v2-steady.pcap frame 9 (keepalived 2.2.7, VRID 51 from 192.0.2.11):
        // TOS 0xc0, id 1, no DF, TTL 255, protocol 112, checksum 0x1887.
        let wire = [
            0x45, 0xc0, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0x18, 0x87, 0xc0, 0x00,
            0x02, 0x0b, 0xe0, 0x00, 0x00, 0x12,
        ];
        let (h, payload) = Ipv4Header::parse(&wire).unwrap();
        assert_eq!((h.ttl, h.protocol, h.checksum), (255, 112, 0x1887));
        assert_eq!(h.source, Ipv4Addr::new(192, 0, 2, 11));
        assert!(
            payload.is_empty(),
            "total length 40 is beyond the 20 bytes given"
        );
        assert!(h.checksum_valid(&wire));
        let mut emitted = [0u8; MIN_HEADER_LEN];
        h.emit(&mut emitted);
        assert_eq!(emitted, wire);
        let mut corrupted = wire;
        corrupted[8] = 64;
        assert!(!h.checksum_valid(&corrupted));
    }

    #[test]
    fn options_are_skipped_and_counted_in_the_checksum() {
        let mut buf = vec![0u8; MIN_HEADER_LEN];
        header().emit(&mut buf);
        buf[0] = 0x46;
        buf[2..4].copy_from_slice(&28u16.to_be_bytes());
        buf.extend_from_slice(&[0x94, 4, 0, 0, 1, 2, 3, 4]); // router alert, then payload
        buf[10..12].copy_from_slice(&[0, 0]);
        let sum = checksum::message_only(&buf[..24]);
        buf[10..12].copy_from_slice(&sum.to_be_bytes());
        let (h, payload) = Ipv4Header::parse(&buf).unwrap();
        assert_eq!(h.header_len, 24);
        assert!(h.checksum_valid(&buf));
        assert_eq!(payload, &[1, 2, 3, 4]);
    }

    #[test]
    fn total_length_cuts_padding_and_an_untrustworthy_one_is_ignored() {
        let mut buf = [0u8; MIN_HEADER_LEN + 4];
        let mut h = header();
        h.total_len = 22;
        h.emit(&mut buf);
        assert_eq!(Ipv4Header::parse(&buf).unwrap().1.len(), 2);
        for lie in [999, 10] {
            h.total_len = lie;
            h.emit(&mut buf);
            assert_eq!(Ipv4Header::parse(&buf).unwrap().1.len(), 4, "total {lie}");
        }
    }

    #[test]
    fn malformed_headers_are_errors() {
        assert_eq!(
            Ipv4Header::parse(&[]).unwrap_err(),
            FrameError::Truncated { len: 0, needed: 20 }
        );
        assert_eq!(
            Ipv4Header::parse(&[0x45, 0, 0]).unwrap_err(),
            FrameError::Truncated { len: 3, needed: 20 }
        );
        assert_eq!(
            Ipv4Header::parse(&[0x4f; 40]).unwrap_err(),
            FrameError::Truncated {
                len: 40,
                needed: 60
            }
        );
        assert_eq!(
            Ipv4Header::parse(&[0x44; 20]).unwrap_err(),
            FrameError::Ipv4HeaderLength(16)
        );
        assert_eq!(
            Ipv4Header::parse(&[0x60; 40]).unwrap_err(),
            FrameError::NotIpv4(6)
        );
    }

    proptest! {
        #[test]
        fn any_bytes_parse_or_fail_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            if let Ok((h, payload)) = Ipv4Header::parse(&bytes) {
                prop_assert!(h.header_len >= MIN_HEADER_LEN);
                prop_assert!(h.header_len + payload.len() <= bytes.len());
                let _ = h.checksum_valid(&bytes);
            }
        }

        #[test]
        fn any_emitted_header_parses_back_with_a_valid_checksum(
            tos: u8, id: u16, flags: u16, ttl: u8, protocol: u8, src: u32, dst: u32,
            payload_len in 0usize..64,
        ) {
            let h = Ipv4Header {
                tos,
                identification: id,
                flags_fragment: flags,
                ..Ipv4Header::new(Ipv4Addr::from(src), Ipv4Addr::from(dst), protocol, ttl, payload_len)
            };
            let mut buf = vec![0u8; MIN_HEADER_LEN + payload_len];
            h.emit(&mut buf);
            let (back, payload) = Ipv4Header::parse(&buf).unwrap();
            prop_assert!(back.checksum_valid(&buf));
            prop_assert_eq!(back.checksum, u16::from_be_bytes([buf[10], buf[11]]));
            prop_assert_eq!(Ipv4Header { checksum: 0, ..back }, h);
            prop_assert_eq!(payload.len(), payload_len);
        }
    }
}
