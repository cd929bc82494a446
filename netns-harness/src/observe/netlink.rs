//! A minimal synchronous rtnetlink client: dumps of links, addresses and neighbours.
//!
//! The socket belongs to the namespace of the thread that created it (see
//! [`NetlinkSocket::open_in`]), so one observer thread can poll many namespaces. Replies are
//! parsed with bounds checks everywhere: a short or odd message ends the dump with
//! [`HarnessError::Invalid`], never a panic.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use crate::error::{HarnessError, Result};

const NLMSG_HDR_LEN: usize = 16;
const IFINFOMSG_LEN: usize = 16;
const IFADDRMSG_LEN: usize = 8;
const NDMSG_LEN: usize = 12;
const IFLA_IFNAME: u16 = 3;
const IFLA_PROTO_DOWN: u16 = 39;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const NDA_DST: u16 = 1;
const NDA_LLADDR: u16 = 2;

/// One interface from an `RTM_GETLINK` dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Interface index.
    pub index: u32,
    /// Interface name.
    pub name: String,
    /// `IFF_*` flags.
    pub flags: u32,
    /// `IFLA_PROTO_DOWN` (FRR puts a backup's macvlan in protodown).
    pub proto_down: bool,
}

impl Link {
    /// Up, with carrier, and not protodown: traffic to its addresses is answered.
    pub fn is_operational(&self) -> bool {
        let up = self.flags & libc::IFF_UP as u32 != 0;
        let lower_up = self.flags & libc::IFF_LOWER_UP as u32 != 0;
        up && lower_up && !self.proto_down
    }
}

/// One address from an `RTM_GETADDR` dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address {
    /// Interface index.
    pub index: u32,
    /// The local address.
    pub address: IpAddr,
    /// Prefix length.
    pub prefix_len: u8,
}

/// One entry from an `RTM_GETNEIGH` dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbour {
    /// Interface index.
    pub index: u32,
    /// The neighbour's IP address.
    pub destination: IpAddr,
    /// Its link-layer address, when resolved.
    pub lladdr: Option<Vec<u8>>,
    /// `NUD_*` state bits.
    pub state: u16,
}

/// A `NETLINK_ROUTE` socket bound to one namespace.
#[derive(Debug)]
pub struct NetlinkSocket {
    fd: OwnedFd,
    seq: u32,
}

impl NetlinkSocket {
    /// Opens a socket in the calling thread's current namespace.
    pub fn open() -> Result<NetlinkSocket> {
        // SAFETY: plain socket(2) call; the result is checked.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_ROUTE,
            )
        };
        if fd < 0 {
            return Err(HarnessError::io(
                "netlink socket",
                std::io::Error::last_os_error(),
            ));
        }
        // SAFETY: fd was just returned by socket(2) and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let timeout = libc::timeval {
            tv_sec: 1,
            tv_usec: 0,
        };
        // SAFETY: timeout outlives the call; the length matches its type.
        unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&timeout as *const libc::timeval).cast(),
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            )
        };
        Ok(NetlinkSocket { fd, seq: 1 })
    }

    /// Opens a socket inside the named namespace (`/run/netns/NAME`), from a short-lived thread
    /// so that no thread of the caller ever changes namespace.
    pub fn open_in(namespace: &str) -> Result<NetlinkSocket> {
        let ns = namespace.to_string();
        std::thread::spawn(move || -> Result<NetlinkSocket> {
            crate::netns::enter(&ns)?;
            NetlinkSocket::open()
        })
        .join()
        .map_err(|_| HarnessError::Invalid("netlink opener thread panicked".into()))?
    }

    fn dump(&mut self, msg_type: u16, family: u8, body_len: usize) -> Result<Vec<Vec<u8>>> {
        self.seq = self.seq.wrapping_add(1);
        let len = NLMSG_HDR_LEN + body_len;
        let mut req = vec![0u8; len];
        req[0..4].copy_from_slice(&(len as u32).to_ne_bytes());
        req[4..6].copy_from_slice(&msg_type.to_ne_bytes());
        let flags = (libc::NLM_F_REQUEST | libc::NLM_F_DUMP) as u16;
        req[6..8].copy_from_slice(&flags.to_ne_bytes());
        req[8..12].copy_from_slice(&self.seq.to_ne_bytes());
        req[NLMSG_HDR_LEN] = family;
        // SAFETY: req is a valid buffer of len bytes.
        let sent = unsafe { libc::send(self.fd.as_raw_fd(), req.as_ptr().cast(), len, 0) };
        if sent < 0 {
            return Err(HarnessError::io(
                "netlink send",
                std::io::Error::last_os_error(),
            ));
        }
        let mut messages = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            // SAFETY: buf is a valid writable buffer of buf.len() bytes.
            let n =
                unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
            if n < 0 {
                return Err(HarnessError::io(
                    "netlink recv",
                    std::io::Error::last_os_error(),
                ));
            }
            if split_datagram(&buf[..n as usize], self.seq, msg_type - 2, &mut messages)? {
                return Ok(messages);
            }
        }
    }

    /// Every interface.
    pub fn links(&mut self) -> Result<Vec<Link>> {
        let bodies = self.dump(libc::RTM_GETLINK, libc::AF_UNSPEC as u8, IFINFOMSG_LEN)?;
        Ok(bodies.iter().filter_map(|b| parse_link(b)).collect())
    }

    /// Every IPv4 and IPv6 address.
    pub fn addresses(&mut self) -> Result<Vec<Address>> {
        let bodies = self.dump(libc::RTM_GETADDR, libc::AF_UNSPEC as u8, IFADDRMSG_LEN)?;
        Ok(bodies.iter().filter_map(|b| parse_address(b)).collect())
    }

    /// Every neighbour (ARP and NDP) entry.
    pub fn neighbours(&mut self) -> Result<Vec<Neighbour>> {
        let bodies = self.dump(libc::RTM_GETNEIGH, libc::AF_UNSPEC as u8, NDMSG_LEN)?;
        Ok(bodies.iter().filter_map(|b| parse_neighbour(b)).collect())
    }
}

