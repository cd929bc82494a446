//! Configuration of the health checkers and virtual servers, validated, with keepalived's
//! defaults applied (man5 `virtual_server`, `real_server`, `TCP_CHECK`, `HTTP_GET`,
//! `MISC_CHECK`; `check_api.c` defaults).
//!
//! `vrrp_script` uses [`crate::vrrp::TrackScriptConfig`]. Inheritance (virtual server → real
//! server → checker, for `delay_loop`, `alpha`, `retry` …) is resolved before these types are
//! built ([`super::from_keepalived`] does it for keepalived.conf): every value here is final.

use crate::vrrp::TrackScriptConfig;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::time::Duration;

/// keepalived's default `connect_timeout` (5 s).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// keepalived's default `delay_loop` (60 s).
pub const DEFAULT_DELAY_LOOP: Duration = Duration::from_secs(60);
/// Delay before a checker's first probe, before any `warmup` jitter (keepalived's
/// `BOOTSTRAP_DELAY`, one second).
pub const CHECKER_BOOTSTRAP_DELAY: Duration = Duration::from_secs(1);
/// How long the driver waits after SIGTERM before SIGKILL on a timed-out script (2 s).
pub const SCRIPT_KILL_GRACE: Duration = Duration::from_secs(2);

/// HTTP status codes a URL check accepts (`status_code 200 300-399`; default 200–299).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatusCodes(Vec<RangeInclusive<u16>>);

impl StatusCodes {
    /// Accepts exactly the given ranges.
    pub fn new(ranges: Vec<RangeInclusive<u16>>) -> Self {
        StatusCodes(ranges)
    }

    /// True if `status` is accepted.
    pub fn accepts(&self, status: u16) -> bool {
        self.0.iter().any(|r| r.contains(&status))
    }

    /// The accepted ranges, in configuration order.
    pub fn ranges(&self) -> &[RangeInclusive<u16>] {
        &self.0
    }
}

impl Default for StatusCodes {
    /// keepalived's default when a `url` has no `status_code`: 200–299.
    fn default() -> Self {
        StatusCodes(vec![200..=299])
    }
}

/// One `url { … }` block of an `HTTP_GET` checker.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UrlCheck {
    /// `path` requested (`GET <path>`).
    pub path: String,
    /// `digest`: MD5 of the response body; `None` ⇒ not checked.
    pub digest: Option<[u8; 16]>,
    /// `status_code` ranges accepted.
    pub status_codes: StatusCodes,
    /// `virtualhost` for this URL (overrides the checker's).
    pub virtualhost: Option<String>,
}

impl UrlCheck {
    /// A URL with the default status codes and no digest.
    pub fn new(path: &str) -> Self {
        UrlCheck {
            path: path.to_string(),
            digest: None,
            status_codes: StatusCodes::default(),
            virtualhost: None,
        }
    }
}

/// Why a `digest` string is not an MD5 digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestError {
    /// Not 32 characters long.
    Length(usize),
    /// A character that is not a hex digit, at this offset.
    NotHex(usize),
}

impl std::fmt::Display for DigestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DigestError::Length(n) => write!(f, "digest must be 32 hex digits, not {n}"),
            DigestError::NotHex(at) => write!(f, "digest has a non-hex character at offset {at}"),
        }
    }
}

impl std::error::Error for DigestError {}

/// Parses a `digest` value (32 hex digits, any case) into its 16 bytes.
pub fn parse_digest(text: &str) -> Result<[u8; 16], DigestError> {
    let bytes = text.as_bytes();
    if bytes.len() != 32 {
        return Err(DigestError::Length(bytes.len()));
    }
    let nibble = |at: usize| -> Result<u8, DigestError> {
        match bytes[at] {
            b @ b'0'..=b'9' => Ok(b - b'0'),
            b @ b'a'..=b'f' => Ok(b - b'a' + 10),
            b @ b'A'..=b'F' => Ok(b - b'A' + 10),
            _ => Err(DigestError::NotHex(at)),
        }
    };
    let mut digest = [0u8; 16];
    for (i, byte) in digest.iter_mut().enumerate() {
        *byte = (nibble(2 * i)? << 4) | nibble(2 * i + 1)?;
    }
    Ok(digest)
}

/// How the driver opens a checker's connection (`bindto`, `bind_port`, `bind_if`, `fwmark`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ConnectOptions {
    /// `bindto`: source address.
    pub bind_address: Option<IpAddr>,
    /// `bind_port`: source port.
    pub bind_port: Option<u16>,
    /// `bind_if`: interface to bind to (IPv6 link-local targets).
    pub bind_interface: Option<String>,
    /// `fwmark`: SO_MARK of the probe socket.
    pub fwmark: Option<u32>,
}

