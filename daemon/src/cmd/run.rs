//! `vrrplab run -f FILE [--config-id ID] [--status 127.0.0.1:PORT]`: the VRRP daemon (see `crate::run`).
//!
//! Exit status: 0 after SIGTERM / SIGINT (priority 0 sent, addresses removed); 1 when the
//! configuration is invalid or the daemon cannot start.

use std::process::ExitCode;

/// Arguments of `vrrplab run`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// keepalived.conf to run.
    #[arg(
        short = 'f',
        long = "use-file",
        value_name = "FILE",
        default_value = "/etc/keepalived/keepalived.conf"
    )]
    pub file: String,
    /// Config id for `@id` lines (keepalived's `-i`); default: the short host name.
    #[arg(short = 'i', long, value_name = "ID")]
    pub config_id: Option<String>,
    /// Serve `GET /` (JSON state) and `GET /metrics` (Prometheus text) on this loopback address.
    #[arg(long, value_name = "127.0.0.1:PORT")]
    pub status: Option<std::net::SocketAddr>,
}

/// Runs `vrrplab run`.
pub fn run(args: Args) -> ExitCode {
    crate::run::run(crate::run::Options {
        file: args.file,
        config_id: args.config_id.or_else(short_hostname),
        status: args.status,
    })
}

/// The short host name (up to the first dot), as keepalived's default config id.
fn short_hostname() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let short = name.trim().split('.').next()?.to_string();
    (!short.is_empty()).then_some(short)
}
