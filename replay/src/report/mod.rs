//! The result of a replay: routers, findings and a timeline, with the JSON shape of
//! `vrrplab replay --json`:
//! `{"file", "packets", "vrrp_packets", "routers", "findings", "timeline"}` (plus `"error"`
//! when reading stopped early and `"conformance"` in conformance mode). Times are Unix
//! seconds (floats, µs precision) from the capture.
//!
//! Finding kinds are stable names: `dual-master`, `failover`, `resign`, `invalid-packet`,
//! `parameter-mismatch`, `missing-garp`, `flapping`.
//!
//! Everything here is typed data (core's `Version`, `Authentication`, durations, one detail
//! struct per finding kind, typed timeline entries and conformance results). The JSON comes
//! from one path, the [`Serialize`] impls of these types, streamed by [`Report::write_json`];
//! its `text`/`detail` sentences come from [`crate::render`], the only place that writes
//! sentences.

pub mod conformance;
mod event;
mod finding;
pub mod json;
mod params;

pub use event::{AnnounceEvent, Event, EventKind, EventSource, MasterEvent, ParamChange};
pub use finding::{
    DualMasterDetail, FailoverDetail, Finding, FindingDetail, FindingKind, FlappingDetail,
    InvalidPacketDetail, MasterInterval, MissingGarpDetail, ParameterMismatchDetail, Rejection,
    ResignDetail, ResignOutcome, Takeover,
};
pub use json::{mac_text, secs};
pub use params::ParamValue;

use crate::decode::Segment;
use crate::reader::{Format, LinkType};
use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};
use std::net::IpAddr;
use std::time::Duration;
use vrrplab_core::wire::{Authentication, ChecksumConvention, Family, Version};

/// Interval statistics of one router, in seconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct JitterReport {
    /// Gaps under half the interval.
    pub early: u64,
    /// Gaps over 1.5 intervals.
    pub late: u64,
    /// Largest gap.
    pub max: f64,
    /// Largest |gap − interval|.
    pub max_deviation: f64,
    /// Mean gap.
    pub mean: f64,
    /// Smallest gap.
    pub min: f64,
    /// Gaps measured.
    pub samples: u64,
    /// Standard deviation.
    pub stddev: f64,
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
    /// How it ended.
    pub end: SpanEnd,
    /// Priority of the first advert.
    pub priority: u8,
    /// Priority changes after the first advert (time, new priority).
    pub priority_changes: Vec<(u64, u8)>,
}

/// How a stretch of mastership ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanEnd {
    /// Still advertising when the capture ended.
    Open,
    /// Went silent after its last advert.
    Silent,
    /// Sent priority 0 at this time (ns).
    Resigned(u64),
}

impl SpanEnd {
    /// `open`, `silent` or `resigned` (JSON `ended`).
    pub fn name(self) -> &'static str {
        match self {
            SpanEnd::Open => "open",
            SpanEnd::Silent => "silent",
            SpanEnd::Resigned(_) => "resigned",
        }
    }
}

/// What a router's adverts verify their checksum with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdvertChecksum {
    /// VRRPv2: over the VRRP message.
    V2,
    /// VRRPv3 with the convention that verified (always the pseudo-header over IPv6).
    V3(ChecksumConvention),
    /// VRRPv3 over IPv4 whose checksum verifies under no convention.
    Bad,
}

impl AdvertChecksum {
    /// `v2`, `pseudo-header`, `message-only`; None for a bad one (JSON null).
    pub fn name(self) -> Option<&'static str> {
        match self {
            AdvertChecksum::V2 => Some("v2"),
            AdvertChecksum::V3(ChecksumConvention::PseudoHeader) => Some("pseudo-header"),
            AdvertChecksum::V3(ChecksumConvention::MessageOnly) => Some("message-only"),
            AdvertChecksum::Bad => None,
        }
    }
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
    /// Protocol version (None when nothing was readable).
    pub version: Option<Version>,
    /// Distinct priorities, in order of appearance.
    pub priorities: Vec<u8>,
    /// Advert interval.
    pub interval: Option<Duration>,
    /// Announced addresses.
    pub addresses: Vec<IpAddr>,
    /// Authentication its adverts carry (v2 passwords travel in clear).
    pub auth: Option<Authentication>,
    /// Checksum its adverts verify with.
    pub checksum: Option<AdvertChecksum>,
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
    /// pcap or pcapng.
    pub format: Format,
    /// Link types seen, in order of first appearance.
    pub links: Vec<LinkType>,
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
    pub conformance: Option<conformance::ConformanceReport>,
}

