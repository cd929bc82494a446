//! VRRP sockets: one raw socket (protocol 112) per interface and family, bound to the device.
//!
//! IPv4: the kernel writes the IP header on send (TTL 255 for multicast and unicast, loop off);
//! the source address is set per packet with `IP_PKTINFO`, so the socket is not bound to an
//! address (a raw socket bound to an address only receives datagrams sent *to* it). Received
//! data includes the IP header: TTL, source and destination are read from it ([`vrrplab_core::rx`]).
//! IPv6: `IPV6_CHECKSUM` = 6 makes the kernel fill and verify the checksum; the hop limit and
//! destination come from `IPV6_RECVHOPLIMIT` / `IPV6_RECVPKTINFO` ancillary data.
//!
//! Every datagram read is forwarded as [`Received`] over a bounded channel ([`QUEUE`]; when
//! the driver falls behind, datagrams are dropped and counted); socket errors are logged and
//! counted, never fatal.
//!
//! Each [`Received`] carries when the kernel took the datagram in ([`Received::arrived`], from
//! its `SO_TIMESTAMPNS` stamp), so the driver hands the core the arrival time rather than the
//! moment the loop got round to it: a backup's Master_Down_Timer counts from the advert's
//! arrival, as RFC 5798 §6.4.2 resets it "upon receipt" of an advert.

use nix::sys::socket::{
    ControlMessage, ControlMessageOwned, MsgFlags, SockaddrIn, SockaddrIn6, recvmsg, sendmsg,
};
use socket2::{Domain, InterfaceIndexOrAddress, Protocol, Socket, Type};
use std::io::{IoSlice, IoSliceMut};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::sync::mpsc;
use vrrplab_core::node::{RxMeta, Transmit};
use vrrplab_core::rx::{self, Ipv6Ancillary};

/// Datagrams queued between the reader tasks and the driver loop.
pub const QUEUE: usize = 1024;

/// A datagram for the core.
#[derive(Debug)]
pub struct Received {
    /// Where and how it arrived.
    pub meta: RxMeta,
    /// The VRRP message.
    pub payload: Vec<u8>,
    /// When the kernel received it, on the monotonic clock ([`arrival`]).
    pub arrived: Instant,
}

/// A kernel stamp older than this when read is not believed (the realtime clock was stepped
/// between the stamp and the read): the read time stands instead.
pub const MAX_STAMP_AGE: Duration = Duration::from_secs(1);

/// When a datagram arrived, on the monotonic clock: `read_at` (the monotonic time of the read)
/// less the datagram's age, which is the realtime clock at the read (`realtime_at_read`) less
/// the kernel's realtime stamp (`SO_TIMESTAMPNS`). Without a stamp, or with an age that is
/// negative or over [`MAX_STAMP_AGE`] (a clock step), it is `read_at`.
pub fn arrival(read_at: Instant, realtime_at_read: Duration, stamp: Option<Duration>) -> Instant {
    let Some(stamp) = stamp else { return read_at };
    match realtime_at_read.checked_sub(stamp) {
        Some(age) if age <= MAX_STAMP_AGE => read_at.checked_sub(age).unwrap_or(read_at),
        _ => read_at,
    }
}

/// The realtime clock now, as time since the epoch (the kernel's receive stamps use it).
fn realtime_now() -> Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}

/// A kernel `SO_TIMESTAMPNS` stamp as time since the epoch (`None` if it is before it).
fn stamp_of(ts: &nix::sys::time::TimeSpec) -> Option<Duration> {
    let secs = u64::try_from(ts.tv_sec()).ok()?;
    let nanos = u32::try_from(ts.tv_nsec()).ok()?;
    Some(Duration::new(secs, nanos))
}

/// Errors of the reader tasks since start (sends are counted by the driver).
#[derive(Debug, Default)]
pub struct SocketErrors {
    /// Failed receives and undecodable datagrams.
    pub receive: AtomicU64,
    /// Datagrams dropped because the driver's queue was full.
    pub overflow: AtomicU64,
    /// Datagrams the kernel dropped before the reader took them (the socket's receive queue
    /// was full: `SO_RXQ_OVFL`), e.g. under a flood.
    pub kernel_dropped: AtomicU64,
}

