//! `virtual_server` / `real_server` and their checkers, as written (unset options are `None`;
//! the documented keepalived default applies).

use std::net::IpAddr;
use std::time::Duration;

/// What a `virtual_server` listens on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VirtualServerAddress {
    /// `virtual_server IP PORT` (port absent for all-ports/persistence setups).
    Ip {
        /// Address.
        address: IpAddr,
        /// Port.
        port: Option<u16>,
    },
    /// `virtual_server fwmark N`.
    Fwmark(u32),
    /// `virtual_server group NAME`.
    Group(String),
}

/// `lvs_method` / `lb_kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LvsMethod {
    /// NAT.
    Nat,
    /// Direct routing.
    Dr,
    /// IP-in-IP tunnelling.
    Tun,
}

/// `protocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// TCP (default).
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
}

/// `sorry_server IP PORT`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SorryServer {
    /// Address.
    pub address: IpAddr,
    /// Port.
    pub port: Option<u16>,
}

/// A `virtual_server` block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VirtualServer {
    /// Address, fwmark or group.
    pub address: VirtualServerAddress,
    /// `delay_loop` (default 60 s).
    pub delay_loop: Option<Duration>,
    /// `lvs_sched` / `lb_algo` (default wlc).
    pub lvs_sched: Option<String>,
    /// `lvs_method` / `lb_kind` (default NAT).
    pub lvs_method: Option<LvsMethod>,
    /// `persistence_timeout` seconds, 1–2678400 (default 360 when written without a value).
    pub persistence_timeout: Option<u32>,
    /// `persistence_granularity` netmask.
    pub persistence_granularity: Option<String>,
    /// `protocol` (default TCP).
    pub protocol: Option<Protocol>,
    /// `ha_suspend`.
    pub ha_suspend: bool,
    /// `virtualhost` for HTTP checks.
    pub virtualhost: Option<String>,
    /// `quorum` (default 1).
    pub quorum: Option<u32>,
    /// `hysteresis` (default 0).
    pub hysteresis: Option<u32>,
    /// `quorum_up` command.
    pub quorum_up: Option<String>,
    /// `quorum_down` command.
    pub quorum_down: Option<String>,
    /// `sorry_server`.
    pub sorry_server: Option<SorryServer>,
    /// `sorry_server_inhibit`.
    pub sorry_server_inhibit: bool,
    /// `alpha`: real servers start down.
    pub alpha: bool,
    /// `omega`: run down notifiers on shutdown.
    pub omega: bool,
    /// `real_server` blocks.
    pub real_servers: Vec<RealServer>,
}

/// A `real_server` block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RealServer {
    /// Address.
    pub address: IpAddr,
    /// Port.
    pub port: Option<u16>,
    /// `weight` (default 1).
    pub weight: Option<i32>,
    /// `lvs_method` override.
    pub lvs_method: Option<LvsMethod>,
    /// `inhibit_on_failure`: weight 0 instead of removal.
    pub inhibit_on_failure: bool,
    /// `notify_up` command.
    pub notify_up: Option<String>,
    /// `notify_down` command.
    pub notify_down: Option<String>,
    /// `uthreshold`.
    pub uthreshold: Option<u32>,
    /// `lthreshold`.
    pub lthreshold: Option<u32>,
    /// Checkers (all must be up for the server to be alive).
    pub checkers: Vec<Checker>,
}

/// Options every network checker shares.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CheckerCommon {
    /// `connect_ip` (default: the real server).
    pub connect_ip: Option<IpAddr>,
    /// `connect_port` (default: the real server's port).
    pub connect_port: Option<u16>,
    /// `bindto` source address.
    pub bindto: Option<IpAddr>,
    /// `bind_port`.
    pub bind_port: Option<u16>,
    /// `bind_if`.
    pub bind_if: Option<String>,
    /// `fwmark`.
    pub fwmark: Option<u32>,
    /// `connect_timeout` (default 5 s).
    pub connect_timeout: Option<Duration>,
    /// `retry` / `nb_get_retry` (default 1).
    pub retry: Option<u32>,
    /// `delay_before_retry` (default 1 s; HTTP/SSL 3 s).
    pub delay_before_retry: Option<Duration>,
    /// `delay_loop` (default: the virtual server's).
    pub delay_loop: Option<Duration>,
    /// `warmup`.
    pub warmup: Option<Duration>,
    /// `alpha`.
    pub alpha: bool,
    /// `log_all_failures`.
    pub log_all_failures: bool,
}

/// `TCP_CHECK`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TcpCheck {
    /// Shared options.
    pub common: CheckerCommon,
}

/// `status_code` ranges of a `url` (default 200–299).
pub type StatusCodes = Vec<(u16, u16)>;

/// One `url { … }` of an HTTP/SSL check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct UrlCheck {
    /// `path`.
    pub path: String,
    /// `digest` (MD5 hex).
    pub digest: Option<String>,
    /// `status_code` ranges.
    pub status_code: StatusCodes,
    /// `virtualhost`.
    pub virtualhost: Option<String>,
    /// `regex`.
    pub regex: Option<String>,
    /// `regex_no_match`.
    pub regex_no_match: bool,
}

/// `http_protocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpProtocol {
    /// HTTP/1.0 (default).
    Http10,
    /// HTTP/1.0 with `Connection: close`.
    Http10C,
    /// HTTP/1.1.
    Http11,
}

/// `HTTP_GET` / `SSL_GET`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct HttpCheck {
    /// Shared options.
    pub common: CheckerCommon,
    /// `url` blocks.
    pub urls: Vec<UrlCheck>,
    /// `virtualhost`.
    pub virtualhost: Option<String>,
    /// `http_protocol`.
    pub http_protocol: Option<HttpProtocol>,
    /// `enable_sni` (SSL).
    pub enable_sni: bool,
    /// `sni_name` (SSL).
    pub sni_name: Option<String>,
    /// `tls_compliant` (SSL).
    pub tls_compliant: bool,
    /// `fast_recovery`.
    pub fast_recovery: bool,
}

/// `MISC_CHECK`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct MiscCheck {
    /// `misc_path` command line.
    pub misc_path: String,
    /// `misc_timeout` (default: delay_loop).
    pub misc_timeout: Option<Duration>,
    /// `misc_dynamic`: exit 2–255 sets the weight.
    pub misc_dynamic: bool,
    /// `user USER [GROUP]`.
    pub user: Option<String>,
    /// `retry` (default 0 for MISC_CHECK).
    pub retry: Option<u32>,
    /// `delay_before_retry`.
    pub delay_before_retry: Option<Duration>,
    /// `delay_loop`.
    pub delay_loop: Option<Duration>,
    /// `warmup`.
    pub warmup: Option<Duration>,
}

/// One checker of a real server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Checker {
    /// `TCP_CHECK`.
    Tcp(TcpCheck),
    /// `HTTP_GET`.
    Http(HttpCheck),
    /// `SSL_GET`.
    Ssl(HttpCheck),
    /// `MISC_CHECK`.
    Misc(MiscCheck),
}

/// The top-level `SSL { … }` block: the files of SSL_GET's TLS client (keepalived reads them in
/// its checker process and builds one TLS context for every SSL_GET). Paths as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SslSettings {
    /// `password`: the passphrase of an encrypted `key`.
    pub password: Option<String>,
    /// `ca`: PEM file of certificate authorities.
    pub ca: Option<String>,
    /// `certificate`: PEM client certificate (chain) presented to real servers.
    pub certificate: Option<String>,
    /// `key`: PEM private key of `certificate`.
    pub key: Option<String>,
}
