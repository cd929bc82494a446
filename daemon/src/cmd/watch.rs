//! `vrrplab watch -i IFACE`: the replay analysis on live traffic, passively.
//!
//! Frames of one interface (AF_PACKET, [`crate::run::packet`]) that can matter to VRRP
//! (protocol 112, ARP, ICMP / ICMPv6 — neighbour advertisements and errors quoting VRRP, and
//! anything too short to tell) are fed to [`vrrplab_replay::live::Watcher`]; its notices are
//! printed as they come: `opened` (a split brain, invalid adverts, a takeover … first seen),
//! `closed` (a split brain ended), `finding` (final, as `vrrplab replay` reports it), as text or
//! with `--json` one JSON object per line. Nothing is ever sent.
//!
//! `--pcap FILE` writes exactly the frames analysed (so `vrrplab replay FILE` gives the same
//! findings), `--status ADDR` serves the masters per VRID and counters (JSON at `/`,
//! Prometheus text at `/metrics`, loopback only). SIGINT / SIGTERM end the watch: the findings
//! still open are given and a summary printed.
//!
//! Exit status: 0 after SIGINT / SIGTERM; 1 when the interface cannot be watched (absent without
//! `--wait-for-interface`, gone during the watch without it, no CAP_NET_RAW) or the capture
//! file cannot be written.

mod driver;
mod link;
mod output;
mod pcap;
mod relevant;
mod said;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `vrrplab watch`.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Interface to watch (Ethernet, or raw IP such as a tunnel).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interface: String,
    /// One JSON object per line (`{"event", "time", "finding"}`; a `summary` at the end).
    #[arg(long)]
    pub json: bool,
    /// Serve the current masters and counters on this loopback address (`GET /` JSON,
    /// `GET /metrics` Prometheus text).
    #[arg(long, value_name = "ADDRESS")]
    pub status: Option<SocketAddr>,
    /// Keep the frames analysed in this classic pcap file (nanosecond timestamps).
    #[arg(long, value_name = "FILE")]
    pub pcap: Option<PathBuf>,
    /// When the interface is absent, or goes away, wait for it instead of exiting with an error.
    #[arg(long)]
    pub wait_for_interface: bool,
}

/// Runs `vrrplab watch`.
pub fn run(args: Args) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("vrrplab watch: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(driver::main(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vrrplab watch: {e}");
            ExitCode::from(1)
        }
    }
}