/// Splits one received datagram into the bodies of `reply_type` messages answering `seq`
/// (appended to `messages`). `Ok(true)` once the dump's `NLMSG_DONE` arrived.
pub fn split_datagram(
    datagram: &[u8],
    seq: u32,
    reply_type: u16,
    messages: &mut Vec<Vec<u8>>,
) -> Result<bool> {
    let mut rest = datagram;
    while rest.len() >= NLMSG_HDR_LEN {
        let msg_len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let kind = u16::from_ne_bytes([rest[4], rest[5]]);
        let msg_seq = u32::from_ne_bytes([rest[8], rest[9], rest[10], rest[11]]);
        if msg_len < NLMSG_HDR_LEN || msg_len > rest.len() {
            return Err(HarnessError::Invalid(format!(
                "netlink message length {msg_len} with {} bytes left",
                rest.len()
            )));
        }
        if msg_seq == seq {
            match i32::from(kind) {
                libc::NLMSG_DONE => return Ok(true),
                libc::NLMSG_ERROR => {
                    return Err(HarnessError::Invalid("netlink dump error".into()));
                }
                // RTM_GETx is answered with RTM_NEWx
                _ if kind == reply_type => messages.push(rest[NLMSG_HDR_LEN..msg_len].to_vec()),
                _ => {}
            }
        }
        rest = rest.get((msg_len + 3) & !3..).unwrap_or(&[]);
    }
    Ok(false)
}

/// Parses an `RTM_NEWLINK` body (`ifinfomsg` + attributes).
pub fn parse_link(body: &[u8]) -> Option<Link> {
    let head = body.get(..IFINFOMSG_LEN)?;
    let mut link = Link {
        index: u32::from_ne_bytes([head[4], head[5], head[6], head[7]]),
        name: String::new(),
        flags: u32::from_ne_bytes([head[8], head[9], head[10], head[11]]),
        proto_down: false,
    };
    for (kind, value) in attributes(&body[IFINFOMSG_LEN..]) {
        match kind {
            IFLA_IFNAME => {
                link.name = String::from_utf8_lossy(value)
                    .trim_end_matches('\0')
                    .to_string();
            }
            IFLA_PROTO_DOWN => link.proto_down = value.first().is_some_and(|b| *b != 0),
            _ => {}
        }
    }
    Some(link)
}

/// Parses an `RTM_NEWADDR` body (`ifaddrmsg` + attributes).
pub fn parse_address(body: &[u8]) -> Option<Address> {
    let head = body.get(..IFADDRMSG_LEN)?;
    let mut local = None;
    let mut address = None;
    for (kind, value) in attributes(&body[IFADDRMSG_LEN..]) {
        match kind {
            IFA_LOCAL => local = ip_from_bytes(value),
            IFA_ADDRESS => address = ip_from_bytes(value),
            _ => {}
        }
    }
    // IPv4 puts the local address in IFA_LOCAL (IFA_ADDRESS is the peer for p2p).
    Some(Address {
        index: u32::from_ne_bytes([head[4], head[5], head[6], head[7]]),
        address: local.or(address)?,
        prefix_len: head[1],
    })
}

