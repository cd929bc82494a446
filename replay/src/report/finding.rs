//! Findings: what a capture shows went wrong or changed, one typed detail per kind.
//!
//! The JSON of a finding (`vrrplab replay --json`'s `findings`, `vrrplab watch --json`'s
//! `finding`) is `{"detail", "end", "family", "kind", "routers", "start", "vrid"}`; `detail`
//! holds the kind's fields plus `segment` and `text` (the renderer's sentence).

use super::json::{self, WithEntries};
use super::params::ParamValue;
use crate::decode::Segment;
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeStruct, Serializer};
use std::net::IpAddr;
use std::time::Duration;
use vrrplab_core::vrrp::{Defect, DiscardReason};
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

impl Serialize for FindingKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
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
    /// What was found, by kind.
    pub detail: FindingDetail,
}

impl Finding {
    /// Its kind (that of its detail).
    pub fn kind(&self) -> FindingKind {
        self.detail.kind()
    }

    /// One sentence for people ([`crate::render::finding_text`]).
    pub fn text(&self) -> String {
        crate::render::finding_text(self)
    }
}

impl Serialize for Finding {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let entries = [("segment", self.segment.to_string()), ("text", self.text())];
        let mut map = s.serialize_struct("Finding", 7)?;
        map.serialize_field(
            "detail",
            &WithEntries {
                inner: &self.detail,
                entries: &entries,
            },
        )?;
        map.serialize_field("end", &json::secs(self.end_ns))?;
        map.serialize_field("family", &self.family.to_string())?;
        map.serialize_field("kind", &self.kind())?;
        map.serialize_field("routers", &self.routers)?;
        map.serialize_field("start", &json::secs(self.start_ns))?;
        map.serialize_field("vrid", &self.vrid)?;
        map.end()
    }
}

/// What a finding says, one variant per kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FindingDetail {
    /// `dual-master`.
    DualMaster(DualMasterDetail),
    /// `failover`.
    Failover(FailoverDetail),
    /// `resign`.
    Resign(ResignDetail),
    /// `invalid-packet`.
    InvalidPacket(InvalidPacketDetail),
    /// `parameter-mismatch`.
    ParameterMismatch(ParameterMismatchDetail),
    /// `missing-garp`.
    MissingGarp(MissingGarpDetail),
    /// `flapping`.
    Flapping(FlappingDetail),
}

impl FindingDetail {
    /// The kind of finding this detail belongs to.
    pub fn kind(&self) -> FindingKind {
        match self {
            FindingDetail::DualMaster(_) => FindingKind::DualMaster,
            FindingDetail::Failover(_) => FindingKind::Failover,
            FindingDetail::Resign(_) => FindingKind::Resign,
            FindingDetail::InvalidPacket(_) => FindingKind::InvalidPacket,
            FindingDetail::ParameterMismatch(_) => FindingKind::ParameterMismatch,
            FindingDetail::MissingGarp(_) => FindingKind::MissingGarp,
            FindingDetail::Flapping(_) => FindingKind::Flapping,
        }
    }
}

/// Routers master at the same time. JSON: `causes` (only when a receiver rejected the other's
/// adverts), `duration`, `masters`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DualMasterDetail {
    /// Why neither demoted the other, when a receiver rejects the other's adverts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<Rejection>,
    /// How long two or more were master.
    #[serde(serialize_with = "json::seconds")]
    pub duration: Duration,
    /// Each mastership involved.
    pub masters: Vec<MasterInterval>,
}

/// A receiver that rejects a sender's adverts (the core's validation), so it is not demoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejection {
    /// The router that rejects.
    pub receiver: IpAddr,
    /// The router whose adverts are rejected.
    pub sender: IpAddr,
    /// Why.
    pub reason: DiscardReason,
}

impl Serialize for Rejection {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_struct("Rejection", 4)?;
        map.serialize_field("reason", self.reason.name())?;
        map.serialize_field("receiver", &self.receiver)?;
        map.serialize_field("sender", &self.sender)?;
        map.serialize_field("text", &self.reason.to_string())?;
        map.end()
    }
}

/// One router's mastership inside a dual master.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MasterInterval {
    /// First advert of the mastership, ns.
    #[serde(rename = "master_from", serialize_with = "json::time")]
    pub from_ns: u64,
    /// When it stopped being master, ns.
    #[serde(rename = "master_to", serialize_with = "json::time")]
    pub to_ns: u64,
    /// Priority of its first advert.
    pub priority: u8,
    /// The router.
    pub router: IpAddr,
}

/// A silent master replaced after Master_Down_Interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FailoverDetail {
    /// `gap` − `expected_master_down_interval`, ns.
    #[serde(rename = "difference", serialize_with = "json::signed_seconds")]
    pub difference_ns: i64,
    /// The new master's Master_Down_Interval (core's timing).
    #[serde(serialize_with = "json::seconds")]
    pub expected_master_down_interval: Duration,
    /// Frame of the new master's first advert.
    pub first_advert_frame: u64,
    /// The old master.
    pub from: IpAddr,
    /// From the old master's last advert to the new master's first.
    #[serde(serialize_with = "json::seconds")]
    pub gap: Duration,
    /// The new master's advert interval.
    #[serde(serialize_with = "json::seconds")]
    pub interval: Duration,
    /// Frame of the old master's last advert.
    pub last_advert_frame: u64,
    /// Priority of the new master.
    pub new_master_priority: u8,
    /// The new master's Skew_Time.
    #[serde(serialize_with = "json::seconds")]
    pub skew_time: Duration,
    /// The new master.
    pub to: IpAddr,
}

