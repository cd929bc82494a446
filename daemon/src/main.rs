//! The `vrrplab` command line: `run`, `check`, `sim`, `replay`, `watch`. Invoked under the name
//! `keepalived` (a symlink), the binary is the daemon with keepalived's command line
//! (`keepalived -f FILE -n -D …` = `vrrplab run -f FILE -n -D …`), so it can stand in for
//! keepalived in unit files and init scripts.

use clap::{FromArgMatches, Parser};
use std::process::ExitCode;

mod cmd;
mod run;
#[cfg(test)]
mod test_support;

/// vrrplab: keepalived-compatible VRRP tooling.
#[derive(Parser, Debug)]
#[command(name = "vrrplab", version, about)]
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once at start; without the sim feature `run`'s options are the largest"
)]
enum Cli {
    /// Validate keepalived.conf files; with several files, report cross-node findings.
    Check(cmd::check::Args),
    #[cfg(feature = "sim")]
    /// Run a simulated cluster (the embedded default scenario without arguments).
    Sim(cmd::sim::Args),
    #[cfg(feature = "replay")]
    /// Analyse a pcap/pcapng capture of VRRP traffic.
    Replay(cmd::replay::Args),
    /// Run the VRRP daemon on this host (keepalived.conf; keepalived's options).
    Run(cmd::run::Args),
    #[cfg(feature = "replay")]
    /// Watch the VRRP traffic of an interface, passively: findings as they happen.
    Watch(cmd::watch::Args),
}

/// Whether the program was started under the name `keepalived`.
fn invoked_as_keepalived() -> bool {
    std::env::args_os()
        .next()
        .as_deref()
        .and_then(|a| std::path::Path::new(a).file_name())
        .is_some_and(|name| name == "keepalived")
}

/// keepalived's command line, parsed straight into `vrrplab run`'s arguments.
fn keepalived_args() -> cmd::run::Args {
    use clap::Args as _;
    let command = cmd::run::Args::augment_args(
        clap::Command::new("keepalived")
            .version(env!("CARGO_PKG_VERSION"))
            .disable_version_flag(true),
    )
    .about("vrrplab's VRRP daemon, invoked as keepalived (keepalived's options)");
    let matches = command.get_matches();
    cmd::run::Args::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

fn main() -> ExitCode {
    if invoked_as_keepalived() {
        return cmd::run::run(keepalived_args(), cmd::run::Invocation::Keepalived);
    }
    match Cli::parse() {
        Cli::Check(args) => cmd::check::run(args),
        #[cfg(feature = "sim")]
        Cli::Sim(args) => cmd::sim::run(args),
        #[cfg(feature = "replay")]
        Cli::Replay(args) => cmd::replay::run(args),
        Cli::Run(args) => cmd::run::run(args, cmd::run::Invocation::Vrrplab),
        #[cfg(feature = "replay")]
        Cli::Watch(args) => cmd::watch::run(args),
    }
}
