//! systemd's readiness protocol (sd_notify(3)): `KEY=value` lines in one datagram to the
//! socket named by `$NOTIFY_SOCKET` (a path, or an abstract name written `@name`). Without the
//! variable every call does nothing, so the daemon runs the same outside systemd.

use std::os::unix::net::{SocketAddr, UnixDatagram};

/// A connection to the service manager's notification socket.
#[derive(Debug)]
pub struct Notifier {
    socket: UnixDatagram,
    address: SocketAddr,
}

impl Notifier {
    /// From `$NOTIFY_SOCKET`; `None` when it is unset or unusable.
    pub fn from_env() -> Option<Notifier> {
        let name = std::env::var_os("NOTIFY_SOCKET")?;
        Notifier::to(name.to_str()?).ok()
    }

    /// To the socket `name` (`@` for an abstract name).
    pub fn to(name: &str) -> std::io::Result<Notifier> {
        let address = match name.strip_prefix('@') {
            Some(abstract_name) => {
                use std::os::linux::net::SocketAddrExt;
                SocketAddr::from_abstract_name(abstract_name.as_bytes())?
            }
            None => SocketAddr::from_pathname(name)?,
        };
        Ok(Notifier {
            socket: UnixDatagram::unbound()?,
            address,
        })
    }

    /// Sends one notification (lines `KEY=value`).
    pub fn send(&self, state: &str) -> std::io::Result<()> {
        self.socket.send_to_addr(state.as_bytes(), &self.address)?;
        Ok(())
    }
}

/// `READY=1` with a status line.
pub fn ready(status: &str) -> String {
    format!("READY=1\nSTATUS={status}\n")
}

/// `RELOADING=1` with the monotonic time systemd (253+) wants to order it by.
pub fn reloading() -> String {
    format!(
        "RELOADING=1\nMONOTONIC_USEC={}\nSTATUS=reloading the configuration\n",
        monotonic_usec()
    )
}

/// `STOPPING=1`.
pub fn stopping() -> String {
    "STOPPING=1\nSTATUS=stopping: priority 0 sent, virtual addresses removed\n".to_string()
}

/// CLOCK_MONOTONIC in microseconds.
fn monotonic_usec() -> u64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec to a valid pointer.
    if unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t) } != 0 {
        return 0;
    }
    let secs = u64::try_from(t.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(t.tv_nsec).unwrap_or(0);
    secs * 1_000_000 + nanos / 1_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_reach_a_path_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let manager = UnixDatagram::bind(&path).unwrap();
        let notifier = Notifier::to(path.to_str().unwrap()).unwrap();
        notifier.send(&ready("2 instances")).unwrap();
        notifier.send(&reloading()).unwrap();
        let mut buf = [0u8; 512];
        let n = manager.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1\nSTATUS=2 instances\n");
        let n = manager.recv(&mut buf).unwrap();
        let text = std::str::from_utf8(&buf[..n]).unwrap();
        let usec: u64 = text
            .lines()
            .find_map(|l| l.strip_prefix("MONOTONIC_USEC="))
            .expect("MONOTONIC_USEC")
            .parse()
            .unwrap();
        assert!(text.starts_with("RELOADING=1\n") && usec > 0, "{text}");
        assert!(usec <= monotonic_usec());
    }

    #[test]
    fn notifications_reach_an_abstract_socket() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("vrrplab-test-{}", std::process::id());
        let manager =
            UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes()).unwrap())
                .unwrap();
        Notifier::to(&format!("@{name}"))
            .unwrap()
            .send(&stopping())
            .unwrap();
        let mut buf = [0u8; 512];
        let n = manager.recv(&mut buf).unwrap();
        assert!(buf[..n].starts_with(b"STOPPING=1\n"));
    }
}
