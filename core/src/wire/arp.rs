//! ARP over Ethernet for IPv4 (RFC 826) and the gratuitous ARP a new master sends.
//!
//! keepalived announces each virtual IPv4 address with a broadcast ARP *request* whose sender and
//! target protocol addresses are both the VIP, sender hardware address the interface MAC (or the
//! VMAC), and target hardware address ff:ff:ff:ff:ff:ff; 42 bytes, unpadded (the NIC pads). That
//! is what [`ArpFrame::gratuitous`] builds. [`Arp::is_gratuitous`] recognises any ARP whose sender
//! and target protocol addresses are the same non-zero address, request or reply, whatever the
//! target hardware address (RFC 5227 §3 announcements use zeroes there).

use super::ethernet::{self, ETHERTYPE_ARP, ETHERTYPE_IPV4, EthernetFrame, FrameError, MacAddress};
use std::net::Ipv4Addr;

mod field {
    use std::ops::Range;
    pub const HARDWARE_TYPE: Range<usize> = 0..2;
    pub const PROTOCOL_TYPE: Range<usize> = 2..4;
    pub const HARDWARE_LEN: usize = 4;
    pub const PROTOCOL_LEN: usize = 5;
    pub const OPERATION: Range<usize> = 6..8;
    pub const SENDER_MAC: Range<usize> = 8..14;
    pub const SENDER_IP: Range<usize> = 14..18;
    pub const TARGET_MAC: Range<usize> = 18..24;
    pub const TARGET_IP: Range<usize> = 24..28;
}

/// ARP hardware type of Ethernet.
pub const HARDWARE_ETHERNET: u16 = 1;
/// Length of an Ethernet/IPv4 ARP packet.
pub const PACKET_LEN: usize = 28;
/// Length of an unpadded Ethernet frame carrying one ARP packet.
pub const FRAME_LEN: usize = ethernet::HEADER_LEN + PACKET_LEN;

/// ARP operation code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ArpOperation {
    /// 1: request (what keepalived's gratuitous ARP uses).
    Request,
    /// 2: reply.
    Reply,
    /// Anything else (RARP, InARP …), kept as read.
    Unknown(u16),
}

impl ArpOperation {
    /// The code on the wire.
    pub const fn code(self) -> u16 {
        match self {
            ArpOperation::Request => 1,
            ArpOperation::Reply => 2,
            ArpOperation::Unknown(c) => c,
        }
    }

    /// The operation of a code.
    pub const fn from_code(code: u16) -> ArpOperation {
        match code {
            1 => ArpOperation::Request,
            2 => ArpOperation::Reply,
            c => ArpOperation::Unknown(c),
        }
    }
}

/// An Ethernet/IPv4 ARP packet (the 28 bytes after the Ethernet header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Arp {
    /// Operation.
    pub operation: ArpOperation,
    /// Sender hardware address.
    pub sender_mac: MacAddress,
    /// Sender protocol address.
    pub sender_ip: Ipv4Addr,
    /// Target hardware address.
    pub target_mac: MacAddress,
    /// Target protocol address.
    pub target_ip: Ipv4Addr,
}

impl Arp {
    /// Reads an untrusted ARP packet; bytes after the 28 (link padding) are ignored.
    pub fn parse(packet: &[u8]) -> Result<Arp, FrameError> {
        if packet.len() < PACKET_LEN {
            return Err(FrameError::Truncated {
                len: packet.len(),
                needed: PACKET_LEN,
            });
        }
        let hardware = be16(&packet[field::HARDWARE_TYPE]);
        let protocol = be16(&packet[field::PROTOCOL_TYPE]);
        if hardware != HARDWARE_ETHERNET
            || protocol != ETHERTYPE_IPV4
            || packet[field::HARDWARE_LEN] != 6
            || packet[field::PROTOCOL_LEN] != 4
        {
            return Err(FrameError::UnsupportedArp { hardware, protocol });
        }
        Ok(Arp {
            operation: ArpOperation::from_code(be16(&packet[field::OPERATION])),
            sender_mac: mac(&packet[field::SENDER_MAC]),
            sender_ip: ipv4(&packet[field::SENDER_IP]),
            target_mac: mac(&packet[field::TARGET_MAC]),
            target_ip: ipv4(&packet[field::TARGET_IP]),
        })
    }

