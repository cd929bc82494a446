//! `vrrplab sim`.

use std::process::ExitCode;

/// Arguments of `vrrplab sim`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `vrrplab sim`.
pub fn run(_args: Args) -> ExitCode {
    eprintln!("vrrplab sim: not built yet");
    ExitCode::from(2)
}