/// Parses an `RTM_NEWNEIGH` body (`ndmsg` + attributes).
pub fn parse_neighbour(body: &[u8]) -> Option<Neighbour> {
    let head = body.get(..NDMSG_LEN)?;
    let mut destination = None;
    let mut lladdr = None;
    for (kind, value) in attributes(&body[NDMSG_LEN..]) {
        match kind {
            NDA_DST => destination = ip_from_bytes(value),
            NDA_LLADDR => lladdr = Some(value.to_vec()),
            _ => {}
        }
    }
    Some(Neighbour {
        index: u32::from_ne_bytes([head[4], head[5], head[6], head[7]]),
        destination: destination?,
        lladdr,
        state: u16::from_ne_bytes([head[8], head[9]]),
    })
}

fn ip_from_bytes(value: &[u8]) -> Option<IpAddr> {
    match value.len() {
        4 => Some(IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(value).ok()?))),
        16 => Some(IpAddr::V6(Ipv6Addr::from(
            <[u8; 16]>::try_from(value).ok()?,
        ))),
        _ => None,
    }
}

/// Iterates `rtattr`s (length, type, value; 4-byte aligned), stopping at the first malformed one.
pub fn attributes(mut bytes: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        if bytes.len() < 4 {
            return None;
        }
        let len = usize::from(u16::from_ne_bytes([bytes[0], bytes[1]]));
        let kind = u16::from_ne_bytes([bytes[2], bytes[3]]) & 0x3fff;
        if len < 4 || len > bytes.len() {
            return None;
        }
        let value = &bytes[4..len];
        bytes = bytes.get((len + 3) & !3..).unwrap_or(&[]);
        Some((kind, value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parsers_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = attributes(&bytes).count();
            let _ = parse_link(&bytes);
            let _ = parse_address(&bytes);
            let _ = parse_neighbour(&bytes);
            let mut messages = Vec::new();
            let _ = split_datagram(&bytes, 7, 20, &mut messages);
            for m in &messages {
                prop_assert!(m.len() <= bytes.len());
            }
        }
    }

    #[test]
    fn split_datagram_keeps_replies_to_our_sequence_and_stops_at_done() {
        let msg = |kind: u16, seq: u32, body: &[u8]| {
            let mut m = ((16 + body.len()) as u32).to_ne_bytes().to_vec();
            m.extend_from_slice(&kind.to_ne_bytes());
            m.extend_from_slice(&[0, 0]);
            m.extend_from_slice(&seq.to_ne_bytes());
            m.extend_from_slice(&[0; 4]);
            m.extend_from_slice(body);
            while !m.len().is_multiple_of(4) {
                m.push(0);
            }
            m
        };
        let mut datagram = msg(20, 7, &[1, 2, 3, 4, 5]);
        datagram.extend(msg(20, 8, &[9; 4])); // another request's reply
        datagram.extend(msg(libc::NLMSG_DONE as u16, 7, &[0; 4]));
        let mut messages = Vec::new();
        assert!(split_datagram(&datagram, 7, 20, &mut messages).unwrap());
        assert_eq!(messages, vec![vec![1, 2, 3, 4, 5]]);
        let mut bad = msg(20, 7, &[0; 4]);
        bad[0] = 200; // claims more bytes than the datagram has
        assert!(split_datagram(&bad, 7, 20, &mut Vec::new()).is_err());
    }

    #[test]
    fn parse_address_prefers_local_over_peer_address() {
        let mut body = vec![2, 24, 0, 0];
        body.extend_from_slice(&3u32.to_ne_bytes());
        body.extend(attr(IFA_ADDRESS, &[192, 0, 2, 1]));
        body.extend(attr(IFA_LOCAL, &[192, 0, 2, 100]));
        let a = parse_address(&body).unwrap();
        assert_eq!((a.index, a.prefix_len), (3, 24));
        assert_eq!(a.address, "192.0.2.100".parse::<IpAddr>().unwrap());
    }

    fn attr(kind: u16, value: &[u8]) -> Vec<u8> {
        let mut v = ((4 + value.len()) as u16).to_ne_bytes().to_vec();
        v.extend_from_slice(&kind.to_ne_bytes());
        v.extend_from_slice(value);
        while !v.len().is_multiple_of(4) {
            v.push(0);
        }
        v
    }

    #[test]
    fn attributes_walks_aligned_values_and_stops_at_garbage() {
        let mut bytes = attr(3, b"eth0\0");
        bytes.extend(attr(39, &[1]));
        bytes.extend([200, 0, 1, 0]); // claims 200 bytes: stop, don't panic
        let got: Vec<_> = attributes(&bytes).collect();
        assert_eq!(got, vec![(3, &b"eth0\0"[..]), (39, &[1u8][..])]);
    }

    #[test]
    fn ip_from_bytes_accepts_only_address_sizes() {
        assert_eq!(
            ip_from_bytes(&[192, 0, 2, 100]),
            Some("192.0.2.100".parse().unwrap())
        );
        assert_eq!(ip_from_bytes(&[1, 2, 3]), None);
    }
}
