//! Rendering of `vrrplab check` results: rustc-like text, or JSON with the schema
//! `{"files": [{"path", "valid", "errors", "warnings", "notes"}], "findings": [{"kind", "severity",
//! "vrid", "message", "locations"}]}`.

use serde_json::{Value, json};
use std::fmt::Write as _;
use vrrplab_core::config::{Diagnostic, Finding, FindingKind, Parsed, Severity};

/// Whether a finding predicts a split brain or a lost address (an error), not just a risk.
pub fn is_error(f: &Finding) -> bool {
    match f.kind {
        FindingKind::AuthMismatch
        | FindingKind::VersionMismatch
        | FindingKind::ChecksumConventionMismatch
        | FindingKind::UnicastPeersNotMutual
        | FindingKind::VridReuse
        | FindingKind::BothOwner => true,
        FindingKind::IntervalMismatch => f.message.contains("VRRPv2"),
        _ => false,
    }
}

fn severity(f: &Finding) -> &'static str {
    if is_error(f) { "error" } else { "warning" }
}

/// Text report: every diagnostic, one status line per file, then the findings.
pub fn text(parsed: &[Parsed], findings: &[Finding]) -> String {
    let mut out = String::new();
    for p in parsed {
        for d in &p.diagnostics.items {
            out.push_str(&d.render(&p.sources));
            out.push('\n');
        }
    }
    for p in parsed {
        let count = |s| p.diagnostics.of(s).count();
        let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
        let _ = writeln!(
            out,
            "{}: {} ({}, {}, {}; {})",
            p.path,
            if p.is_valid() { "valid" } else { "INVALID" },
            plural(count(Severity::Error), "error"),
            plural(count(Severity::Warning), "warning"),
            plural(count(Severity::Note), "note"),
            plural(p.model.instances.len(), "vrrp_instance"),
        );
    }
    if parsed.len() > 1 {
        out.push('\n');
        for f in findings {
            let _ = writeln!(
                out,
                "{}[{}]: VRID {}: {}",
                severity(f),
                f.kind.as_str(),
                f.vrid,
                f.message
            );
            for l in &f.locations {
                let _ = writeln!(out, "  --> {}:{}:{}  {}", l.path, l.line, l.column, l.note);
            }
            out.push('\n');
        }
        let errors = findings.iter().filter(|f| is_error(f)).count();
        let _ = writeln!(
            out,
            "cross-node: {} finding(s), {} predicting split brain or lost addresses",
            findings.len(),
            errors
        );
    }
    out
}

fn diagnostic_json(p: &Parsed, d: &Diagnostic) -> Value {
    let mut v = json!({
        "message": d.message,
        "line": d.span.map(|s| s.line),
        "column": d.span.map(|s| s.column),
        "path": d.span.map(|s| p.sources.path(s.file).to_string()).unwrap_or_else(|| p.path.clone()),
    });
    if let Some(l) = &d.label {
        v["label"] = json!(l);
    }
    if let Some(h) = &d.help {
        v["help"] = json!(h);
    }
    v
}

/// JSON report.
pub fn json(parsed: &[Parsed], findings: &[Finding]) -> String {
    let files: Vec<Value> = parsed
        .iter()
        .map(|p| {
            let of = |s| {
                p.diagnostics
                    .of(s)
                    .map(|d| diagnostic_json(p, d))
                    .collect::<Vec<_>>()
            };
            json!({
                "path": p.path,
                "valid": p.is_valid(),
                "errors": of(Severity::Error),
                "warnings": of(Severity::Warning),
                "notes": of(Severity::Note),
            })
        })
        .collect();
    let findings: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "kind": f.kind.as_str(),
                "severity": severity(f),
                "vrid": f.vrid,
                "message": f.message,
                "locations": f.locations.iter().map(|l| json!({
                    "path": l.path, "line": l.line, "column": l.column, "note": l.note,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = json!({ "files": files, "findings": findings });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_string());
    s.push('\n');
    s
}
