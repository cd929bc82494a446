//! `vrrplab replay FILE [--json] [--fail-on KIND[,KIND]]`: timeline and findings of a capture.
//!
//! Exit status: 0 when the capture was read and no `--fail-on` finding exists, 1 when one
//! does, 2 when the capture could not be read completely (the partial report is still printed).

use std::path::PathBuf;
use std::process::ExitCode;
use vrrplab_sim::replay::{FindingKind, render::render, replay_file};

/// Arguments of `vrrplab replay`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// pcap or pcapng capture (Ethernet, 802.1Q, Linux cooked SLL/SLL2, raw IP).
    pub file: PathBuf,
    /// Print the report as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when a finding of one of these kinds exists (comma separated: dual-master,
    /// failover, resign, invalid-packet, parameter-mismatch, missing-garp, flapping).
    #[arg(long, value_delimiter = ',', value_parser = parse_kind)]
    pub fail_on: Vec<FindingKind>,
}

fn parse_kind(s: &str) -> Result<FindingKind, String> {
    FindingKind::from_name(s.trim()).ok_or_else(|| {
        let names: Vec<&str> = FindingKind::ALL.iter().map(|k| k.name()).collect();
        format!(
            "unknown finding kind {s:?} (expected one of {})",
            names.join(", ")
        )
    })
}

/// Runs `vrrplab replay`.
pub fn run(args: Args) -> ExitCode {
    let report = match replay_file(&args.file) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("vrrplab replay: {}: {e}", args.file.display());
            return ExitCode::from(2);
        }
    };
    if args.json {
        match serde_json::to_string_pretty(&report.to_json()) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("vrrplab replay: cannot write JSON: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        print!("{}", render(&report));
    }
    if let Some(e) = &report.error {
        eprintln!("vrrplab replay: {}: {e}", args.file.display());
        return ExitCode::from(2);
    }
    if report.has_any(&args.fail_on) {
        let hits: Vec<&str> = args
            .fail_on
            .iter()
            .filter(|k| report.of_kind(**k).next().is_some())
            .map(|k| k.name())
            .collect();
        eprintln!(
            "vrrplab replay: findings of kind {} present (--fail-on)",
            hits.join(", ")
        );
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
