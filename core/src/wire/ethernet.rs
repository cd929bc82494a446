//! Ethernet II framing for the announcement frames (gratuitous ARP, unsolicited NA).
//!
//! Emitting writes a plain 14-byte header. Parsing accepts up to two 802.1Q / 802.1ad tags and
//! hands back the payload after them; link padding stays in the payload (each protocol knows its
//! own length). [`FrameError`] is the one error type of the frame parsers in this module tree.

use std::fmt;

/// EtherType of IPv4.
pub const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType of ARP.
pub const ETHERTYPE_ARP: u16 = 0x0806;
/// EtherType of IPv6.
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
/// EtherType of an 802.1Q VLAN tag.
pub const ETHERTYPE_VLAN: u16 = 0x8100;
/// EtherType of an 802.1ad (QinQ) service tag.
pub const ETHERTYPE_QINQ: u16 = 0x88a8;
/// Length of an untagged Ethernet II header.
pub const HEADER_LEN: usize = 14;
/// Most VLAN tags [`EthernetFrame::parse`] skips.
const MAX_TAGS: usize = 2;

mod field {
    use std::ops::Range;
    pub const DESTINATION: Range<usize> = 0..6;
    pub const SOURCE: Range<usize> = 6..12;
    pub const ETHERTYPE: Range<usize> = 12..14;
}

/// A 48-bit MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MacAddress(pub [u8; 6]);

impl MacAddress {
    /// ff:ff:ff:ff:ff:ff.
    pub const BROADCAST: MacAddress = MacAddress([0xff; 6]);
    /// 00:00:00:00:00:00.
    pub const ZERO: MacAddress = MacAddress([0; 6]);

    /// The octets.
    pub const fn octets(self) -> [u8; 6] {
        self.0
    }

    /// The group (multicast / broadcast) bit.
    pub const fn is_multicast(self) -> bool {
        self.0[0] & 0x01 != 0
    }

    /// The IPv6 multicast MAC for a group address (RFC 2464 §7): 33:33 + its last 32 bits.
    pub const fn ipv6_multicast(group: std::net::Ipv6Addr) -> MacAddress {
        let o = group.octets();
        MacAddress([0x33, 0x33, o[12], o[13], o[14], o[15]])
    }

    /// The IPv4 multicast MAC for a group address (RFC 1112 §6.4): 01:00:5e + its low 23 bits.
    pub const fn ipv4_multicast(group: std::net::Ipv4Addr) -> MacAddress {
        let o = group.octets();
        MacAddress([0x01, 0x00, 0x5e, o[1] & 0x7f, o[2], o[3]])
    }

    fn from_slice(bytes: &[u8]) -> MacAddress {
        let mut o = [0u8; 6];
        o.copy_from_slice(bytes);
        MacAddress(o)
    }
}

impl From<[u8; 6]> for MacAddress {
    fn from(octets: [u8; 6]) -> MacAddress {
        MacAddress(octets)
    }
}

impl fmt::Display for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            o[0], o[1], o[2], o[3], o[4], o[5]
        )
    }
}

/// Why bytes are not the frame a parser expected. Never a panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FrameError {
    /// Fewer bytes than the layer needs.
    Truncated {
        /// Bytes available to the layer.
        len: usize,
        /// Bytes the layer needs.
        needed: usize,
    },
    /// The EtherType (after any VLAN tags) is not the one this parser reads.
    EtherType(u16),
    /// More VLAN tags than the parser skips.
    TooManyVlanTags,
    /// ARP for another hardware or protocol than Ethernet / IPv4 (htype, ptype, hlen, plen).
    UnsupportedArp {
        /// Hardware type.
        hardware: u16,
        /// Protocol type.
        protocol: u16,
    },
    /// An IPv6 header whose version nibble is not 6.
    NotIpv6(u8),
    /// An IPv4 header whose version nibble is not 4.
    NotIpv4(u8),
    /// An IPv4 header length (IHL · 4) below the 20-byte minimum.
    Ipv4HeaderLength(usize),
    /// An IPv6 packet whose next header is not ICMPv6 (extension headers are not followed).
    NextHeader(u8),
    /// An ICMPv6 message other than a neighbour advertisement (type 136, code 0).
    NotNeighbourAdvert {
        /// ICMPv6 type.
        icmp_type: u8,
        /// ICMPv6 code.
        code: u8,
    },
    /// The ICMPv6 checksum does not verify.
    Checksum,
    /// An NDP option with length 0 (RFC 4861 §4.6 says: discard the packet).
    ZeroLengthOption,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Truncated { len, needed } => {
                write!(f, "truncated: {len} bytes, {needed} needed")
            }
            FrameError::EtherType(t) => write!(f, "unexpected EtherType {t:#06x}"),
            FrameError::TooManyVlanTags => write!(f, "more than {MAX_TAGS} VLAN tags"),
            FrameError::UnsupportedArp { hardware, protocol } => {
                write!(f, "ARP for hardware {hardware} / protocol {protocol:#06x}")
            }
            FrameError::NotIpv6(v) => write!(f, "IP version {v} where IPv6 was expected"),
            FrameError::NotIpv4(v) => write!(f, "IP version {v} where IPv4 was expected"),
            FrameError::Ipv4HeaderLength(n) => {
                write!(f, "IPv4 header length {n}, below the minimum of 20")
            }
            FrameError::NextHeader(n) => write!(f, "IPv6 next header {n}, not ICMPv6"),
            FrameError::NotNeighbourAdvert { icmp_type, code } => {
                write!(
                    f,
                    "ICMPv6 type {icmp_type} code {code}, not a neighbour advertisement"
                )
            }
            FrameError::Checksum => f.write_str("bad ICMPv6 checksum"),
            FrameError::ZeroLengthOption => f.write_str("NDP option of length 0"),
        }
    }
}

