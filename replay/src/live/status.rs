//! What `vrrplab watch --status` serves: who is master now on each virtual router, and
//! counters, as JSON and as Prometheus text.

use crate::analysis::{Group, RUN_BREAK_INTERVALS, RunEnd, interval_ns};
use crate::decode::Segment;
use crate::report::{Counts, secs};
use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};
use std::fmt::Write;
use std::net::IpAddr;
use vrrplab_core::wire::Family;

/// A router advertising as master now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterNow {
    /// Its address.
    pub address: IpAddr,
    /// First advert of its current mastership, ns.
    pub since_ns: u64,
    /// Its latest advert, ns.
    pub last_advert_ns: u64,
}

/// One virtual router heard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VridStatus {
    /// Segment.
    pub segment: Segment,
    /// Family.
    pub family: Family,
    /// VRID.
    pub vrid: u8,
    /// Masters now (two or more: split brain).
    pub masters: Vec<MasterNow>,
}

/// Counters since the watch started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct WatchCounters {
    /// Seconds two or more routers of one VRID advertised as master at once (dual masters seen
    /// so far, the current one included).
    pub dual_master_seconds: f64,
    /// Dual masters seen.
    pub dual_masters: u64,
    /// Failovers seen.
    pub failovers: u64,
    /// Finding notices given, of every kind.
    pub findings: u64,
}

/// The whole status.
#[derive(Debug, Clone, Default)]
pub struct WatchStatus {
    /// Horizon of the status, ns.
    pub at_ns: u64,
    /// Virtual routers heard.
    pub vrids: Vec<VridStatus>,
    /// Counters.
    pub counters: WatchCounters,
    /// Frames by what they were.
    pub frames: Counts,
}

/// The masters of each group at horizon `h`: routers whose latest run is open and whose last
/// advert is within [`RUN_BREAK_INTERVALS`] of its interval.
pub fn masters(groups: &[Group], h: u64) -> Vec<VridStatus> {
    let mut out: Vec<VridStatus> = groups
        .iter()
        .map(|g| VridStatus {
            segment: g.key.segment,
            family: g.key.family,
            vrid: g.key.vrid,
            masters: g
                .routers
                .iter()
                .filter_map(|r| {
                    let run = r.runs.last()?;
                    let alive = h.saturating_sub(run.last_ns)
                        <= RUN_BREAK_INTERVALS * interval_ns(run.interval_cs);
                    (run.end == RunEnd::Open && run.adverts > 0 && alive).then_some(MasterNow {
                        address: r.address,
                        since_ns: run.start_ns,
                        last_advert_ns: run.last_ns,
                    })
                })
                .collect(),
        })
        .collect();
    out.sort_by_key(|v| (v.segment, v.family, v.vrid));
    out
}

fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// `GET /` of the status endpoint: `{"counters", "frames", "time", "vrids"}`.
impl Serialize for WatchStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_struct("WatchStatus", 4)?;
        map.serialize_field("counters", &self.counters)?;
        map.serialize_field("frames", &Frames(&self.frames))?;
        map.serialize_field("time", &secs(self.at_ns))?;
        map.serialize_field("vrids", &self.vrids)?;
        map.end()
    }
}

impl Serialize for VridStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_struct("VridStatus", 4)?;
        map.serialize_field("family", &self.family.to_string())?;
        map.serialize_field("masters", &self.masters)?;
        map.serialize_field("segment", &self.segment.to_string())?;
        map.serialize_field("vrid", &self.vrid)?;
        map.end()
    }
}

impl Serialize for MasterNow {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_struct("MasterNow", 3)?;
        map.serialize_field("address", &self.address)?;
        map.serialize_field("last_advert", &secs(self.last_advert_ns))?;
        map.serialize_field("since", &secs(self.since_ns))?;
        map.end()
    }
}

/// Frame counts as the status shows them: `{"garp", "malformed", "other", "total",
/// "unsolicited_na", "vrrp"}`.
struct Frames<'a>(&'a Counts);

impl Serialize for Frames<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.0;
        let mut map = s.serialize_struct("Frames", 6)?;
        map.serialize_field("garp", &f.garp)?;
        map.serialize_field("malformed", &f.malformed)?;
        map.serialize_field("other", &other_frames(f))?;
        map.serialize_field("total", &f.packets)?;
        map.serialize_field("unsolicited_na", &f.unsolicited_na)?;
        map.serialize_field("vrrp", &f.vrrp)?;
        map.end()
    }
}

/// Frames analysed that were none of VRRP, GARP, unsolicited NA or malformed.
fn other_frames(f: &Counts) -> u64 {
    f.packets - f.vrrp - f.garp - f.unsolicited_na - f.malformed
}

impl WatchStatus {
    /// `GET /metrics`: Prometheus text exposition (version 0.0.4).
    pub fn to_prometheus(&self) -> String {
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, rows: Vec<(String, String)>| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, value) in rows {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        family(
            "vrrplab_watch_masters",
            "gauge",
            "Routers advertising as master now, per virtual router (2 or more: split brain).",
            self.vrids
                .iter()
                .map(|v| {
                    (
                        format!(
                            "{{vrid=\"{}\",family=\"{}\",segment=\"{}\"}}",
                            v.vrid,
                            v.family,
                            label(&v.segment.to_string())
                        ),
                        v.masters.len().to_string(),
                    )
                })
                .collect(),
        );
        family(
            "vrrplab_watch_dual_master_seconds_total",
            "counter",
            "Seconds during which two or more routers of one VRID advertised as master.",
            vec![(
                String::new(),
                format!("{:.3}", self.counters.dual_master_seconds),
            )],
        );
        family(
            "vrrplab_watch_dual_masters_total",
            "counter",
            "Dual-master intervals seen.",
            vec![(String::new(), self.counters.dual_masters.to_string())],
        );
        family(
            "vrrplab_watch_failovers_total",
            "counter",
            "Failovers seen (a master went silent and another took over).",
            vec![(String::new(), self.counters.failovers.to_string())],
        );
        let f = &self.frames;
        family(
            "vrrplab_watch_frames_total",
            "counter",
            "Frames analysed, by what they were.",
            [
                ("vrrp", f.vrrp),
                ("garp", f.garp),
                ("unsolicited_na", f.unsolicited_na),
                ("malformed", f.malformed),
                ("other", other_frames(f)),
            ]
            .iter()
            .map(|(k, v)| (format!("{{kind=\"{k}\"}}"), v.to_string()))
            .collect(),
        );
        out
    }
}
