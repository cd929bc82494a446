//! `vrrplab replay`.

use std::process::ExitCode;

/// Arguments of `vrrplab replay`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `vrrplab replay`.
pub fn run(_args: Args) -> ExitCode {
    eprintln!("vrrplab replay: not built yet");
    ExitCode::from(2)
}
