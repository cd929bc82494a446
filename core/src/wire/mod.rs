//! Wire formats: VRRP v2/v3 adverts, their checksums, the IPv4 and IPv6 headers around them, and
//! the announcement frames (gratuitous ARP, unsolicited neighbour advertisement) a new master
//! sends, and the Ethernet framing of an IP packet (`IpFrame`) for writing captures.
//!
//! Contract, in the smoltcp style: [`Packet`] is a view over a byte buffer whose accessors never
//! panic once [`Packet::new_checked`] accepted the buffer; [`Advert`] is the owned representation
//! with [`Advert::parse`], [`Advert::buffer_len`] and [`Advert::emit`]. Checksum helpers take the
//! IP source and destination because the VRRPv3 checksum covers a pseudo-header. Nothing here
//! panics on untrusted input: every rejection of a VRRP message is a [`WireError`], every
//! rejection of an announcement frame a [`FrameError`]. Emitters write into caller buffers of
//! at least `buffer_len()` bytes and panic on a shorter one (a caller bug, never input).
//!
//! VRRP bytes here are the IP payload: the drivers own the IP header (TTL, addresses) and the
//! core gets them as receive metadata. Announcement frames are whole Ethernet frames because
//! the daemon sends them on an AF_PACKET socket and the simulator writes them to pcaps.
//!
//! Built with `cfg(fuzzing)` (cargo-fuzz sets it), the ICMPv6 checksum check is skipped so a
//! fuzzer reaches the option parser. The VRRP parser never verifies checksums itself.

pub mod advert;
pub mod arp;
pub mod checksum;
pub mod ethernet;
pub mod ip_frame;
pub mod ipv4;
pub mod ipv6;
pub mod ndp;
#[cfg(test)]
mod tests;

pub use advert::{Advert, Authentication, Packet, Version, WireError};
pub use arp::{Arp, ArpFrame, ArpOperation, is_gratuitous_arp};
pub use checksum::ChecksumConvention;
pub use ethernet::{EthernetFrame, FrameError, MacAddress};
pub use ip_frame::{IpFrame, IpHeader};
pub use ipv4::Ipv4Header;
pub use ipv6::Ipv6Header;
pub use ndp::{NeighbourAdvert, NeighbourAdvertFrame, is_unsolicited_na};

/// IP protocol number of VRRP (RFC 5798 §5.1.1.4).
pub const IP_PROTOCOL_VRRP: u8 = 112;
/// IPv4 multicast group for VRRP (RFC 5798 §5.1.1.2).
pub const MULTICAST_GROUP_V4: std::net::Ipv4Addr = std::net::Ipv4Addr::new(224, 0, 0, 18);
/// IPv6 multicast group for VRRP (RFC 5798 §5.1.2.2).
pub const MULTICAST_GROUP_V6: std::net::Ipv6Addr =
    std::net::Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
/// TTL / hop limit every VRRP advert is sent with and must arrive with (RFC 5798 §5.1.1.3).
pub const VRRP_HOP_LIMIT: u8 = 255;

/// Address family of a VRRP instance: decides the address size inside adverts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// IPv4: 4-byte addresses, multicast group 224.0.0.18.
    Ipv4,
    /// IPv6: 16-byte addresses, multicast group ff02::12, always VRRPv3.
    Ipv6,
}

impl Family {
    /// The family of an address.
    pub fn of(addr: &std::net::IpAddr) -> Family {
        match addr {
            std::net::IpAddr::V4(_) => Family::Ipv4,
            std::net::IpAddr::V6(_) => Family::Ipv6,
        }
    }

    /// Size of one address of this family inside an advert.
    pub const fn address_len(self) -> usize {
        match self {
            Family::Ipv4 => 4,
            Family::Ipv6 => 16,
        }
    }

    /// The VRRP multicast group of this family.
    pub fn multicast_group(self) -> std::net::IpAddr {
        match self {
            Family::Ipv4 => std::net::IpAddr::V4(MULTICAST_GROUP_V4),
            Family::Ipv6 => std::net::IpAddr::V6(MULTICAST_GROUP_V6),
        }
    }
}

impl std::fmt::Display for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Family::Ipv4 => "ipv4",
            Family::Ipv6 => "ipv6",
        })
    }
}

/// The virtual MAC address of a VRID (RFC 5798 §7.3): 00-00-5E-00-01-{VRID} for IPv4,
/// 00-00-5E-00-02-{VRID} for IPv6.
pub const fn virtual_mac(family: Family, vrid: u8) -> [u8; 6] {
    match family {
        Family::Ipv4 => [0x00, 0x00, 0x5e, 0x00, 0x01, vrid],
        Family::Ipv6 => [0x00, 0x00, 0x5e, 0x00, 0x02, vrid],
    }
}
