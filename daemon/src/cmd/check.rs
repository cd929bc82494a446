//! `vrrplab check`.

use std::process::ExitCode;

/// Arguments of `vrrplab check`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `vrrplab check`.
pub fn run(_args: Args) -> ExitCode {
    eprintln!("vrrplab check: not built yet");
    ExitCode::from(2)
}
