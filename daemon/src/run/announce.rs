//! Gratuitous ARP and unsolicited neighbour advertisements, written by the core's frame
//! emitters and sent as whole Ethernet frames over one AF_PACKET socket (protocol 0: it
//! receives nothing; its addresses come from [`super::packet`]).

use socket2::{Domain, Socket, Type};
use std::net::IpAddr;
use vrrplab_core::wire::{ArpFrame, MacAddress, NeighbourAdvertFrame};

/// The AF_PACKET sender.
pub struct Announcer {
    socket: Socket,
}

/// The Ethernet frame announcing `address` from `mac`, and its ethertype.
/// `router` sets the NA's Router flag (keepalived sets it when the interface forwards IPv6).
pub fn frame(mac: MacAddress, address: IpAddr, router: bool) -> (Vec<u8>, u16) {
    match address {
        IpAddr::V4(a) => (
            ArpFrame::gratuitous(mac, a).to_bytes(),
            libc::ETH_P_ARP as u16,
        ),
        IpAddr::V6(a) => {
            let na = NeighbourAdvertFrame::unsolicited(mac, a, router);
            let mut bytes = vec![0u8; na.buffer_len()];
            na.emit(&mut bytes);
            (bytes, libc::ETH_P_IPV6 as u16)
        }
    }
}

impl Announcer {
    /// Opens the socket.
    pub fn open() -> std::io::Result<Announcer> {
        let socket = Socket::new(Domain::PACKET, Type::RAW, None)?;
        socket.set_nonblocking(true)?;
        Ok(Announcer { socket })
    }

    /// Sends one announcement of `address` on interface `index` from `mac`.
    pub fn send(
        &self,
        index: u32,
        mac: MacAddress,
        address: IpAddr,
        router: bool,
    ) -> std::io::Result<()> {
        let (bytes, ethertype) = frame(mac, address, router);
        let mut destination = [0u8; 6];
        destination.copy_from_slice(&bytes[..6]);
        let to = super::packet::link_address(index, ethertype, Some(&destination));
        self.socket.send_to(&bytes, &to)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_announcement_is_a_broadcast_gratuitous_arp() {
        let mac = MacAddress([2, 0, 0, 0, 0, 1]);
        let (bytes, ethertype) = frame(mac, "10.0.0.100".parse().unwrap(), false);
        assert_eq!(ethertype, 0x0806);
        assert_eq!(bytes.len(), 42);
        assert_eq!(&bytes[..6], &[0xff; 6]);
        assert!(vrrplab_core::wire::is_gratuitous_arp(&bytes));
    }

    #[test]
    fn ipv6_announcement_is_an_unsolicited_na_to_all_nodes() {
        let mac = MacAddress([2, 0, 0, 0, 0, 1]);
        let (bytes, ethertype) = frame(mac, "2001:db8::100".parse().unwrap(), true);
        assert_eq!(ethertype, 0x86dd);
        assert_eq!(&bytes[..2], &[0x33, 0x33]);
        assert!(vrrplab_core::wire::is_unsolicited_na(&bytes));
    }
}
