//! Probes: the I/O a check asks its driver to perform, and what the driver reports back.
//!
//! The core decides *when* to probe and *what the outcome means*; the driver only performs the
//! action ([`ProbeAction`]) and answers with a [`ProbeResult`] tagged with the same
//! [`ProbeId`]. The check owns the timeout: at the deadline it emits
//! [`super::Output::CancelProbe`] (close the socket; for a script SIGTERM, then SIGKILL after
//! [`super::config::SCRIPT_KILL_GRACE`]) and counts a failure. A result that arrives after
//! that, or for an id the core never issued, is ignored and counted in
//! [`super::HealthStats`].

use super::config::{ConnectOptions, HttpVersion, TlsOptions};
use std::net::SocketAddr;
use std::time::Duration;

/// Identifies one probe: the owner (a script or a checker) and the owner's sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProbeId(u64);

impl ProbeId {
    /// The id of the `seq`-th probe of owner `owner`.
    pub const fn new(owner: u32, seq: u32) -> Self {
        ProbeId(((owner as u64) << 32) | seq as u64)
    }

    /// The index of the script or checker that issued the probe.
    pub const fn owner(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// The owner's sequence number of this probe.
    pub const fn seq(self) -> u32 {
        self.0 as u32
    }

    /// The id as one integer (for drivers that key maps by it).
    pub const fn as_u64(self) -> u64 {
        self.0
    }
}

impl std::fmt::Display for ProbeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "probe {}.{}", self.owner(), self.seq())
    }
}

/// What the driver must do for one probe.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProbeAction {
    /// Open a TCP connection to `address`, then close it; answer [`ProbeResult::Connected`] or
    /// [`ProbeResult::ConnectFailed`].
    TcpConnect {
        /// Destination.
        address: SocketAddr,
        /// Source binding and socket mark.
        options: ConnectOptions,
    },
    /// Connect to `address` (with TLS when `tls` is set), send
    /// `GET path HTTP/1.x` with `User-Agent: KeepAliveClient` and `Host: host`, read the
    /// response until the server closes; answer [`ProbeResult::HttpResponse`] (status and
    /// body) or [`ProbeResult::ConnectFailed`] / [`ProbeResult::HttpMalformed`].
    HttpGet {
        /// Destination.
        address: SocketAddr,
        /// Source binding and socket mark.
        options: ConnectOptions,
        /// `Host:` header value (the `virtualhost`, or the address).
        host: String,
        /// Request path.
        path: String,
        /// Request line version (`http_protocol`).
        version: HttpVersion,
        /// `SSL_GET`: wrap the connection in TLS.
        tls: Option<TlsOptions>,
    },
    /// Run a command line as a child process (as `user` when set); answer
    /// [`ProbeResult::Exited`] or [`ProbeResult::Signalled`] when it ends.
    RunScript {
        /// Command line.
        command: String,
        /// User (and group) to run as; `None`: the default script user.
        user: Option<String>,
    },
}

/// A probe the driver must start now.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Probe {
    /// Tag to answer with.
    pub id: ProbeId,
    /// What to do.
    pub action: ProbeAction,
    /// When the core will give up (it then emits `CancelProbe`): drivers may set socket
    /// timeouts from it, but need no timer of their own.
    pub timeout: Duration,
}

/// What the driver observed for one probe.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProbeResult {
    /// TCP connection established (and closed by the driver).
    Connected,
    /// TCP connection refused, reset or unreachable.
    ConnectFailed,
    /// An HTTP response: status code and full body.
    HttpResponse {
        /// Status code from the status line.
        status: u16,
        /// Body bytes (the digest is computed over them).
        body: Vec<u8>,
    },
    /// Connected, but the response was not HTTP (no status line) or was cut short.
    HttpMalformed,
    /// The script exited with this status (0–255).
    Exited(i32),
    /// The script was killed by this signal.
    Signalled(i32),
    /// The script could not be started (not found, not executable, fork failed).
    SpawnFailed,
}
