//! Turning a plan back into something a person runs: the `vrrplab sim …` command line and a
//! scenario file (`--save`). Both give the same scenario the exploration ran, so the run (and
//! its timeline) is the same byte for byte.

use super::plan::Plan;
use crate::fault::format_duration;
use crate::scenario::{Scenario, SimSettings};

/// Where the exploration's scenario came from (what the reproduction command names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// keepalived.conf files given as `--node` (paths as given), nodes named a, b, c….
    Nodes(Vec<String>),
    /// A scenario file (TOML).
    File(String),
}

/// Quotes `word` for a POSIX shell when it needs it.
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

fn setting_flags(s: &SimSettings) -> Vec<String> {
    let d = SimSettings::default();
    let mut out = Vec::new();
    if s.tick != d.tick {
        out.push(format!("--tick {}", format_duration(s.tick)));
    }
    if s.min_latency != d.min_latency || s.max_latency != d.max_latency {
        out.push(format!("--latency {}", format_duration(s.min_latency)));
        if s.max_latency != s.min_latency {
            out.push(format!("--max-latency {}", format_duration(s.max_latency)));
        }
    }
    out
}

/// The command line that runs `plan` over `base` as a single `vrrplab sim` run.
pub fn command(source: &Source, base: &Scenario, plan: &Plan, split_brain_fails: bool) -> String {
    let mut words = vec!["vrrplab sim".to_string()];
    match source {
        Source::Nodes(paths) => {
            for p in paths {
                words.push(format!("--node {}", shell_quote(p)));
            }
            if base.client {
                words.push("--client".into());
            }
            words.extend(setting_flags(&base.settings));
        }
        Source::File(path) => {
            words.push(shell_quote(path));
            words.push("--replace-faults".into());
        }
    }
    if split_brain_fails {
        words.push("--no-split-brain".into());
    }
    words.push(format!("--seed {}", plan.seed));
    words.push(format!("--duration {}", format_duration(plan.duration())));
    for line in plan.fault_lines() {
        words.push(format!("--fault {}", shell_quote(&line)));
    }
    words.join(" ")
}

fn absolute(path: &str, base_dir: &std::path::Path) -> String {
    let p = base_dir.join(path);
    std::fs::canonicalize(&p)
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned()
}

/// A scenario file that runs `plan` over `base` (`vrrplab sim FILE`); keepalived.conf paths are
/// made absolute. `header` becomes the leading comment.
pub fn scenario_file(
    source: &Source,
    base: &Scenario,
    plan: &Plan,
    split_brain_fails: bool,
    header: &str,
) -> Result<String, String> {
    let faults: Vec<toml::Value> = plan
        .fault_lines()
        .into_iter()
        .map(toml::Value::String)
        .collect();
    let mut table = match source {
        Source::File(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
            let dir = std::path::Path::new(path)
                .parent()
                .unwrap_or(std::path::Path::new("."));
            let mut t: toml::Table = text.parse().map_err(|e| format!("{path}: {e}"))?;
            t.remove("nemesis");
            if let Some(toml::Value::Array(nodes)) = t.get_mut("node") {
                for n in nodes.iter_mut() {
                    if let Some(toml::Value::String(c)) = n.get_mut("config") {
                        *c = absolute(c, dir);
                    }
                }
            }
            if let Some(toml::Value::Table(configs)) = t.get_mut("configs") {
                for (_, v) in configs.iter_mut() {
                    if let toml::Value::String(c) = v {
                        *c = absolute(c, dir);
                    }
                }
            }
            if let Some(toml::Value::Table(expect)) = t.get_mut("expect")
                && expect.get("split_brain") == Some(&toml::Value::Boolean(true))
            {
                expect.remove("split_brain");
            }
            t
        }
        Source::Nodes(paths) => {
            let mut t = toml::Table::new();
            t.insert("name".into(), base.name.clone().into());
            let s = &base.settings;
            t.insert("tick".into(), format_duration(s.tick).into());
            t.insert("min_latency".into(), format_duration(s.min_latency).into());
            t.insert("max_latency".into(), format_duration(s.max_latency).into());
            t.insert("client".into(), base.client.into());
            let nodes: Vec<toml::Value> = base
                .nodes
                .iter()
                .zip(paths)
                .map(|(n, p)| {
                    let mut nt = toml::Table::new();
                    nt.insert("name".into(), n.name.clone().into());
                    nt.insert("address".into(), n.address.to_string().into());
                    nt.insert(
                        "config".into(),
                        absolute(p, std::path::Path::new(".")).into(),
                    );
                    toml::Value::Table(nt)
                })
                .collect();
            t.insert("node".into(), toml::Value::Array(nodes));
            t
        }
    };
    table.insert("seed".into(), toml::Value::Integer(plan.seed as i64));
    table.insert("duration".into(), format_duration(plan.duration()).into());
    table.insert("faults".into(), toml::Value::Array(faults));
    if split_brain_fails {
        let expect = table
            .entry("expect")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let toml::Value::Table(e) = expect {
            e.insert("split_brain".into(), false.into());
        }
    }
    let body = toml::to_string(&table).map_err(|e| e.to_string())?;
    let comment: String = header.lines().map(|l| format!("# {l}\n")).collect();
    Ok(format!("{comment}{body}"))
}
