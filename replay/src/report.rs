//! The result of a replay: routers, findings and a timeline, with the JSON shape of
//! `vrrplab replay --json`:
//! `{"file", "packets", "vrrp_packets", "routers", "findings", "timeline"}` (plus `"error"`
//! when reading stopped early and `"conformance"` in conformance mode). Times are Unix
//! seconds (floats, µs precision) from the capture.
//!
//! Finding kinds are stable names: `dual-master`, `failover`, `resign`, `invalid-packet`,
//! `parameter-mismatch`, `missing-garp`, `flapping`.

use crate::decode::Segment;
use serde_json::{Value, json};
use std::net::IpAddr;
use vrrplab_core::wire::Family;

/// A finding's kind; [`FindingKind::name`] is the stable JSON name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    /// Two or more routers advertised as master at the same time (split brain).
    DualMaster,
    /// A master went silent and another took over after Master_Down_Interval.
    Failover,
    /// A master sent priority 0; another took over after Skew_Time.
    Resign,
    /// An advert failed validation.
    InvalidPacket,
    /// Routers of one VRID announce different parameters.
    ParameterMismatch,
    /// A new master sent no gratuitous ARP / unsolicited NA.
    MissingGarp,
    /// The master changed faster than the failure detector could explain.
    Flapping,
}

impl FindingKind {
    /// Every kind, in report order.
    pub const ALL: [FindingKind; 7] = [
        FindingKind::DualMaster,
        FindingKind::Failover,
        FindingKind::Resign,
        FindingKind::InvalidPacket,
        FindingKind::ParameterMismatch,
        FindingKind::MissingGarp,
        FindingKind::Flapping,
    ];

    /// Stable name.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::DualMaster => "dual-master",
            FindingKind::Failover => "failover",
            FindingKind::Resign => "resign",
            FindingKind::InvalidPacket => "invalid-packet",
            FindingKind::ParameterMismatch => "parameter-mismatch",
            FindingKind::MissingGarp => "missing-garp",
            FindingKind::Flapping => "flapping",
        }
    }

    /// Parses a stable name.
    pub fn from_name(name: &str) -> Option<FindingKind> {
        FindingKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl std::fmt::Display for FindingKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One finding.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Kind.
    pub kind: FindingKind,
    /// Segment.
    pub segment: Segment,
    /// Family.
    pub family: Family,
    /// VRID.
    pub vrid: u8,
    /// Start, ns since the epoch.
    pub start_ns: u64,
    /// End, ns since the epoch.
    pub end_ns: u64,
    /// Routers involved (IP sources).
    pub routers: Vec<IpAddr>,
    /// One line for people.
    pub text: String,
    /// Kind-specific fields (JSON object), `text` and `segment` included.
    pub detail: Value,
}

/// One timeline entry.
#[derive(Debug, Clone)]
pub struct Event {
    /// When, ns since the epoch.
    pub time_ns: u64,
    /// Frame number.
    pub frame: u64,
    /// Segment.
    pub segment: Segment,
    /// Family.
    pub family: Family,
    /// VRID (None for an announcement no router could be tied to).
    pub vrid: Option<u8>,
    /// Router address, or MAC for an unattributed announcement.
    pub router: String,
    /// Stable event name: `master`, `silent`, `resign`, `priority`, `parameters`, `garp`,
    /// `unsolicited-na`.
    pub event: &'static str,
    /// Human detail.
    pub detail: String,
}

/// Interval statistics of one router, in seconds.
#[derive(Debug, Clone, Copy)]
pub struct JitterReport {
    /// Gaps measured.
    pub samples: u64,
    /// Mean gap.
    pub mean: f64,
    /// Standard deviation.
    pub stddev: f64,
    /// Smallest gap.
    pub min: f64,
    /// Largest gap.
    pub max: f64,
    /// Largest |gap − interval|.
    pub max_deviation: f64,
    /// Gaps under half the interval.
    pub early: u64,
    /// Gaps over 1.5 intervals.
    pub late: u64,
}

/// One stretch of mastership.
#[derive(Debug, Clone)]
pub struct MasterSpan {
    /// First advert.
    pub start_ns: u64,
    /// Last advert with priority > 0.
    pub end_ns: u64,
    /// Adverts.
    pub adverts: u64,
    /// `open`, `silent` or `resigned`.
    pub end: &'static str,
    /// When the priority-0 advert came, for `resigned`.
    pub resigned_ns: Option<u64>,
    /// Priority of the first advert.
    pub priority: u8,
    /// Priority changes after the first advert (time, new priority).
    pub priority_changes: Vec<(u64, u8)>,
}