/// `http_protocol` of an HTTP_GET / SSL_GET (keepalived default: 1.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HttpVersion {
    /// `GET … HTTP/1.0`.
    #[default]
    Http10,
    /// HTTP/1.0 with `Connection: close` (`1.0C`).
    Http10Close,
    /// `GET … HTTP/1.1` with `Connection: close`.
    Http11,
}

/// TLS settings of an `SSL_GET` checker.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TlsOptions {
    /// Server name to send (`enable_sni` with `sni_name`, or the virtualhost); `None` ⇒ no SNI.
    pub sni: Option<String>,
}

/// What a checker probes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CheckKind {
    /// `TCP_CHECK`: a TCP connect to `connect` (then close).
    Tcp {
        /// `connect_ip`:`connect_port` (default: the real server's address and port).
        connect: SocketAddr,
    },
    /// `HTTP_GET` / `SSL_GET`: a GET of every `url`, in order, each judged by status code and
    /// digest.
    Http {
        /// `connect_ip`:`connect_port` (default: the real server's address and port).
        connect: SocketAddr,
        /// Checker-level `virtualhost` (the `Host:` header; default: the connect address).
        virtualhost: Option<String>,
        /// `url` blocks, at least one.
        urls: Vec<UrlCheck>,
        /// `http_protocol`.
        version: HttpVersion,
        /// `SSL_GET`: TLS over the connection.
        tls: Option<TlsOptions>,
        /// `fast_recovery`: while down with no failure seen, check the next URL at once
        /// instead of after `delay_loop`.
        fast_recovery: bool,
    },
    /// `MISC_CHECK`: run `misc_path`; exit 0 OK, anything else failed.
    Misc {
        /// `misc_path`: the command line.
        command: String,
        /// `misc_timeout`; `None` ⇒ the checker's `delay_loop` (keepalived).
        timeout: Option<Duration>,
        /// `misc_dynamic`: exit 2–255 is OK and sets the real server's weight to status − 2.
        dynamic: bool,
        /// `user USER [GROUP]` to run as (`None`: the default script user).
        user: Option<String>,
    },
}

/// One checker of a real server, with keepalived's retry / delay semantics.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CheckerConfig {
    /// What to probe.
    pub kind: CheckKind,
    /// Socket options of TCP and HTTP probes.
    pub connect_options: ConnectOptions,
    /// `connect_timeout` (TCP and HTTP; default 5 s).
    pub connect_timeout: Duration,
    /// `retry` (alias `nb_get_retry`): failed retries before an up checker goes down
    /// (default 1; MISC_CHECK 0).
    pub retry: u32,
    /// `delay_before_retry` (default 1 s; HTTP_GET 3 s).
    pub delay_before_retry: Duration,
    /// `delay_loop`: time between checks (default 60 s).
    pub delay_loop: Duration,
    /// `alpha`: the checker starts down (its real server is not in the pool until it passes).
    pub alpha: bool,
    /// `warmup`: the first check waits a seeded random delay in `[0, warmup)` after
    /// [`CHECKER_BOOTSTRAP_DELAY`]. keepalived's default is `delay_loop`; the constructors here
    /// leave it `None` (no jitter) and the keepalived.conf conversion fills the default in.
    pub warmup: Option<Duration>,
}

impl CheckerConfig {
    fn with_kind(kind: CheckKind, retry: u32, delay_before_retry: Duration) -> Self {
        CheckerConfig {
            kind,
            connect_options: ConnectOptions::default(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry,
            delay_before_retry,
            delay_loop: DEFAULT_DELAY_LOOP,
            alpha: false,
            warmup: None,
        }
    }

    /// A `TCP_CHECK` with keepalived's defaults (retry 1, delay_before_retry 1 s).
    pub fn tcp(connect: SocketAddr) -> Self {
        Self::with_kind(CheckKind::Tcp { connect }, 1, Duration::from_secs(1))
    }

    /// An `HTTP_GET` with keepalived's defaults (retry 1, delay_before_retry 3 s).
    pub fn http(connect: SocketAddr, urls: Vec<UrlCheck>) -> Self {
        Self::with_kind(
            CheckKind::Http {
                connect,
                virtualhost: None,
                urls,
                version: HttpVersion::Http10,
                tls: None,
                fast_recovery: false,
            },
            1,
            Duration::from_secs(3),
        )
    }

    /// A `MISC_CHECK` with keepalived's defaults (retry 0, delay_before_retry 1 s, timeout =
    /// delay_loop, not dynamic).
    pub fn misc(command: &str) -> Self {
        Self::with_kind(
            CheckKind::Misc {
                command: command.to_string(),
                timeout: None,
                dynamic: false,
                user: None,
            },
            0,
            Duration::from_secs(1),
        )
    }

    /// How long one probe may take before it counts as failed.
    pub fn probe_timeout(&self) -> Duration {
        match &self.kind {
            CheckKind::Tcp { .. } | CheckKind::Http { .. } => self.connect_timeout,
            CheckKind::Misc { timeout, .. } => timeout.unwrap_or(self.delay_loop),
        }
    }
}

/// A `real_server` block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RealServerConfig {
    /// Address and port.
    pub address: SocketAddr,
    /// `weight` (default 1).
    pub weight: u32,
    /// `inhibit_on_failure`: a dead server stays in the pool with weight 0.
    pub inhibit_on_failure: bool,
    /// `notify_up` command line.
    pub notify_up: Option<String>,
    /// `notify_down` command line.
    pub notify_down: Option<String>,
    /// The checkers; the server is alive only while all of them are up.
    pub checkers: Vec<CheckerConfig>,
}

