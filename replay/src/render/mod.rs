//! Human-readable output of a [`Report`]: a header, a summary table of routers, the findings
//! and the timeline. Times are shown relative to the first frame (`+12.345678`) and as Unix
//! seconds.
//!
//! Every sentence of the reports is written here (findings in [`finding`], conformance in
//! [`conformance`]); the report types carry data only, and their JSON takes its `text` fields
//! from these functions.

mod conformance;
mod finding;
mod timeline;

pub use conformance::{
    agreement_note, conformance_note, conformance_text, difference_why, explanation,
};
pub use finding::finding_text;
pub use timeline::{addresses_text, event_text, param_value};

use crate::live::{Notice, time_of_day};
use crate::report::{AdvertChecksum, Report, auth_name, mac_text, password_text};
use std::fmt::Write;

/// One `vrrplab watch` line: time of day (UTC), event, kind, VRID, family and the finding's
/// sentence.
pub fn notice_line(n: &Notice) -> String {
    let f = &n.finding;
    format!(
        "{} {:<8} {:<18} vrid {:<3} {} {}",
        time_of_day(n.at_ns),
        n.kind.name(),
        f.kind().name(),
        f.vrid,
        f.family,
        finding_text(f)
    )
}

fn rel(report: &Report, ns: u64) -> String {
    let base = report.first_ns.unwrap_or(0);
    format!("+{:.6}", ns.saturating_sub(base) as f64 / 1e9)
}

fn abs(ns: u64) -> String {
    format!("{}.{:06}", ns / 1_000_000_000, (ns % 1_000_000_000) / 1000)
}

/// Renders the whole report as text.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let c = &report.counts;
    let _ = writeln!(
        out,
        "capture   {} ({}, {})",
        report.file,
        report.format.name(),
        if report.links.is_empty() {
            "no frames".to_string()
        } else {
            report
                .links
                .iter()
                .map(|l| l.name())
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    let other = c.packets - c.vrrp - c.garp - c.unsolicited_na;
    let _ = writeln!(
        out,
        "frames    {} total: {} VRRP, {} gratuitous ARP, {} unsolicited NA, {} other \
         ({} ARP, {} other IP, {} ICMP quoting VRRP, {} other link, {} malformed, {} fragments)",
        c.packets,
        c.vrrp,
        c.garp,
        c.unsolicited_na,
        other,
        c.arp,
        c.other_ip,
        c.icmp_quoted_vrrp,
        c.other_link,
        c.malformed,
        c.fragments
    );
    if let (Some(a), Some(b)) = (report.first_ns, report.last_ns) {
        let _ = writeln!(
            out,
            "span      {} → {} ({:.3} s)",
            abs(a),
            abs(b),
            (b - a) as f64 / 1e9
        );
    }
    if let Some(e) = &report.error {
        let _ = writeln!(out, "ERROR     reading stopped: {e}");
        let _ = writeln!(out, "          (everything before it is reported below)");
    }
    out.push('\n');
    render_routers(report, &mut out);
    out.push('\n');
    let _ = writeln!(out, "FINDINGS ({})", report.findings.len());
    if report.findings.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for f in &report.findings {
        let _ = writeln!(
            out,
            "  {:<18} vrid {:<3} {} {} → {}  {}",
            f.kind().name(),
            f.vrid,
            f.family,
            rel(report, f.start_ns),
            rel(report, f.end_ns),
            finding_text(f)
        );
    }
    out.push('\n');
    let _ = writeln!(out, "TIMELINE ({} events)", report.timeline.len());
    for e in &report.timeline {
        let vrid = e.vrid.map_or("-".to_string(), |v| v.to_string());
        let _ = writeln!(
            out,
            "  {:>12} {} #{:<6} vrid {:<3} {:<4} {:<24} {:<14} {}",
            rel(report, e.time_ns),
            abs(e.time_ns),
            e.frame,
            vrid,
            e.family,
            e.source.to_string(),
            e.name(),
            e.text()
        );
    }
    if let Some(c) = &report.conformance {
        out.push('\n');
        let _ = writeln!(out, "CONFORMANCE");
        out.push_str(&conformance_text(c));
    }
    out
}

fn render_routers(report: &Report, out: &mut String) {
    let _ = writeln!(out, "ROUTERS ({})", report.routers.len());
    let header = [
        "segment",
        "family",
        "vrid",
        "router",
        "mac",
        "ver",
        "prio",
        "int",
        "addresses",
        "auth",
        "checksum",
        "ttl",
        "adverts",
        "master",
        "interval mean±sd / max dev (ms)",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for r in &report.routers {
        let auth = match &r.auth {
            Some(a @ vrrplab_core::wire::Authentication::SimplePassword(p)) => {
                format!("{} \"{}\"", auth_name(a), password_text(p))
            }
            Some(a) => auth_name(a),
            None => "?".into(),
        };
        let master: f64 = r
            .master
            .iter()
            .map(|m| (m.end_ns - m.start_ns) as f64 / 1e9)
            .sum();
        let jitter = if r.jitter.samples == 0 {
            "-".to_string()
        } else {
            let mut text = format!(
                "{:.1}±{:.1} / {:.1}",
                r.jitter.mean * 1e3,
                r.jitter.stddev * 1e3,
                r.jitter.max_deviation * 1e3
            );
            if r.jitter.early + r.jitter.late > 0 {
                text.push_str(&format!(
                    " ({} early, {} late)",
                    r.jitter.early, r.jitter.late
                ));
            }
            text
        };
        rows.push(vec![
            r.segment.to_string(),
            r.family.to_string(),
            r.vrid.to_string(),
            r.address.to_string(),
            r.mac.as_ref().map_or("-".into(), mac_text),
            r.version.map_or_else(|| "?".into(), |v| v.to_string()),
            r.priorities
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(","),
            r.interval
                .map_or("?".into(), |i| format!("{}s", i.as_secs_f64())),
            r.addresses
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(","),
            auth,
            r.checksum
                .and_then(AdvertChecksum::name)
                .unwrap_or("invalid")
                .to_string(),
            r.hop_limits
                .iter()
                .map(|h| h.to_string())
                .collect::<Vec<_>>()
                .join(","),
            r.adverts.to_string(),
            format!("{master:.3}s in {}", r.master.len()),
            jitter,
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in rows {
        let mut line = String::from(" ");
        for (i, cell) in row.iter().enumerate() {
            let _ = write!(line, " {:<w$}", cell, w = widths[i]);
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}