impl std::error::Error for FrameError {}

/// An Ethernet II header read from a frame, with the payload after any VLAN tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EthernetFrame<'a> {
    /// Destination MAC.
    pub destination: MacAddress,
    /// Source MAC.
    pub source: MacAddress,
    /// VLAN IDs of the tags skipped, outermost first (0 when absent).
    pub vlans: [u16; MAX_TAGS],
    /// Number of VLAN tags skipped.
    pub vlan_count: usize,
    /// EtherType after the tags.
    pub ethertype: u16,
    /// Everything after the header, link padding included.
    pub payload: &'a [u8],
}

impl<'a> EthernetFrame<'a> {
    /// Reads the header of an untrusted frame (no FCS).
    pub fn parse(frame: &'a [u8]) -> Result<EthernetFrame<'a>, FrameError> {
        if frame.len() < HEADER_LEN {
            return Err(FrameError::Truncated {
                len: frame.len(),
                needed: HEADER_LEN,
            });
        }
        let mut ethertype = u16::from_be_bytes([frame[12], frame[13]]);
        let mut offset = HEADER_LEN;
        let mut vlans = [0u16; MAX_TAGS];
        let mut vlan_count = 0;
        while ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ {
            if vlan_count == MAX_TAGS {
                return Err(FrameError::TooManyVlanTags);
            }
            let tag = frame.get(offset..offset + 4).ok_or(FrameError::Truncated {
                len: frame.len(),
                needed: offset + 4,
            })?;
            vlans[vlan_count] = u16::from_be_bytes([tag[0], tag[1]]) & 0x0fff;
            vlan_count += 1;
            ethertype = u16::from_be_bytes([tag[2], tag[3]]);
            offset += 4;
        }
        Ok(EthernetFrame {
            destination: MacAddress::from_slice(&frame[field::DESTINATION]),
            source: MacAddress::from_slice(&frame[field::SOURCE]),
            vlans,
            vlan_count,
            ethertype,
            payload: &frame[offset..],
        })
    }

    /// Reads the header and insists on `ethertype`.
    pub fn parse_expecting(frame: &'a [u8], ethertype: u16) -> Result<Self, FrameError> {
        let parsed = EthernetFrame::parse(frame)?;
        if parsed.ethertype != ethertype {
            return Err(FrameError::EtherType(parsed.ethertype));
        }
        Ok(parsed)
    }
}

/// Writes an untagged Ethernet II header into `buf[..14]`. Panics if `buf` is shorter (emitters
/// size their buffers with `buffer_len`).
pub fn emit_header(buf: &mut [u8], destination: MacAddress, source: MacAddress, ethertype: u16) {
    buf[field::DESTINATION].copy_from_slice(&destination.0);
    buf[field::SOURCE].copy_from_slice(&source.0);
    buf[field::ETHERTYPE].copy_from_slice(&ethertype.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_shorter_than_fourteen_bytes_is_truncated() {
        assert_eq!(
            EthernetFrame::parse(&[0xff; 13]).unwrap_err(),
            FrameError::Truncated {
                len: 13,
                needed: 14
            }
        );
    }

    #[test]
    fn one_vlan_tag_is_skipped_and_its_id_reported() {
        let mut frame = vec![0xff; 12];
        frame.extend_from_slice(&[0x81, 0x00, 0x20, 0x2a, 0x08, 0x06, 0xde, 0xad]);
        let parsed = EthernetFrame::parse_expecting(&frame, ETHERTYPE_ARP).unwrap();
        assert_eq!(parsed.vlan_count, 1);
        assert_eq!(parsed.vlans[0], 42);
        assert_eq!(parsed.payload, &[0xde, 0xad]);
    }

    #[test]
    fn truncated_vlan_tag_is_an_error() {
        let mut frame = vec![0xff; 12];
        frame.extend_from_slice(&[0x81, 0x00, 0x00]);
        assert_eq!(
            EthernetFrame::parse(&frame).unwrap_err(),
            FrameError::Truncated {
                len: 15,
                needed: 18
            }
        );
    }

    #[test]
    fn three_vlan_tags_are_refused() {
        let mut frame = vec![0xff; 12];
        for _ in 0..3 {
            frame.extend_from_slice(&[0x81, 0x00, 0x00, 0x01]);
        }
        frame.extend_from_slice(&[0x08, 0x06]);
        assert_eq!(
            EthernetFrame::parse(&frame).unwrap_err(),
            FrameError::TooManyVlanTags
        );
    }

    #[test]
    fn other_ethertype_is_reported() {
        let mut frame = vec![0xff; 12];
        frame.extend_from_slice(&[0x08, 0x00]);
        assert_eq!(
            EthernetFrame::parse_expecting(&frame, ETHERTYPE_ARP).unwrap_err(),
            FrameError::EtherType(ETHERTYPE_IPV4)
        );
    }

    #[test]
    fn multicast_macs_follow_rfc_1112_and_2464() {
        assert_eq!(
            MacAddress::ipv4_multicast(super::super::MULTICAST_GROUP_V4).to_string(),
            "01:00:5e:00:00:12"
        );
        assert_eq!(
            MacAddress::ipv6_multicast(super::super::MULTICAST_GROUP_V6).to_string(),
            "33:33:00:00:00:12"
        );
        assert!(MacAddress::BROADCAST.is_multicast());
        assert!(!MacAddress([2, 0, 0, 0, 0, 1]).is_multicast());
    }
}
