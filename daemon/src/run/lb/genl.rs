//! Generic netlink, by hand: message encoding (netlink header, generic header, attributes) and
//! a blocking socket for the data-plane worker thread (never the driver loop). Only what the
//! IPVS backend needs: resolving a family by name and requests answered by an ACK.
//!
//! Layout (Linux `include/uapi/linux/netlink.h`, `genetlink.h`; `docs/ipvs-netlink.md`):
//! `nlmsghdr` = len u32, type u16, flags u16, seq u32, pid u32 (host byte order); `genlmsghdr`
//! = cmd u8, version u8, reserved u16; each attribute = len u16 (header + payload, unpadded),
//! type u16, payload, padding to 4 bytes. Nested attributes carry other attributes as payload.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// `NLM_F_REQUEST`.
pub const NLM_F_REQUEST: u16 = 0x1;
/// `NLM_F_ACK`.
pub const NLM_F_ACK: u16 = 0x4;
/// `NLMSG_ERROR` (an ACK is an error message with code 0).
pub const NLMSG_ERROR: u16 = 0x2;
/// `GENL_ID_CTRL`: the controller family's fixed id.
pub const GENL_ID_CTRL: u16 = 0x10;
/// `CTRL_CMD_GETFAMILY`.
pub const CTRL_CMD_GETFAMILY: u8 = 3;
/// `CTRL_ATTR_FAMILY_ID` (u16).
pub const CTRL_ATTR_FAMILY_ID: u16 = 1;
/// `CTRL_ATTR_FAMILY_NAME` (NUL-terminated string).
pub const CTRL_ATTR_FAMILY_NAME: u16 = 2;

/// Attributes being built: append with the typed helpers, nest with [`Attrs::nested`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Attrs(Vec<u8>);

impl Attrs {
    /// An empty attribute list.
    pub fn new() -> Attrs {
        Attrs(Vec::new())
    }

    /// Appends one attribute with a raw payload (padded to 4 bytes).
    pub fn bytes(mut self, kind: u16, payload: &[u8]) -> Attrs {
        let len = 4 + payload.len();
        self.0.extend_from_slice(&(len as u16).to_ne_bytes());
        self.0.extend_from_slice(&kind.to_ne_bytes());
        self.0.extend_from_slice(payload);
        while !self.0.len().is_multiple_of(4) {
            self.0.push(0);
        }
        self
    }

    /// A u16 in host order.
    pub fn u16(self, kind: u16, value: u16) -> Attrs {
        self.bytes(kind, &value.to_ne_bytes())
    }

    /// A u16 in network order (ports).
    pub fn be16(self, kind: u16, value: u16) -> Attrs {
        self.bytes(kind, &value.to_be_bytes())
    }

    /// A u32 in host order.
    pub fn u32(self, kind: u16, value: u32) -> Attrs {
        self.bytes(kind, &value.to_ne_bytes())
    }

    /// A NUL-terminated string.
    pub fn string(self, kind: u16, value: &str) -> Attrs {
        let mut payload = value.as_bytes().to_vec();
        payload.push(0);
        self.bytes(kind, &payload)
    }

    /// A nested attribute holding `inner`.
    pub fn nested(self, kind: u16, inner: Attrs) -> Attrs {
        self.bytes(kind, &inner.0)
    }