/// The raw socket of one interface and family.
pub struct VrrpSocket {
    interface: String,
    index: u32,
    v6: bool,
    fd: Arc<AsyncFd<Socket>>,
}

fn setsockopt_int(socket: &Socket, level: i32, name: i32, value: i32) -> std::io::Result<()> {
    // SAFETY: the fd is open for the socket's lifetime; the option value is a valid c_int.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            level,
            name,
            (&value as *const i32).cast(),
            std::mem::size_of::<i32>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

impl VrrpSocket {
    /// Opens the socket on `interface` (index `index`) and joins `groups` (all of its family).
    pub fn open(interface: &str, index: u32, v6: bool, groups: &[IpAddr]) -> std::io::Result<Self> {
        let domain = if v6 { Domain::IPV6 } else { Domain::IPV4 };
        let socket = Socket::new(
            domain,
            Type::RAW,
            Some(Protocol::from(i32::from(rx::IPPROTO_VRRP))),
        )?;
        socket.bind_device(Some(interface.as_bytes()))?;
        socket.set_nonblocking(true)?;
        // Every datagram carries the count of those the kernel dropped on this socket so far.
        nix::sys::socket::setsockopt(&socket, nix::sys::socket::sockopt::RxqOvfl, &1)?;
        // Every datagram carries when the kernel received it (the Master_Down_Timer's start).
        nix::sys::socket::setsockopt(
            &socket,
            nix::sys::socket::sockopt::ReceiveTimestampns,
            &true,
        )?;
        if v6 {
            for g in groups {
                if let IpAddr::V6(g) = g {
                    socket.join_multicast_v6(g, index)?;
                }
            }
            socket.set_multicast_if_v6(index)?;
            socket.set_multicast_hops_v6(255)?;
            socket.set_unicast_hops_v6(255)?;
            socket.set_multicast_loop_v6(false)?;
            setsockopt_int(&socket, libc::IPPROTO_IPV6, libc::IPV6_CHECKSUM, 6)?;
            setsockopt_int(&socket, libc::IPPROTO_IPV6, libc::IPV6_RECVHOPLIMIT, 1)?;
            setsockopt_int(&socket, libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO, 1)?;
        } else {
            for g in groups {
                if let IpAddr::V4(g) = g {
                    socket.join_multicast_v4_n(g, &InterfaceIndexOrAddress::Index(index))?;
                }
            }
            socket.set_multicast_ttl_v4(255)?;
            socket.set_ttl_v4(255)?;
            socket.set_multicast_loop_v4(false)?;
        }
        // SAFETY: the socket stays open as long as the AsyncFd owns it.
        let fd = unsafe { AsyncFd::register_with_interest(socket, Interest::READABLE) }?;
        Ok(VrrpSocket {
            interface: interface.to_string(),
            index,
            v6,
            fd: Arc::new(fd),
        })
    }

    /// Opens a socket that only sends, on a VMAC: nothing is joined and a filter that accepts
    /// no packet keeps its receive queue empty (the base interface's socket receives).
    pub fn open_send_only(interface: &str, index: u32, v6: bool) -> std::io::Result<Self> {
        let s = VrrpSocket::open(interface, index, v6, &[])?;
        // Classic BPF `ret #0`: every packet is cut to 0 bytes, that is, dropped.
        s.fd.get_ref()
            .attach_filter(&[socket2::SockFilter::new(0x06, 0, 0, 0)])?;
        Ok(s)
    }

    /// Sends one advert (non-blocking; a full buffer is an error like any other).
    pub fn send(&self, t: &Transmit) -> std::io::Result<()> {
        let fd = self.fd.get_ref().as_raw_fd();
        let iov = [IoSlice::new(&t.payload)];
        match (t.src, t.dst) {
            (IpAddr::V4(src), IpAddr::V4(dst)) if !self.v6 => {
                let info = libc::in_pktinfo {
                    ipi_ifindex: self.index as i32,
                    ipi_spec_dst: libc::in_addr {
                        s_addr: u32::from(src).to_be(),
                    },
                    ipi_addr: libc::in_addr { s_addr: 0 },
                };
                let to = SockaddrIn::from(SocketAddrV4::new(dst, 0));
                sendmsg(
                    fd,
                    &iov,
                    &[ControlMessage::Ipv4PacketInfo(&info)],
                    MsgFlags::empty(),
                    Some(&to),
                )?;
            }
            (IpAddr::V6(src), IpAddr::V6(dst)) if self.v6 => {
                let info = libc::in6_pktinfo {
                    ipi6_addr: libc::in6_addr {
                        s6_addr: src.octets(),
                    },
                    ipi6_ifindex: self.index,
                };
                let to = SockaddrIn6::from(SocketAddrV6::new(dst, 0, 0, self.index));
                sendmsg(
                    fd,
                    &iov,
                    &[ControlMessage::Ipv6PacketInfo(&info)],
                    MsgFlags::empty(),
                    Some(&to),
                )?;
            }
            _ => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "address family does not match the socket",
                ));
            }
        }
        Ok(())
    }

    /// Starts the reader task: every datagram becomes a [`Received`] on `tx`.
    pub fn spawn_reader(
        &self,
        group: IpAddr,
        tx: mpsc::Sender<Received>,
        errors: Arc<SocketErrors>,
    ) -> tokio::task::JoinHandle<()> {
        let fd = self.fd.clone();
        let interface = self.interface.clone();
        let v6 = self.v6;
        tokio::spawn(async move {
            let mut buf = vec![0u8; 65536];
            let mut kernel_dropped = 0u32;
            loop {
                let Ok(mut guard) = fd.readable().await else {
                    errors.receive.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(interface, "VRRP socket cannot be polled; reader stops");
                    return;
                };
                let result = guard.try_io(|inner| {
                    let raw = inner.get_ref().as_raw_fd();
                    if v6 {
                        read_v6(raw, &mut buf, &interface, group)
                    } else {
                        read_v4(raw, &mut buf, &interface)
                    }
                    .map_err(std::io::Error::from)
                });
                let result = result.map(|read| {
                    read.map(|(datagram, dropped)| {
                        if let Some(total) = dropped {
                            let new = newly_dropped(&mut kernel_dropped, total);
                            errors.kernel_dropped.fetch_add(new, Ordering::Relaxed);
                        }
                        datagram
                    })
                });
                match result {
                    Err(_would_block) => continue,
                    Ok(Ok(Ok(received))) => match tx.try_send(received) {
                        Ok(()) => {}
                        Err(mpsc::error::TrySendError::Full(_)) => {
                            errors.overflow.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(mpsc::error::TrySendError::Closed(_)) => return,
                    },
                    Ok(Ok(Err(reason))) => {
                        errors.receive.fetch_add(1, Ordering::Relaxed);
                        tracing::debug!(interface, %reason, "VRRP datagram discarded");
                    }
                    Ok(Err(e)) => {
                        errors.receive.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(interface, error = %e, "VRRP receive failed");
                    }
                }
            }
        })
    }
}

