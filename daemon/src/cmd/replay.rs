//! `vrrplab replay FILE [--json] [--fail-on KIND[,KIND]]`: timeline and findings of a capture.
//!
//! Exit status: 0 when the capture was read and no `--fail-on` finding exists, 1 when one
//! does (or, with `--as`, when the core's transitions differ from the captured router's), 2
//! when the capture could not be read completely (the partial report is still printed).

use super::check::loader::FsLoader;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use vrrplab_core::config;
use vrrplab_core::node::NodeConfig;
use vrrplab_replay::conformance::conformance;
use vrrplab_replay::{FindingKind, render::render, replay_file};

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
    /// Conformance: drive a core instance configured like the captured router at this address
    /// with the other routers' adverts and compare its transitions with the router's (exit 1
    /// when they differ).
    #[arg(long = "as", value_name = "ADDRESS")]
    pub as_router: Option<std::net::IpAddr>,
    /// With `--as`: the captured router's keepalived.conf (instances matched by VRID and
    /// family); without it, instances are built from the router's adverts.
    #[arg(long, value_name = "FILE", requires = "as_router")]
    pub config: Option<PathBuf>,
    /// With `--config`: the config id for its `@id` lines (keepalived's `-i`, normally the
    /// captured router's short host name); without it, `@id` lines are left out.
    #[arg(long, value_name = "ID", requires = "config")]
    pub config_id: Option<String>,
}

/// Reads a keepalived.conf, with its `include`s (through the same filesystem loader as
/// `vrrplab check`), into a node configuration (errors rendered with file:line:column).
fn node_config(path: &std::path::Path, config_id: Option<&str>) -> Result<NodeConfig, String> {
    let options = config::ParseOptions {
        config_id: config_id.map(str::to_string),
    };
    let parsed = config::parse(&path.display().to_string(), &FsLoader, &options);
    if !parsed.runs() {
        return Err(parsed.render_diagnostics());
    }
    Ok(parsed.model.to_node_config())
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
    let mut report = match replay_file(&args.file) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("vrrplab replay: {}: {e}", args.file.display());
            return ExitCode::from(2);
        }
    };
    let mut differs = false;
    if let Some(address) = args.as_router {
        let node = match args
            .config
            .as_deref()
            .map(|p| node_config(p, args.config_id.as_deref()))
            .transpose()
        {
            Ok(n) => n,
            Err(e) => {
                eprintln!("vrrplab replay: --config: {e}");
                return ExitCode::from(2);
            }
        };
        let result = std::fs::File::open(&args.file)
            .map_err(|e| e.to_string())
            .and_then(|f| conformance(f, &report, address, node.as_ref()));
        match result {
            Ok(result) => {
                differs = result.differs();
                report.conformance = Some(result);
            }
            Err(e) => {
                eprintln!("vrrplab replay: --as {address}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if args.json {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let written = report
            .write_json(&mut out)
            .map_err(|e| e.to_string())
            .and_then(|()| writeln!(out).map_err(|e| e.to_string()));
        if let Err(e) = written {
            eprintln!("vrrplab replay: cannot write JSON: {e}");
            return ExitCode::from(2);
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
    if differs {
        eprintln!(
            "vrrplab replay: the core's transitions differ from the captured router's (--as)"
        );
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
