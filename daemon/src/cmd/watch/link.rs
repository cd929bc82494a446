//! The watched interface: its index and link type, opening the capture socket on it, and
//! waiting for it (`--wait-for-interface`).

use crate::run::capture::CaptureSocket;
use std::os::fd::{AsRawFd, RawFd};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use vrrplab_replay::LinkType;

/// How often an absent interface is looked for.
pub const POLL: std::time::Duration = std::time::Duration::from_millis(250);

/// The capture socket, registered with the runtime.
pub struct Link {
    /// Interface index at open time.
    pub index: u32,
    /// Link-layer type of its frames.
    pub link: LinkType,
    /// The socket.
    pub fd: AsyncFd<Socket>,
}

/// [`CaptureSocket`] as a file descriptor for [`AsyncFd`].
pub struct Socket(pub CaptureSocket);

impl AsRawFd for Socket {
    fn as_raw_fd(&self) -> RawFd {
        self.0.socket().as_raw_fd()
    }
}

/// The index of `name`, if it exists in this network namespace.
pub fn index_of(name: &str) -> Option<u32> {
    nix::net::if_::if_nametoindex(name).ok()
}

/// The link type of `name` from `/sys/class/net/NAME/type` (ARPHRD_*): Ethernet and loopback
/// carry Ethernet headers, `none` (tunnels) raw IP.
pub fn link_type(name: &str) -> Result<LinkType, String> {
    let path = format!("/sys/class/net/{name}/type");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(LinkType::ETHERNET);
    };
    match text.trim().parse::<u32>() {
        Ok(1) | Ok(772) => Ok(LinkType::ETHERNET),
        Ok(65534) => Ok(LinkType::RAW),
        Ok(other) => Err(format!(
            "interface {name}: link type {other} (ARPHRD) is not supported (Ethernet or raw IP)"
        )),
        Err(_) => Ok(LinkType::ETHERNET),
    }
}

/// Opens the capture on `name` (which exists with `index`).
pub fn open(name: &str, index: u32) -> Result<Link, String> {
    let link = link_type(name)?;
    let socket = CaptureSocket::open(index).map_err(|e| {
        if e.kind() == std::io::ErrorKind::PermissionDenied {
            format!("cannot capture on {name}: {e} (needs CAP_NET_RAW: run as root)")
        } else {
            format!("cannot capture on {name}: {e}")
        }
    })?;
    // SAFETY: the socket stays open as long as the AsyncFd owns it.
    let fd = unsafe { AsyncFd::register_with_interest(Socket(socket), Interest::READABLE) }
        .map_err(|e| format!("cannot poll {name}: {e}"))?;
    Ok(Link { index, link, fd })
}
