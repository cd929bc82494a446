//! AF_PACKET addressing: the link-layer address both directions use (the GARP / NA sender is
//! [`super::announce`], the passive capture socket of `vrrplab watch` is [`super::capture`]).

use socket2::{SockAddr, SockAddrStorage};

/// The `sockaddr_ll` of interface `index` for `ethertype`, with `destination` as the link-layer
/// address (sending) or none (binding).
pub fn link_address(index: u32, ethertype: u16, destination: Option<&[u8; 6]>) -> SockAddr {
    let mut storage = SockAddrStorage::zeroed();
    // SAFETY: sockaddr_ll fits in sockaddr_storage; every field used is written below.
    let sll = unsafe { storage.view_as::<libc::sockaddr_ll>() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = ethertype.to_be();
    sll.sll_ifindex = index as i32;
    if let Some(mac) = destination {
        sll.sll_halen = 6;
        sll.sll_addr[..6].copy_from_slice(mac);
    }
    let len = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
    // SAFETY: the storage holds a valid sockaddr_ll of `len` bytes.
    unsafe { SockAddr::new(storage, len) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_address_is_a_sockaddr_ll_for_the_interface_and_protocol() {
        let a = link_address(7, 0x0806, Some(&[0xff; 6]));
        assert_eq!(a.family(), libc::AF_PACKET as libc::sa_family_t);
        // SAFETY: the address was built as a sockaddr_ll of this length.
        let sll = unsafe { &*(a.as_ptr() as *const libc::sockaddr_ll) };
        assert_eq!(
            (
                sll.sll_ifindex,
                u16::from_be(sll.sll_protocol),
                sll.sll_halen
            ),
            (7, 0x0806, 6)
        );
        assert_eq!(sll.sll_addr[..6], [0xff; 6]);
    }
}