impl MasterSpan {
    /// The priority advertised at `time_ns` (the latest advert at or before it).
    pub fn priority_at(&self, time_ns: u64) -> u8 {
        self.priority_changes
            .iter()
            .take_while(|(t, _)| *t <= time_ns)
            .last()
            .map_or(self.priority, |(_, p)| *p)
    }
}

/// One router on one VRID.
#[derive(Debug, Clone)]
pub struct RouterReport {
    /// Segment.
    pub segment: Segment,
    /// Family.
    pub family: Family,
    /// VRID.
    pub vrid: u8,
    /// IP source.
    pub address: IpAddr,
    /// Link-layer source.
    pub mac: Option<[u8; 6]>,
    /// `v2` / `v3` (None when nothing was readable).
    pub version: Option<String>,
    /// Distinct priorities, in order of appearance.
    pub priorities: Vec<u8>,
    /// Advert interval, seconds.
    pub interval: Option<f64>,
    /// Announced addresses.
    pub addresses: Vec<IpAddr>,
    /// `none`, `pass`, `ah`, `unknown-N`.
    pub auth: Option<String>,
    /// The v2 password as text (keepalived sends it in clear).
    pub auth_pass: Option<String>,
    /// v3-over-IPv4 checksum convention: `pseudo-header` / `message-only`.
    pub checksum: Option<&'static str>,
    /// IP destination.
    pub destination: Option<IpAddr>,
    /// TTLs / hop limits seen.
    pub hop_limits: Vec<u8>,
    /// Adverts.
    pub adverts: u64,
    /// Duplicates skipped.
    pub duplicates: u64,
    /// First advert.
    pub first_ns: u64,
    /// Last advert.
    pub last_ns: u64,
    /// Mastership.
    pub master: Vec<MasterSpan>,
    /// Interval statistics.
    pub jitter: JitterReport,
}

/// Frame counts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    /// Every frame read.
    pub packets: u64,
    /// VRRP messages (IP protocol 112, not quoted in ICMP).
    pub vrrp: u64,
    /// Gratuitous ARPs.
    pub garp: u64,
    /// Unsolicited NAs.
    pub unsolicited_na: u64,
    /// ICMP errors quoting VRRP.
    pub icmp_quoted_vrrp: u64,
    /// Other ARP.
    pub arp: u64,
    /// Other IP.
    pub other_ip: u64,
    /// Unknown link / ether type.
    pub other_link: u64,
    /// Undecodable frames.
    pub malformed: u64,
    /// IP fragments.
    pub fragments: u64,
}

/// A whole replay.
#[derive(Debug, Clone)]
pub struct Report {
    /// The file as given.
    pub file: String,
    /// `pcap` / `pcapng`.
    pub format: String,
    /// Link types seen.
    pub links: Vec<String>,
    /// Frame counts.
    pub counts: Counts,
    /// First frame.
    pub first_ns: Option<u64>,
    /// Last frame.
    pub last_ns: Option<u64>,
    /// Routers, by (segment, family, VRID, address).
    pub routers: Vec<RouterReport>,
    /// Findings, by time then kind.
    pub findings: Vec<Finding>,
    /// Timeline, by time.
    pub timeline: Vec<Event>,
    /// Why reading stopped early, if it did.
    pub error: Option<String>,
    /// Conformance result, in conformance mode.
    pub conformance: Option<Value>,
}

/// ns since the epoch → Unix seconds with µs precision.
pub fn secs(ns: u64) -> f64 {
    ((ns + 500) / 1000) as f64 / 1e6
}

/// A duration in ns → seconds with µs precision.
pub fn dur(ns: u64) -> f64 {
    secs(ns)
}

/// A signed difference in ns → seconds with µs precision.
pub fn signed_dur(ns: i64) -> f64 {
    let us = (ns as f64 / 1000.0).round();
    us / 1e6
}

