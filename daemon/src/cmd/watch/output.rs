//! What the watch prints on stdout: notices as they come, notes about the watch itself, and a
//! summary at the end; as text lines or, with `--json`, one JSON object per line.

use serde_json::json;
use std::collections::BTreeSet;
use std::io::Write;
use vrrplab_replay::live::{Notice, NoticeKind, WatchStatus};
use vrrplab_replay::report::secs;
use vrrplab_replay::{FindingKind, Report};

/// The printer.
pub struct Output {
    json: bool,
    /// Texts already printed: a final finding that says what its `opened` line said is not
    /// printed again as text (JSON prints every notice).
    printed: BTreeSet<String>,
}

/// What the summary says besides the status.
pub struct Summary<'a> {
    /// Interface watched.
    pub interface: &'a str,
    /// When the watch started, ns.
    pub started_ns: u64,
    /// When it ended, ns.
    pub ended_ns: u64,
    /// Frames captured but not analysed (not VRRP, ARP or ICMP).
    pub skipped: u64,
    /// The capture file written, if any.
    pub pcap: Option<&'a std::path::Path>,
}

impl Output {
    /// Text, or JSON lines.
    pub fn new(json: bool) -> Output {
        Output {
            json,
            printed: BTreeSet::new(),
        }
    }

    fn line(&self, line: &str) {
        let mut out = std::io::stdout().lock();
        // A closed stdout (a pipe whose reader went) must not end the watch.
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }

    /// One notice.
    pub fn notice(&mut self, n: &Notice) {
        if self.json {
            let line = serde_json::to_string(n)
                .unwrap_or_else(|e| json!({"event": "error", "text": e.to_string()}).to_string());
            self.line(&line);
            return;
        }
        let text = n.finding.text();
        if n.kind == NoticeKind::Finding && self.printed.contains(&text) {
            return;
        }
        self.printed.insert(text);
        self.line(&n.to_text());
    }

    /// A note about the watch itself (interface down, waiting …), at `at_ns`.
    pub fn note(&self, at_ns: u64, text: &str) {
        if self.json {
            self.line(&json!({"event": "note", "time": secs(at_ns), "text": text}).to_string());
        } else {
            self.line(&format!(
                "{} note     {text}",
                vrrplab_replay::live::time_of_day(at_ns)
            ));
        }
    }

    /// The summary at the end.
    pub fn summary(&self, s: &Summary<'_>, status: &WatchStatus, report: &Report) {
        let kinds: Vec<(String, usize)> = FindingKind::ALL
            .iter()
            .map(|k| (k.name().to_string(), report.of_kind(*k).count()))
            .collect();
        if self.json {
            let mut by_kind = serde_json::Map::new();
            for (k, n) in &kinds {
                by_kind.insert(k.clone(), json!(n));
            }
            let doc = json!({
                "event": "summary",
                "time": secs(s.ended_ns),
                "interface": s.interface,
                "started": secs(s.started_ns),
                "frames_skipped": s.skipped,
                "findings": by_kind,
                "pcap": s.pcap.map(|p| p.display().to_string()),
                "status": status.to_json(),
            });
            self.line(&doc.to_string());
            return;
        }
        let f = &report.counts;
        let other = f.packets - f.vrrp - f.garp - f.unsolicited_na - f.malformed;
        let mut lines = vec![format!(
            "summary   {:.1} s on {}: {} frames analysed ({} VRRP, {} gratuitous ARP, {} unsolicited NA, {} malformed, {} other), {} skipped",
            s.ended_ns.saturating_sub(s.started_ns) as f64 / 1e9,
            s.interface,
            f.packets,
            f.vrrp,
            f.garp,
            f.unsolicited_na,
            f.malformed,
            other,
            s.skipped
        )];
        let found: Vec<String> = kinds
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        lines.push(format!(
            "findings  {} (dual master {:.3} s in total, {} failovers)",
            if found.is_empty() {
                "none".to_string()
            } else {
                found.join(", ")
            },
            status.counters.dual_master_seconds,
            status.counters.failovers
        ));
        for v in &status.vrids {
            let masters: Vec<String> = v.masters.iter().map(|m| m.address.to_string()).collect();
            lines.push(format!(
                "master    vrid {} {}: {}",
                v.vrid,
                v.family,
                if masters.is_empty() {
                    "none".to_string()
                } else {
                    masters.join(" and ")
                }
            ));
        }
        if let Some(p) = s.pcap {
            lines.push(format!("pcap      {}", p.display()));
        }
        for l in lines {
            self.line(&l);
        }
    }
}
