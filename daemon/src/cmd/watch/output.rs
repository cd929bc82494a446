//! What the watch prints on stdout: notices as they come, notes about the watch itself, and a
//! summary at the end; as text lines or, with `--json`, one JSON object per line.

use super::said::Said;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use vrrplab_replay::live::{Notice, WatchStatus};
use vrrplab_replay::report::secs;
use vrrplab_replay::{FindingKind, Report};

/// The printer.
pub struct Output {
    json: bool,
    /// What the text lines said of findings still developing: a final finding that says what
    /// its `opened` line said is not printed again as text (JSON prints every notice).
    said: Said,
}

/// `{"event": "note", "text", "time"}`: a note about the watch itself.
#[derive(Serialize)]
struct NoteLine<'a> {
    event: &'static str,
    text: &'a str,
    time: f64,
}

/// `{"event": "summary", …}`: the last line of a `--json` watch.
#[derive(Serialize)]
struct SummaryLine<'a> {
    event: &'static str,
    findings: BTreeMap<&'a str, usize>,
    frames_skipped: u64,
    interface: &'a str,
    pcap: Option<String>,
    started: f64,
    status: &'a WatchStatus,
    time: f64,
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
            said: Said::default(),
        }
    }

    /// One JSON object on one line.
    fn json_line<T: Serialize>(&self, value: &T) {
        match serde_json::to_string(value) {
            Ok(line) => self.line(&line),
            Err(e) => self.line(&format!(
                "{{\"event\":\"error\",\"text\":{:?}}}",
                e.to_string()
            )),
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
            self.json_line(n);
            return;
        }
        if self.said.is_new(n) {
            self.line(&n.to_text());
        }
    }

    /// A note about the watch itself (interface down, waiting …), at `at_ns`.
    pub fn note(&self, at_ns: u64, text: &str) {
        if self.json {
            self.json_line(&NoteLine {
                event: "note",
                text,
                time: secs(at_ns),
            });
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
            self.json_line(&SummaryLine {
                event: "summary",
                findings: kinds.iter().map(|(k, n)| (k.as_str(), *n)).collect(),
                frames_skipped: s.skipped,
                interface: s.interface,
                pcap: s.pcap.map(|p| p.display().to_string()),
                started: secs(s.started_ns),
                status,
                time: secs(s.ended_ns),
            });
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