    /// Writes the 28-byte packet into `buf[..28]`. Panics if `buf` is shorter.
    pub fn emit(&self, buf: &mut [u8]) {
        buf[field::HARDWARE_TYPE].copy_from_slice(&HARDWARE_ETHERNET.to_be_bytes());
        buf[field::PROTOCOL_TYPE].copy_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
        buf[field::HARDWARE_LEN] = 6;
        buf[field::PROTOCOL_LEN] = 4;
        buf[field::OPERATION].copy_from_slice(&self.operation.code().to_be_bytes());
        buf[field::SENDER_MAC].copy_from_slice(&self.sender_mac.0);
        buf[field::SENDER_IP].copy_from_slice(&self.sender_ip.octets());
        buf[field::TARGET_MAC].copy_from_slice(&self.target_mac.0);
        buf[field::TARGET_IP].copy_from_slice(&self.target_ip.octets());
    }

    /// The announced address when this is a gratuitous ARP: a request or reply whose sender
    /// and target protocol addresses are the same, non-zero address (a zero sender is an RFC 5227
    /// probe, not an announcement).
    pub fn gratuitous_address(&self) -> Option<Ipv4Addr> {
        let announces = matches!(self.operation, ArpOperation::Request | ArpOperation::Reply)
            && self.sender_ip == self.target_ip
            && !self.sender_ip.is_unspecified();
        announces.then_some(self.sender_ip)
    }

    /// Whether this is a gratuitous ARP (see [`Arp::gratuitous_address`]).
    pub fn is_gratuitous(&self) -> bool {
        self.gratuitous_address().is_some()
    }
}

/// An ARP packet in an Ethernet frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArpFrame {
    /// Ethernet destination.
    pub destination: MacAddress,
    /// Ethernet source.
    pub source: MacAddress,
    /// The ARP packet.
    pub arp: Arp,
}

impl ArpFrame {
    /// keepalived's gratuitous ARP for `address` from `mac` (the interface MAC, or the VMAC with
    /// `use_vmac`): broadcast request, sender = target = `address`, target MAC broadcast.
    pub const fn gratuitous(mac: MacAddress, address: Ipv4Addr) -> ArpFrame {
        ArpFrame {
            destination: MacAddress::BROADCAST,
            source: mac,
            arp: Arp {
                operation: ArpOperation::Request,
                sender_mac: mac,
                sender_ip: address,
                target_mac: MacAddress::BROADCAST,
                target_ip: address,
            },
        }
    }

    /// Reads an untrusted Ethernet frame (VLAN tags skipped, padding ignored).
    pub fn parse(frame: &[u8]) -> Result<ArpFrame, FrameError> {
        let eth = EthernetFrame::parse_expecting(frame, ETHERTYPE_ARP)?;
        Ok(ArpFrame {
            destination: eth.destination,
            source: eth.source,
            arp: Arp::parse(eth.payload)?,
        })
    }

    /// Bytes [`ArpFrame::emit`] writes: 42 (no padding, no VLAN tag).
    pub const fn buffer_len(&self) -> usize {
        FRAME_LEN
    }

    /// Writes the frame into `frame[..42]`. Panics if `frame` is shorter.
    pub fn emit(&self, frame: &mut [u8]) {
        ethernet::emit_header(frame, self.destination, self.source, ETHERTYPE_ARP);
        self.arp.emit(&mut frame[ethernet::HEADER_LEN..FRAME_LEN]);
    }

    /// The frame as a fresh vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut frame = vec![0u8; self.buffer_len()];
        self.emit(&mut frame);
        frame
    }
}