    /// The encoded attributes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

/// One generic netlink request: headers and attributes.
pub fn message(family: u16, flags: u16, seq: u32, cmd: u8, version: u8, attrs: Attrs) -> Vec<u8> {
    let payload = attrs.into_bytes();
    let len = 16 + 4 + payload.len();
    let mut m = Vec::with_capacity(len);
    m.extend_from_slice(&(len as u32).to_ne_bytes());
    m.extend_from_slice(&family.to_ne_bytes());
    m.extend_from_slice(&flags.to_ne_bytes());
    m.extend_from_slice(&seq.to_ne_bytes());
    m.extend_from_slice(&0u32.to_ne_bytes());
    m.push(cmd);
    m.push(version);
    m.extend_from_slice(&0u16.to_ne_bytes());
    m.extend_from_slice(&payload);
    m
}

/// Walks the attributes in `data`: (type without flag bits, payload).
pub fn parse_attrs(mut data: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    while data.len() >= 4 {
        let len = u16::from_ne_bytes([data[0], data[1]]) as usize;
        let kind = u16::from_ne_bytes([data[2], data[3]]) & 0x3fff;
        if len < 4 || len > data.len() {
            break;
        }
        out.push((kind, &data[4..len]));
        let padded = (len + 3) & !3;
        data = data.get(padded..).unwrap_or(&[]);
    }
    out
}

/// A blocking `NETLINK_GENERIC` socket.
pub struct Socket {
    fd: OwnedFd,
    seq: u32,
}

impl Socket {
    /// Opens and binds a generic netlink socket.
    pub fn open() -> std::io::Result<Socket> {
        // SAFETY: socket(2) with constant arguments; the fd is owned below.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_GENERIC,
            )
        };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: fd is a fresh descriptor we own.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let timeout = libc::timeval {
            tv_sec: 2,
            tv_usec: 0,
        };
        // SAFETY: setsockopt reads one timeval from a valid pointer.
        unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&timeout as *const libc::timeval).cast(),
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            );
        }
        Ok(Socket { fd, seq: 0 })
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    fn send(&self, message: &[u8]) -> std::io::Result<()> {
        // SAFETY: send(2) reads `message` for its length.
        let n = unsafe {
            libc::send(
                self.fd.as_raw_fd(),
                message.as_ptr().cast(),
                message.len(),
                0,
            )
        };
        if n < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }

    fn receive(&self) -> std::io::Result<Vec<u8>> {
        let mut buf = vec![0u8; 65536];
        // SAFETY: recv(2) writes at most buf.len() bytes into buf.
        let n = unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n < 0 {
            return Err(std::io::Error::last_os_error());
        }
        buf.truncate(n as usize);
        Ok(buf)
    }

    /// Sends a request and returns the first reply's payload after the generic header, or
    /// the kernel's error.
    pub fn request(
        &mut self,
        family: u16,
        cmd: u8,
        version: u8,
        attrs: Attrs,
    ) -> std::io::Result<Vec<u8>> {
        let seq = self.next_seq();
        self.send(&message(
            family,
            NLM_F_REQUEST | NLM_F_ACK,
            seq,
            cmd,
            version,
            attrs,
        ))?;
        let mut reply = Vec::new();
        loop {
            let data = self.receive()?;
            let mut rest = &data[..];
            while rest.len() >= 16 {
                let len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
                let kind = u16::from_ne_bytes([rest[4], rest[5]]);
                let got_seq = u32::from_ne_bytes([rest[8], rest[9], rest[10], rest[11]]);
                if len < 16 || len > rest.len() {
                    return Err(std::io::Error::other("truncated netlink reply"));
                }
                let body = &rest[16..len];
                if got_seq == seq {
                    if kind == NLMSG_ERROR {
                        let code = body
                            .get(..4)
                            .map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
                            .unwrap_or(0);
                        if code != 0 {
                            return Err(std::io::Error::from_raw_os_error(-code));
                        }
                        return Ok(reply);
                    }
                    reply = body.get(4..).unwrap_or(&[]).to_vec();
                }
                rest = &rest[((len + 3) & !3).min(rest.len())..];
            }
        }
    }

    /// The id of generic netlink family `name`, `None` when the kernel has no such family.
    pub fn family_id(&mut self, name: &str) -> std::io::Result<Option<u16>> {
        let attrs = Attrs::new().string(CTRL_ATTR_FAMILY_NAME, name);
        match self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, attrs) {
            Ok(reply) => Ok(parse_attrs(&reply)
                .into_iter()
                .find(|(k, _)| *k == CTRL_ATTR_FAMILY_ID)
                .and_then(|(_, v)| v.get(..2).map(|b| u16::from_ne_bytes([b[0], b[1]])))),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_padded_to_four_bytes_with_the_unpadded_length() {
        let a = Attrs::new().string(6, "wrr").u16(1, 2).into_bytes();
        #[rustfmt::skip]
        let expected: Vec<u8> = [
            [8u16.to_ne_bytes(), 6u16.to_ne_bytes()].concat(), b"wrr\0".to_vec(),
            [6u16.to_ne_bytes(), 1u16.to_ne_bytes()].concat(), [2u16.to_ne_bytes().to_vec(), vec![0, 0]].concat(),
        ].concat();
        assert_eq!(a, expected);
        assert_eq!(
            parse_attrs(&a),
            vec![(6, &b"wrr\0"[..]), (1, &2u16.to_ne_bytes()[..])]
        );
    }

    #[test]
    fn the_controller_resolves_its_own_family_and_not_a_missing_one() {
        let Ok(mut s) = Socket::open() else {
            crate::test_support::skip("no generic netlink socket here");
            return;
        };
        assert_eq!(s.family_id("nlctrl").unwrap(), Some(GENL_ID_CTRL));
        assert_eq!(s.family_id("no-such-family").unwrap(), None);
    }
}