/// `aa:bb:cc:dd:ee:ff`.
pub fn mac_text(mac: &[u8; 6]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

impl Report {
    /// True when a finding of one of `kinds` exists.
    pub fn has_any(&self, kinds: &[FindingKind]) -> bool {
        self.findings.iter().any(|f| kinds.contains(&f.kind))
    }

    /// Findings of one kind.
    pub fn of_kind(&self, kind: FindingKind) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.kind == kind)
    }

    /// The `--json` document as a value (the whole tree in memory; see [`Report::write_json`]).
    pub fn to_json(&self) -> Value {
        let routers: Vec<Value> = self.routers.iter().map(router_json).collect();
        let findings: Vec<Value> = self.findings.iter().map(finding_json).collect();
        let timeline: Vec<Value> = self.timeline.iter().map(event_json).collect();
        let mut doc = json!({
            "file": self.file,
            "packets": self.counts.packets,
            "vrrp_packets": self.counts.vrrp,
            "routers": routers,
            "findings": findings,
            "timeline": timeline,
        });
        if let Some(obj) = doc.as_object_mut() {
            if let Some(e) = &self.error {
                obj.insert("error".into(), Value::String(e.clone()));
            }
            if let Some(c) = &self.conformance {
                obj.insert("conformance".into(), c.clone());
            }
        }
        doc
    }

    /// Writes the same document as [`Report::to_json`] (same keys, same order), pretty
    /// printed, building one router / finding / event value at a time.
    pub fn write_json<W: std::io::Write>(&self, writer: W) -> serde_json::Result<()> {
        use serde::Serializer;
        use serde::ser::SerializeMap;
        let mut ser = serde_json::Serializer::pretty(writer);
        let mut map = ser.serialize_map(None)?;
        if let Some(c) = &self.conformance {
            map.serialize_entry("conformance", c)?;
        }
        if let Some(e) = &self.error {
            map.serialize_entry("error", e)?;
        }
        map.serialize_entry("file", &self.file)?;
        map.serialize_entry("findings", &Lazy(&self.findings, finding_json))?;
        map.serialize_entry("packets", &self.counts.packets)?;
        map.serialize_entry("routers", &Lazy(&self.routers, router_json))?;
        map.serialize_entry("timeline", &Lazy(&self.timeline, event_json))?;
        map.serialize_entry("vrrp_packets", &self.counts.vrrp)?;
        map.end()
    }
}

/// A sequence serialised by converting one element at a time.
struct Lazy<'a, T>(&'a [T], fn(&T) -> Value);

impl<T> serde::Serialize for Lazy<'_, T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for item in self.0 {
            seq.serialize_element(&(self.1)(item))?;
        }
        seq.end()
    }
}

/// One finding as it appears in the `findings` array of `--json` (and in `vrrplab watch`).
pub fn finding_json(f: &Finding) -> Value {
    json!({
        "kind": f.kind.name(),
        "vrid": f.vrid,
        "family": f.family.to_string(),
        "start": secs(f.start_ns),
        "end": secs(f.end_ns),
        "routers": f.routers.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
        "detail": f.detail,
    })
}

fn event_json(e: &Event) -> Value {
    json!({
        "time": secs(e.time_ns),
        "frame": e.frame,
        "segment": e.segment.to_string(),
        "vrid": e.vrid,
        "family": e.family.to_string(),
        "router": e.router,
        "event": e.event,
        "detail": e.detail,
    })
}

fn router_json(r: &RouterReport) -> Value {
    json!({
        "segment": r.segment.to_string(),
        "family": r.family.to_string(),
        "vrid": r.vrid,
        "address": r.address.to_string(),
        "mac": r.mac.as_ref().map(mac_text),
        "version": r.version,
        "priorities": r.priorities,
        "interval": r.interval,
        "virtual_addresses": r.addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        "auth": r.auth,
        "auth_pass": r.auth_pass,
        "checksum": r.checksum,
        "destination": r.destination.map(|d| d.to_string()),
        "hop_limits": r.hop_limits,
        "adverts": r.adverts,
        "duplicates": r.duplicates,
        "first": secs(r.first_ns),
        "last": secs(r.last_ns),
        "master": r.master.iter().map(|m| json!({
            "start": secs(m.start_ns),
            "end": secs(m.end_ns),
            "adverts": m.adverts,
            "ended": m.end,
        })).collect::<Vec<_>>(),
        "jitter": {
            "samples": r.jitter.samples,
            "mean": r.jitter.mean,
            "stddev": r.jitter.stddev,
            "min": r.jitter.min,
            "max": r.jitter.max,
            "max_deviation": r.jitter.max_deviation,
            "early": r.jitter.early,
            "late": r.jitter.late,
        },
    })
}