/// Whether `frame` is an Ethernet frame carrying a gratuitous ARP (for pcap replay).
pub fn is_gratuitous_arp(frame: &[u8]) -> bool {
    ArpFrame::parse(frame).is_ok_and(|f| f.arp.is_gratuitous())
}

fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}

fn mac(b: &[u8]) -> MacAddress {
    let mut o = [0u8; 6];
    o.copy_from_slice(b);
    MacAddress(o)
}

fn ipv4(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(b[0], b[1], b[2], b[3])
}

#[cfg(test)]
mod tests {
    use super::*;

    const H1: MacAddress = MacAddress([2, 0, 0, 0, 0, 1]);
    const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);

    fn packet() -> [u8; PACKET_LEN] {
        let mut p = [0u8; PACKET_LEN];
        ArpFrame::gratuitous(H1, VIP).arp.emit(&mut p);
        p
    }

    #[test]
    fn packet_shorter_than_28_bytes_is_truncated() {
        assert_eq!(
            Arp::parse(&packet()[..27]).unwrap_err(),
            FrameError::Truncated {
                len: 27,
                needed: 28
            }
        );
    }

    #[test]
    fn non_ethernet_hardware_is_unsupported() {
        let mut p = packet();
        p[1] = 6; // IEEE 802
        assert_eq!(
            Arp::parse(&p).unwrap_err(),
            FrameError::UnsupportedArp {
                hardware: 6,
                protocol: ETHERTYPE_IPV4
            }
        );
    }

    #[test]
    fn non_ipv4_protocol_is_unsupported() {
        let mut p = packet();
        p[2..4].copy_from_slice(&ethernet::ETHERTYPE_IPV6.to_be_bytes());
        assert!(matches!(
            Arp::parse(&p).unwrap_err(),
            FrameError::UnsupportedArp { .. }
        ));
    }

    #[test]
    fn wrong_address_lengths_are_unsupported() {
        let mut p = packet();
        p[field::HARDWARE_LEN] = 8;
        assert!(Arp::parse(&p).is_err());
        let mut p = packet();
        p[field::PROTOCOL_LEN] = 16;
        assert!(Arp::parse(&p).is_err());
    }

    #[test]
    fn request_for_another_address_is_not_gratuitous() {
        let mut arp = Arp::parse(&packet()).unwrap();
        arp.target_ip = Ipv4Addr::new(192, 0, 2, 1);
        assert!(!arp.is_gratuitous());
    }

    #[test]
    fn probe_from_zero_address_is_not_gratuitous() {
        let mut arp = Arp::parse(&packet()).unwrap();
        arp.sender_ip = Ipv4Addr::UNSPECIFIED;
        arp.target_ip = Ipv4Addr::UNSPECIFIED;
        assert!(!arp.is_gratuitous());
    }

    #[test]
    fn reply_announcement_with_zero_target_mac_is_gratuitous() {
        let mut arp = Arp::parse(&packet()).unwrap();
        arp.operation = ArpOperation::Reply;
        arp.target_mac = MacAddress::ZERO;
        assert_eq!(arp.gratuitous_address(), Some(VIP));
    }

    #[test]
    fn unknown_operation_is_kept_and_not_gratuitous() {
        let mut p = packet();
        p[field::OPERATION].copy_from_slice(&3u16.to_be_bytes());
        let arp = Arp::parse(&p).unwrap();
        assert_eq!(arp.operation, ArpOperation::Unknown(3));
        assert!(!arp.is_gratuitous());
    }

    #[test]
    fn ipv4_frame_is_not_an_arp_frame() {
        let mut frame = ArpFrame::gratuitous(H1, VIP).to_bytes();
        frame[12..14].copy_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
        assert_eq!(
            ArpFrame::parse(&frame).unwrap_err(),
            FrameError::EtherType(ETHERTYPE_IPV4)
        );
        assert!(!is_gratuitous_arp(&frame));
    }
}
