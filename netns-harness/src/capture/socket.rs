//! The `AF_PACKET` socket under the capture: bound to one interface, promiscuous, with kernel
//! nanosecond receive timestamps and a short receive timeout so the thread can notice `stop`.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use crate::error::{HarnessError, Result};

/// One received frame: `(captured length, original length, kernel timestamp)`.
pub(super) type Received = (usize, u32, Duration);

pub(super) struct PacketSocket {
    fd: OwnedFd,
}

fn setsockopt<T>(fd: i32, level: i32, name: i32, value: &T, what: &str) -> Result<()> {
    // SAFETY: value points to a live T and the length is its size.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (value as *const T).cast(),
            std::mem::size_of::<T>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(HarnessError::io(what, std::io::Error::last_os_error()));
    }
    Ok(())
}

impl PacketSocket {
    /// Opens the socket on `interface` in the calling thread's namespace.
    pub(super) fn open(interface: &str) -> Result<PacketSocket> {
        let index = crate::netns::interface_index(interface)?;
        let protocol = (libc::ETH_P_ALL as u16).to_be();
        // SAFETY: plain socket(2) call; the result is checked.
        let raw = unsafe {
            libc::socket(
                libc::AF_PACKET,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                i32::from(protocol),
            )
        };
        if raw < 0 {
            return Err(HarnessError::io(
                "AF_PACKET socket",
                std::io::Error::last_os_error(),
            ));
        }
        // SAFETY: raw was just returned by socket(2).
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: sockaddr_ll is plain data; zeroed is a valid value.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = protocol;
        sll.sll_ifindex = index as i32;
        // SAFETY: sll is a valid sockaddr_ll and the length matches.
        let rc = unsafe {
            libc::bind(
                raw,
                (&sll as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(HarnessError::io(
                format!("bind AF_PACKET to {interface}"),
                std::io::Error::last_os_error(),
            ));
        }
        // SAFETY: packet_mreq is plain data.
        let mut mreq: libc::packet_mreq = unsafe { std::mem::zeroed() };
        mreq.mr_ifindex = index as i32;
        mreq.mr_type = libc::PACKET_MR_PROMISC as u16;
        setsockopt(
            raw,
            libc::SOL_PACKET,
            libc::PACKET_ADD_MEMBERSHIP,
            &mreq,
            "PACKET_ADD_MEMBERSHIP promisc",
        )?;
        let on: libc::c_int = 1;
        setsockopt(
            raw,
            libc::SOL_SOCKET,
            libc::SO_TIMESTAMPNS,
            &on,
            "SO_TIMESTAMPNS",
        )?;
        let size: libc::c_int = 4 << 20;
        setsockopt(raw, libc::SOL_SOCKET, libc::SO_RCVBUF, &size, "SO_RCVBUF")?;
        let timeout = libc::timeval {
            tv_sec: 0,
            tv_usec: 50_000,
        };
        setsockopt(
            raw,
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            &timeout,
            "SO_RCVTIMEO",
        )?;
        Ok(PacketSocket { fd })
    }

    /// Receives one frame: `(captured length, original length, kernel timestamp)`, or `None`
    /// on timeout.
    pub(super) fn receive(&self, buf: &mut [u8]) -> Result<Option<Received>> {
        self.receive_with(buf, 0)
    }

    /// Receives one frame already queued, or `None` at once when the queue is empty.
    pub(super) fn receive_queued(&self, buf: &mut [u8]) -> Result<Option<Received>> {
        self.receive_with(buf, libc::MSG_DONTWAIT)
    }

    fn receive_with(&self, buf: &mut [u8], flags: libc::c_int) -> Result<Option<Received>> {
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let mut control = [0u64; 16];
        // SAFETY: msghdr is plain data; the pointers set below outlive the recvmsg call.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = std::mem::size_of_val(&control);
        // SAFETY: msg describes valid buffers; MSG_TRUNC makes the return the frame's length.
        let n = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, libc::MSG_TRUNC | flags) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::EAGAIN) | Some(libc::EINTR) => Ok(None),
                _ => Err(HarnessError::io("recvmsg on AF_PACKET", e)),
            };
        }
        let orig_len = n as usize;
        let len = orig_len.min(buf.len());
        let mut timestamp = crate::processes::epoch_now();
        // SAFETY: the CMSG macros walk the control buffer the kernel filled, bounded by
        // msg_controllen.
        unsafe {
            let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
            while !cmsg.is_null() {
                if (*cmsg).cmsg_level == libc::SOL_SOCKET
                    && (*cmsg).cmsg_type == libc::SCM_TIMESTAMPNS
                {
                    let ts =
                        std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast::<libc::timespec>());
                    timestamp = Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
                }
                cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
            }
        }
        Ok(Some((len, orig_len as u32, timestamp)))
    }
}