/// A master sent priority 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResignDetail {
    /// The router that resigned.
    pub from: IpAddr,
    /// Frame of its priority-0 advert.
    pub resign_frame: u64,
    /// What followed.
    pub outcome: ResignOutcome,
}

/// What followed a resignation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResignOutcome {
    /// Another router took over.
    TakenOver(Takeover),
    /// No router took over in the capture.
    NoTakeover,
    /// This router was master all along (it rejected the resigning router's adverts).
    HeldBy(IpAddr),
}

/// A takeover after a resignation, against the new master's Skew_Time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Takeover {
    /// The new master.
    pub to: IpAddr,
    /// Frame of its first advert.
    pub takeover_frame: u64,
    /// From the priority-0 advert to the new master's first.
    pub after: Duration,
    /// The new master's Skew_Time (core's timing).
    pub expected_skew_time: Duration,
    /// `after` − `expected_skew_time`, ns.
    pub difference_ns: i64,
    /// Priority of the new master.
    pub new_master_priority: u8,
    /// The new master's advert interval.
    pub interval: Duration,
}

impl Serialize for ResignDetail {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let taken = match self.outcome {
            ResignOutcome::TakenOver(t) => Some(t),
            _ => None,
        };
        let mut map = s.serialize_struct("ResignDetail", 9)?;
        map.serialize_field(
            "difference",
            &taken.map(|t| json::signed_secs(t.difference_ns)),
        )?;
        map.serialize_field(
            "expected_skew_time",
            &taken.map(|t| json::duration_secs(t.expected_skew_time)),
        )?;
        map.serialize_field("from", &self.from)?;
        if let Some(t) = taken {
            map.serialize_field("interval", &json::duration_secs(t.interval))?;
            map.serialize_field("new_master_priority", &t.new_master_priority)?;
        }
        map.serialize_field("resign_frame", &self.resign_frame)?;
        map.serialize_field("takeover", &taken.map(|t| json::duration_secs(t.after)))?;
        map.serialize_field("takeover_frame", &taken.map(|t| t.takeover_frame))?;
        map.serialize_field("to", &taken.map(|t| t.to))?;
        map.end()
    }
}

/// Adverts of one router that failed validation for one reason. JSON: `count`, `example` (what
/// the first one showed), `frames`, `reason` (the defect's name), `router`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPacketDetail {
    /// How many.
    pub count: u64,
    /// The first frame numbers.
    pub frames: Vec<u64>,
    /// Why they are invalid, with what the first one showed (the TTL seen, the checksum …).
    pub reason: Defect,
    /// The sender.
    pub router: IpAddr,
}

impl Serialize for InvalidPacketDetail {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("InvalidPacketDetail", 5)?;
        st.serialize_field("count", &self.count)?;
        st.serialize_field("example", &self.reason.to_string())?;
        st.serialize_field("frames", &self.frames)?;
        st.serialize_field("reason", self.reason.name())?;
        st.serialize_field("router", &self.router)?;
        st.end()
    }
}

/// Two routers of one VRID announce different values of one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterMismatchDetail {
    /// The two routers (lower address first) and what each announces (values of one field).
    pub sides: [(IpAddr, ParamValue); 2],
}

impl ParameterMismatchDetail {
    /// The field they disagree on (`version`, `advert_int`, `auth`, `virtual_addresses`,
    /// `checksum`, `destination`).
    pub fn field(&self) -> &'static str {
        self.sides[0].1.field()
    }
}

impl Serialize for ParameterMismatchDetail {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_struct("ParameterMismatchDetail", 2)?;
        map.serialize_field("field", self.field())?;
        map.serialize_field("values", &Sides(&self.sides))?;
        map.end()
    }
}

/// `{"ADDRESS": value, …}` in the order of the addresses' text.
struct Sides<'a>(&'a [(IpAddr, ParamValue); 2]);

impl Serialize for Sides<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut sides: Vec<(String, String)> = self
            .0
            .iter()
            .map(|(a, v)| (a.to_string(), crate::render::param_value(v)))
            .collect();
        sides.sort();
        let mut map = s.serialize_map(Some(sides.len()))?;
        for (a, v) in sides {
            map.serialize_entry(&a, &v)?;
        }
        map.end()
    }
}

/// A new master that announced none of its addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingGarpDetail {
    /// Frame of its first advert as master.
    pub first_advert_frame: u64,
    /// Its link-layer address.
    #[serde(serialize_with = "json::mac_opt")]
    pub mac: Option<[u8; 6]>,
    /// The new master.
    pub router: IpAddr,
    /// The addresses it should have announced.
    pub virtual_addresses: Vec<IpAddr>,
    /// How long after (and before) its first advert announcements were looked for.
    #[serde(serialize_with = "json::seconds")]
    pub window: Duration,
}

/// Master changes faster than the failure detector can explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FlappingDetail {
    /// Master changes.
    pub changes: usize,
    /// From the first change to the last.
    #[serde(serialize_with = "json::seconds")]
    pub span: Duration,
    /// The flapping window (a number of advert intervals).
    #[serde(serialize_with = "json::seconds")]
    pub window: Duration,
}
