//! `vrrplab check FILE... [--format text|json] [--config-id ID]`: validate keepalived.conf
//! files and, with several files (one per node), report cross-node findings per VRID.
//!
//! Exit status: 0 when every file is valid and no finding predicts a split brain; 1 otherwise
//! (an invalid file, or a finding of error severity); 2 for usage errors (clap).

pub(crate) mod loader;
mod report;

use std::process::ExitCode;
use vrrplab_core::check::HealthConfig;
use vrrplab_core::check::from_keepalived::conversion_warnings;
use vrrplab_core::config::{self, ParseOptions, Parsed};

/// Output format.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Human-readable, rustc-style diagnostics.
    Text,
    /// One JSON document (schema in the README).
    Json,
}

/// Arguments of `vrrplab check`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// keepalived.conf files; several files are the nodes of one cluster.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Config id for `@id` lines (keepalived's `-i`); default: the short host name.
    #[arg(long, value_name = "ID")]
    pub config_id: Option<String>,
}

/// Runs `vrrplab check`.
pub fn run(args: Args) -> ExitCode {
    let options = ParseOptions {
        config_id: args.config_id.clone().or_else(short_hostname),
    };
    let loader = loader::FsLoader;
    let parsed: Vec<Parsed> = args
        .files
        .iter()
        .map(|f| diagnosed(config::parse(f, &loader, &options)))
        .collect();
    let findings = if parsed.len() > 1 {
        config::findings(&parsed)
    } else {
        Vec::new()
    };
    let output = match args.format {
        Format::Text => report::text(&parsed, &findings),
        Format::Json => report::json(&parsed, &findings),
    };
    print!("{output}");
    let ok = parsed.iter().all(Parsed::is_valid) && !findings.iter().any(report::is_error);
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// One file's diagnostics as `vrrplab check` and `vrrplab run -t` report them: the parser's,
/// then as warnings what the health checks do not carry over ([`with_health_warnings`]) and
/// what `vrrplab run` accepts and does not act on ([`with_run_warnings`]), sorted by location.
pub(crate) fn diagnosed(parsed: Parsed) -> Parsed {
    with_run_warnings(with_health_warnings(parsed))
}

/// Adds, as warnings, what `vrrplab run` accepts and does not act on
/// ([`crate::run::not_acted_on`]).
fn with_run_warnings(mut parsed: Parsed) -> Parsed {
    for d in crate::run::not_acted_on::diagnostics(&parsed) {
        parsed.diagnostics.push(d);
    }
    parsed.diagnostics.sort();
    parsed
}

/// Adds, as warnings, what the health checks (`vrrp_script`, `virtual_server` checkers) do not
/// carry over from the model: an untracked script, a `regex`, a checker without `url`, ….
fn with_health_warnings(mut parsed: Parsed) -> Parsed {
    let (_, notes) = HealthConfig::from_keepalived(&parsed.model, 0);
    for d in conversion_warnings(&parsed, &notes) {
        parsed.diagnostics.push(d);
    }
    parsed.diagnostics.sort();
    parsed
}

/// The short host name (up to the first dot), as keepalived's default config id.
fn short_hostname() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()?;
    let short = name.trim().split('.').next()?.to_string();
    (!short.is_empty()).then_some(short)
}
