//! The passive capture socket of `vrrplab watch` (built with the `replay` feature).
//!
//! The socket is bound to one interface with `ETH_P_ALL`, in promiscuous membership (as
//! tcpdump: unicast adverts to peers are seen on a mirror port), with kernel nanosecond receive
//! timestamps (`SO_TIMESTAMPNS`) and non-blocking. It never sends. When its interface goes down
//! or away the kernel reports `ENETDOWN` on the socket: [`CaptureSocket::receive`] returns it as
//! [`Received::InterfaceDown`] for the caller to decide.

use super::packet::link_address;
use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg, setsockopt, sockopt};
use socket2::{Domain, Protocol, Socket, Type};
use std::io::IoSliceMut;
use std::os::fd::AsRawFd;

/// Every protocol (`ETH_P_ALL`).
pub const ETH_P_ALL: u16 = libc::ETH_P_ALL as u16;

/// What one receive gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// A frame: bytes kept (at most the buffer), length on the wire, kernel receive time (ns
    /// since the Unix epoch).
    Frame {
        /// Bytes written into the buffer.
        len: usize,
        /// Length of the frame on the wire.
        orig_len: u32,
        /// Kernel timestamp.
        time_ns: u64,
    },
    /// Nothing queued.
    Empty,
    /// The interface went down or away (`ENETDOWN`).
    InterfaceDown,
}

/// A passive capture socket on one interface.
pub struct CaptureSocket {
    socket: Socket,
}

impl CaptureSocket {
    /// Opens the socket on interface `index` (needs CAP_NET_RAW).
    pub fn open(index: u32) -> std::io::Result<CaptureSocket> {
        let protocol = Protocol::from(i32::from(ETH_P_ALL.to_be()));
        let socket = Socket::new(Domain::PACKET, Type::RAW, Some(protocol))?;
        socket.bind(&link_address(index, ETH_P_ALL, None))?;
        // SAFETY: packet_mreq is plain data; zeroed is a valid value.
        let mut mreq: libc::packet_mreq = unsafe { std::mem::zeroed() };
        mreq.mr_ifindex = index as i32;
        mreq.mr_type = libc::PACKET_MR_PROMISC as u16;
        // SAFETY: the fd is open; mreq is a valid packet_mreq and the length is its size.
        let rc = unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_ADD_MEMBERSHIP,
                (&mreq as *const libc::packet_mreq).cast(),
                std::mem::size_of::<libc::packet_mreq>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(std::io::Error::last_os_error());
        }
        setsockopt(&socket, sockopt::ReceiveTimestampns, &true)?;
        socket.set_recv_buffer_size(4 << 20)?;
        socket.set_nonblocking(true)?;
        Ok(CaptureSocket { socket })
    }

    /// The socket, for readiness polling.
    pub fn socket(&self) -> &Socket {
        &self.socket
    }

    /// Receives one queued frame into `buf` without blocking.
    pub fn receive(&self, buf: &mut [u8]) -> std::io::Result<Received> {
        let mut cmsg = nix::cmsg_space!(nix::sys::time::TimeSpec);
        let mut iov = [IoSliceMut::new(buf)];
        let result = recvmsg::<()>(
            self.socket.as_raw_fd(),
            &mut iov,
            Some(&mut cmsg),
            MsgFlags::MSG_TRUNC | MsgFlags::MSG_DONTWAIT,
        );
        let msg = match result {
            Ok(m) => m,
            Err(nix::errno::Errno::EAGAIN) | Err(nix::errno::Errno::EINTR) => {
                return Ok(Received::Empty);
            }
            Err(nix::errno::Errno::ENETDOWN) | Err(nix::errno::Errno::ENXIO) => {
                return Ok(Received::InterfaceDown);
            }
            Err(e) => return Err(e.into()),
        };
        let mut time_ns = None;
        for c in msg.cmsgs()? {
            if let ControlMessageOwned::ScmTimestampns(ts) = c {
                time_ns = Some(ts.tv_sec() as u64 * 1_000_000_000 + ts.tv_nsec() as u64);
            }
        }
        let orig_len = msg.bytes;
        let len = orig_len.min(iov[0].len());
        Ok(Received::Frame {
            len,
            orig_len: orig_len as u32,
            time_ns: time_ns.unwrap_or_else(now_ns),
        })
    }
}

/// The system clock, ns since the Unix epoch.
pub fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}