impl RealServerConfig {
    /// A real server with weight 1 and no checkers.
    pub fn new(address: SocketAddr) -> Self {
        RealServerConfig {
            address,
            weight: 1,
            inhibit_on_failure: false,
            notify_up: None,
            notify_down: None,
            checkers: Vec::new(),
        }
    }
}

/// A `sorry_server`: in the pool only while the virtual server has lost quorum.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SorryServerConfig {
    /// Address and port.
    pub address: SocketAddr,
    /// `sorry_server_inhibit`: kept in the pool with weight 0 instead of removed.
    pub inhibit: bool,
}

/// A `virtual_server` block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VirtualServerConfig {
    /// The service as written (`10.0.0.1 80`, `fwmark 1`, `group NAME`): the name in outputs.
    pub name: String,
    /// `quorum`: minimum Σ weight of live real servers (default 1).
    pub quorum: u64,
    /// `hysteresis` around the quorum (default 0).
    pub hysteresis: u64,
    /// `quorum_up` command line.
    pub quorum_up: Option<String>,
    /// `quorum_down` command line.
    pub quorum_down: Option<String>,
    /// `sorry_server`.
    pub sorry_server: Option<SorryServerConfig>,
    /// `omega`: on shutdown, run `notify_down` for live servers and `quorum_down` if the
    /// quorum goes.
    pub omega: bool,
    /// `real_server` blocks, in file order.
    pub real_servers: Vec<RealServerConfig>,
}

impl VirtualServerConfig {
    /// A virtual server with quorum 1, hysteresis 0, no hooks and no sorry server.
    pub fn new(name: &str, real_servers: Vec<RealServerConfig>) -> Self {
        VirtualServerConfig {
            name: name.to_string(),
            quorum: 1,
            hysteresis: 0,
            quorum_up: None,
            quorum_down: None,
            sorry_server: None,
            omega: false,
            real_servers,
        }
    }
}

/// Everything [`super::Health`] runs: the `vrrp_script`s and the `virtual_server`s.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct HealthConfig {
    /// `vrrp_script` blocks, in file order.
    pub scripts: Vec<TrackScriptConfig>,
    /// `virtual_server` blocks, in file order.
    pub virtual_servers: Vec<VirtualServerConfig>,
    /// Seed of the `warmup` jitter (configuration, so runs repeat exactly).
    pub warmup_seed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_status_codes_accept_200_to_299_only() {
        let codes = StatusCodes::default();
        assert!(codes.accepts(200));
        assert!(codes.accepts(299));
        assert!(!codes.accepts(199));
        assert!(!codes.accepts(300));
        assert!(!codes.accepts(500));
    }

    #[test]
    fn digest_parses_32_hex_digits_of_either_case() {
        let d = parse_digest("9B3A0C85a887a256d6939da88aabd8cd").unwrap();
        assert_eq!(d[0], 0x9b);
        assert_eq!(d[15], 0xcd);
    }

    #[test]
    fn digest_of_wrong_length_or_non_hex_is_an_error() {
        assert_eq!(parse_digest("abc"), Err(DigestError::Length(3)));
        assert_eq!(
            parse_digest("zb3a0c85a887a256d6939da88aabd8cd"),
            Err(DigestError::NotHex(0))
        );
    }

    #[test]
    fn checker_defaults_follow_keepalived_per_kind() {
        let addr: SocketAddr = "10.0.0.1:80".parse().unwrap();
        let tcp = CheckerConfig::tcp(addr);
        assert_eq!(tcp.retry, 1);
        assert_eq!(tcp.delay_before_retry, Duration::from_secs(1));
        assert_eq!(tcp.probe_timeout(), Duration::from_secs(5));
        let http = CheckerConfig::http(addr, vec![UrlCheck::new("/")]);
        assert_eq!(http.delay_before_retry, Duration::from_secs(3));
        let misc = CheckerConfig::misc("/bin/true");
        assert_eq!(misc.retry, 0);
        assert_eq!(misc.probe_timeout(), DEFAULT_DELAY_LOOP);
    }
}