/// Drops since the last datagram, from the kernel's `SO_RXQ_OVFL` count, which is cumulative
/// per socket and wraps at 2³²; `last` becomes `total`.
fn newly_dropped(last: &mut u32, total: u32) -> u64 {
    let new = total.wrapping_sub(*last);
    *last = total;
    u64::from(new)
}

/// One datagram read (or why it was refused), with the kernel's drop count when it came.
type ReadResult = nix::Result<(Result<Received, rx::RxError>, Option<u32>)>;

fn read_v4(fd: i32, buf: &mut [u8], interface: &str) -> ReadResult {
    let mut cmsg = nix::cmsg_space!(u32, nix::sys::time::TimeSpec);
    let mut iov = [IoSliceMut::new(buf)];
    let msg = recvmsg::<()>(fd, &mut iov, Some(&mut cmsg), MsgFlags::empty())?;
    let read_at = Instant::now();
    let mut dropped = None;
    let mut stamp = None;
    for c in msg.cmsgs()? {
        match c {
            ControlMessageOwned::RxqOvfl(n) => dropped = Some(n),
            ControlMessageOwned::ScmTimestampns(ts) => stamp = stamp_of(&ts),
            _ => {}
        }
    }
    let arrived = arrival(read_at, realtime_now(), stamp);
    let n = msg.bytes;
    let datagram = rx::ipv4_received(interface, &buf[..n]).map(|(meta, payload)| Received {
        meta,
        payload: payload.to_vec(),
        arrived,
    });
    Ok((datagram, dropped))
}

