//! Virtual addresses through rtnetlink: add (IPv6 with `IFA_F_NODAD`, so a VIP is usable at
//! once) and remove. An address that is already there (EEXIST) or already gone
//! (ENOENT / EADDRNOTAVAIL) is not an error: the kernel is in the state asked for.

use rtnetlink::packet_route::address::{AddressAttribute, AddressFlags, AddressHeaderFlags};
use rtnetlink::{AddressMessageBuilder, Handle};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Address changes over one rtnetlink connection.
#[derive(Clone)]
pub struct Addresses {
    handle: Handle,
}

/// Whether a netlink error means "already in the requested state".
fn benign(error: &rtnetlink::Error, adding: bool) -> bool {
    let rtnetlink::Error::NetlinkError(message) = error else {
        return false;
    };
    let code = -message.raw_code();
    if adding {
        code == libc::EEXIST
    } else {
        code == libc::ENOENT || code == libc::EADDRNOTAVAIL
    }
}

impl Addresses {
    /// Opens the connection (its task runs on the current runtime).
    pub fn connect() -> std::io::Result<Addresses> {
        let (connection, handle, _) = rtnetlink::new_connection()?;
        tokio::spawn(connection);
        Ok(Addresses { handle })
    }

    /// The connection's handle, for other requests (dumps, links).
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Adds `address/prefix_len` to the interface `index`.
    pub async fn add(
        &self,
        index: u32,
        address: IpAddr,
        prefix_len: u8,
    ) -> Result<(), rtnetlink::Error> {
        let mut request = self.handle.address().add(index, address, prefix_len);
        if address.is_ipv6() {
            let message = request.message_mut();
            message.header.flags |= AddressHeaderFlags::Nodad;
            message
                .attributes
                .push(AddressAttribute::Flags(AddressFlags::Nodad));
        }
        match request.execute().await {
            Err(e) if !benign(&e, true) => Err(e),
            _ => Ok(()),
        }
    }

    /// Removes `address/prefix_len` from the interface `index`.
    pub async fn remove(
        &self,
        index: u32,
        address: IpAddr,
        prefix_len: u8,
    ) -> Result<(), rtnetlink::Error> {
        let message = match address {
            IpAddr::V4(a) => AddressMessageBuilder::<Ipv4Addr>::new()
                .index(index)
                .address(a, prefix_len)
                .build(),
            IpAddr::V6(a) => AddressMessageBuilder::<Ipv6Addr>::new()
                .index(index)
                .address(a, prefix_len)
                .build(),
        };
        match self.handle.address().del(message).execute().await {
            Err(e) if !benign(&e, false) => Err(e),
            _ => Ok(()),
        }
    }
}