impl Report {
    /// True when a finding of one of `kinds` exists.
    pub fn has_any(&self, kinds: &[FindingKind]) -> bool {
        self.findings.iter().any(|f| kinds.contains(&f.kind()))
    }

    /// Findings of one kind.
    pub fn of_kind(&self, kind: FindingKind) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.kind() == kind)
    }

    /// Writes the `--json` document, pretty printed, streamed (its [`Serialize`] form).
    pub fn write_json<W: std::io::Write>(&self, writer: W) -> serde_json::Result<()> {
        serde_json::to_writer_pretty(writer, self)
    }
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_struct("Report", 8)?;
        if let Some(c) = &self.conformance {
            map.serialize_field("conformance", c)?;
        }
        if let Some(e) = &self.error {
            map.serialize_field("error", e)?;
        }
        map.serialize_field("file", &self.file)?;
        map.serialize_field("findings", &self.findings)?;
        map.serialize_field("packets", &self.counts.packets)?;
        map.serialize_field("routers", &self.routers)?;
        map.serialize_field("timeline", &self.timeline)?;
        map.serialize_field("vrrp_packets", &self.counts.vrrp)?;
        map.end()
    }
}

impl Serialize for RouterReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_struct("RouterReport", 20)?;
        map.serialize_field("address", &self.address)?;
        map.serialize_field("adverts", &self.adverts)?;
        map.serialize_field("auth", &self.auth.as_ref().map(auth_name))?;
        map.serialize_field(
            "auth_pass",
            &match &self.auth {
                Some(Authentication::SimplePassword(p)) => Some(password_text(p)),
                _ => None,
            },
        )?;
        map.serialize_field("checksum", &self.checksum.and_then(AdvertChecksum::name))?;
        map.serialize_field("destination", &self.destination)?;
        map.serialize_field("duplicates", &self.duplicates)?;
        map.serialize_field("family", &self.family.to_string())?;
        map.serialize_field("first", &secs(self.first_ns))?;
        map.serialize_field("hop_limits", &self.hop_limits)?;
        map.serialize_field("interval", &self.interval.map(json::duration_secs))?;
        map.serialize_field("jitter", &self.jitter)?;
        map.serialize_field("last", &secs(self.last_ns))?;
        map.serialize_field("mac", &self.mac.as_ref().map(mac_text))?;
        map.serialize_field("master", &self.master)?;
        map.serialize_field("priorities", &self.priorities)?;
        map.serialize_field("segment", &self.segment.to_string())?;
        map.serialize_field("version", &self.version.map(|v| v.to_string()))?;
        map.serialize_field("virtual_addresses", &self.addresses)?;
        map.serialize_field("vrid", &self.vrid)?;
        map.end()
    }
}

/// `none`, `pass`, `ah`, `cisco-md5`, `unknown-N`: the JSON `auth` of a router.
pub fn auth_name(a: &Authentication) -> String {
    match a {
        Authentication::None => "none".to_string(),
        Authentication::SimplePassword(_) => "pass".to_string(),
        Authentication::IpAh => "ah".to_string(),
        Authentication::CiscoMd5 => "cisco-md5".to_string(),
        Authentication::Unknown(t) => format!("unknown-{t}"),
    }
}

/// The printable part of an 8-byte password (NUL padding removed, others escaped).
pub fn password_text(p: &[u8; 8]) -> String {
    let end = p.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    p[..end].escape_ascii().to_string()
}

impl Serialize for MasterSpan {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_struct("MasterSpan", 4)?;
        map.serialize_field("adverts", &self.adverts)?;
        map.serialize_field("end", &secs(self.end_ns))?;
        map.serialize_field("ended", self.end.name())?;
        map.serialize_field("start", &secs(self.start_ns))?;
        map.end()
    }
}
