//! `vrrplab run`: the production daemon around [`vrrplab_core::node::Node`].
//!
//! One tokio current-thread runtime and one driver loop ([`driver`]): signals, link and
//! address events, host-change results, received datagrams, probe results, a track-file poll
//! tick and the core's next deadline are selected (biased, in that order); after every input
//! the node's outputs are drained completely. The core's clock is the tokio clock since start.
//!
//! Linux I/O: raw protocol-112 sockets per interface and family ([`socket`]), VIPs over
//! rtnetlink ([`addresses`]) from a worker task that never blocks the loop ([`host`]), GARP /
//! unsolicited NA over AF_PACKET ([`announce`]), interfaces and their addresses followed
//! through rtnetlink events ([`monitor`], [`interfaces`]), scripts and hooks as children
//! ([`scripts`]). At start: capabilities checked ([`caps`]) and addresses a previous run left
//! behind removed ([`stale`]). Optional status endpoint ([`http`]): JSON and Prometheus text.

pub mod addresses;
pub mod announce;
pub mod caps;
pub mod config;
mod driver;
pub mod host;
pub mod http;
pub mod interfaces;
pub mod monitor;
pub mod rx;
pub mod scripts;
pub mod socket;
pub mod stale;
pub mod status;

use std::process::ExitCode;

/// What `vrrplab run` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// keepalived.conf path.
    pub file: String,
    /// Config id for `@id` lines.
    pub config_id: Option<String>,
    /// Loopback address of the status endpoint.
    pub status: Option<std::net::SocketAddr>,
}

/// Runs the daemon until SIGTERM / SIGINT; exit 0 after a graceful stop, 1 when it cannot start.
pub fn run(options: Options) -> ExitCode {
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VRRPLAB_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("vrrplab run: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(driver::main(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vrrplab run: {e}");
            ExitCode::from(1)
        }
    }
}