fn read_v6(fd: i32, buf: &mut [u8], interface: &str, group: IpAddr) -> ReadResult {
    let mut cmsg = nix::cmsg_space!(
        libc::c_int,
        libc::in6_pktinfo,
        u32,
        nix::sys::time::TimeSpec
    );
    let mut iov = [IoSliceMut::new(buf)];
    let msg = recvmsg::<SockaddrIn6>(fd, &mut iov, Some(&mut cmsg), MsgFlags::empty())?;
    let read_at = Instant::now();
    let mut ancillary = Ipv6Ancillary::default();
    let mut dropped = None;
    let mut stamp = None;
    for c in msg.cmsgs()? {
        match c {
            ControlMessageOwned::RxqOvfl(n) => dropped = Some(n),
            ControlMessageOwned::ScmTimestampns(ts) => stamp = stamp_of(&ts),
            ControlMessageOwned::Ipv6HopLimit(h) => ancillary.hop_limit(h),
            ControlMessageOwned::Ipv6PacketInfo(info) => {
                ancillary.destination(info.ipi6_addr.s6_addr)
            }
            _ => {}
        }
    }
    let n = msg.bytes;
    let src = msg.address.map(|a| a.ip()).unwrap_or(Ipv6Addr::UNSPECIFIED);
    let received = rx::ipv6_received(interface, src, &ancillary, group, &buf[..n]);
    let arrived = arrival(read_at, realtime_now(), stamp);
    let datagram = received.map(|(meta, payload)| Received {
        meta,
        payload: payload.to_vec(),
        arrived,
    });
    Ok((datagram, dropped))
}

/// The family's default group, for sockets whose instances all use unicast.
pub fn default_group(v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12))
    } else {
        IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18))
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_STAMP_AGE, arrival, newly_dropped};
    use std::time::{Duration, Instant};

    #[test]
    fn arrival_is_the_read_time_less_the_kernel_stamps_age() {
        let read_at = Instant::now();
        let realtime = Duration::from_secs(1_800_000_000);
        let stamp = realtime - Duration::from_micros(120);
        assert_eq!(
            read_at - arrival(read_at, realtime, Some(stamp)),
            Duration::from_micros(120)
        );
    }

    #[test]
    fn arrival_without_a_believable_stamp_is_the_read_time() {
        let read_at = Instant::now();
        let realtime = Duration::from_secs(1_800_000_000);
        assert_eq!(arrival(read_at, realtime, None), read_at);
        // A stamp from the future: the realtime clock was stepped back after it.
        let later = realtime + Duration::from_millis(3);
        assert_eq!(arrival(read_at, realtime, Some(later)), read_at);
        // Older than believable: the clock was stepped forward.
        let old = realtime - MAX_STAMP_AGE - Duration::from_nanos(1);
        assert_eq!(arrival(read_at, realtime, Some(old)), read_at);
        assert_eq!(
            read_at - arrival(read_at, realtime, Some(realtime - MAX_STAMP_AGE)),
            MAX_STAMP_AGE
        );
    }

    #[test]
    fn kernel_drop_count_is_taken_as_a_delta_across_datagrams_and_its_wrap() {
        let mut last = 0;
        assert_eq!(newly_dropped(&mut last, 0), 0);
        assert_eq!(newly_dropped(&mut last, 150), 150);
        assert_eq!(newly_dropped(&mut last, 150), 0);
        last = u32::MAX - 1;
        assert_eq!(newly_dropped(&mut last, 3), 5);
        assert_eq!(last, 3);
    }
}
