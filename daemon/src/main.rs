//! The `vrrplab` command line: `run`, `check`, `sim`, `replay`.

use clap::Parser;
use std::process::ExitCode;

mod cmd;
mod run;

/// vrrplab: keepalived-compatible VRRP tooling.
#[derive(Parser, Debug)]
#[command(name = "vrrplab", version, about)]
enum Cli {
    /// Validate keepalived.conf files; with several files, report cross-node findings.
    Check(cmd::check::Args),
    /// Run a simulated cluster (the embedded default scenario without arguments).
    Sim(cmd::sim::Args),
    /// Analyse a pcap/pcapng capture of VRRP traffic.
    Replay(cmd::replay::Args),
    /// Run the VRRP daemon on this host (keepalived.conf).
    Run(cmd::run::Args),
}

fn main() -> ExitCode {
    match Cli::parse() {
        Cli::Check(args) => cmd::check::run(args),
        Cli::Sim(args) => cmd::sim::run(args),
        Cli::Replay(args) => cmd::replay::run(args),
        Cli::Run(args) => cmd::run::run(args),
    }
}
