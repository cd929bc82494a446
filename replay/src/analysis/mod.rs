//! Streaming analysis of a capture: feed frames one by one, then [`Analyzer::finish`] into a
//! [`Report`].
//!
//! Per (segment, family, VRID) it keeps each router's parameters, mastership runs (adverts with
//! priority > 0 at the router's interval) and interval statistics; invalid adverts are
//! aggregated per router and reason with their first frame numbers. Findings that need
//! hindsight (was the old master alive when the new one started?) are derived at the end from
//! the runs, whose number grows with mastership changes, not with packets.

mod announce;
mod findings;
mod prune;
pub mod receiver;
mod router;
pub mod validate;

pub use announce::{Announcements, Burst};
pub(crate) use findings::{FLAP_CHANGES, FLAP_WINDOW_INTERVALS, GARP_WINDOW_NS};
pub use router::{Jitter, Params, RouterState, Run, RunEnd};
pub(crate) use router::{RUN_BREAK_INTERVALS, interval_ns};

use crate::decode::{Decoded, Segment, Skipped, VrrpFrame, decode};
use crate::reader::{CaptureError, CaptureErrorKind, CaptureReader, Format, Frame, LinkType};
use crate::report::{Counts, Event, EventKind, EventSource, ParamChange, ParamValue, Report};
use std::collections::BTreeMap;
use std::io::Read;
use std::net::IpAddr;
use vrrplab_core::vrrp::{Defect, DefectKind, Defects};
use vrrplab_core::wire::{Family, Version};

/// Frame numbers kept per (router, reason) of invalid adverts.
pub const INVALID_FRAMES_KEPT: usize = 10;
/// Priority / parameter change events kept per router (later ones are counted, not listed).
pub const CHANGE_EVENTS_KEPT: u64 = 1000;

/// What identifies one virtual router in a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupKey {
    /// Capture interface and VLAN.
    pub segment: Segment,
    /// Address family.
    pub family: Family,
    /// VRID.
    pub vrid: u8,
}

/// Invalid adverts of one router for one reason.
#[derive(Debug, Clone)]
pub struct InvalidAdverts {
    /// How many.
    pub count: u64,
    /// The first frame numbers.
    pub frames: Vec<u64>,
    /// First one.
    pub first_ns: u64,
    /// Last one.
    pub last_ns: u64,
    /// The first one's defect, with what it showed (the TTL seen, the checksum …).
    pub example: Defect,
}

/// Two routers disagreeing on one field for a while.
#[derive(Debug, Clone)]
pub struct Mismatch {
    /// The two routers (lower address first) and their values of one field.
    pub sides: [(IpAddr, ParamValue); 2],
    /// When both were first seen disagreeing.
    pub start_ns: u64,
    /// When they stopped (None while open).
    pub end_ns: Option<u64>,
}

/// One virtual router (segment, family, VRID) in the capture.
#[derive(Debug, Clone)]
pub struct Group {
    /// Identity.
    pub key: GroupKey,
    /// Routers, in order of first advert.
    pub routers: Vec<RouterState>,
    /// Invalid adverts per (router, reason).
    pub invalid: BTreeMap<(IpAddr, DefectKind), InvalidAdverts>,
    /// Parameter disagreements.
    pub mismatches: Vec<Mismatch>,
    /// Priority and parameter changes.
    pub events: Vec<Event>,
    changes: BTreeMap<IpAddr, u64>,
}

impl Mismatch {
    /// The field (`version`, `advert_int`, `auth`, `virtual_addresses`, `checksum`,
    /// `destination`).
    pub fn field(&self) -> &'static str {
        self.sides[0].1.field()
    }
}

impl Group {
    fn new(key: GroupKey) -> Self {
        Group {
            key,
            routers: Vec::new(),
            invalid: BTreeMap::new(),
            mismatches: Vec::new(),
            events: Vec::new(),
            changes: BTreeMap::new(),
        }
    }

    fn router_index(&mut self, address: IpAddr, time_ns: u64) -> usize {
        match self.routers.iter().position(|r| r.address == address) {
            Some(i) => i,
            None => {
                self.routers.push(RouterState::new(address, time_ns));
                self.routers.len() - 1
            }
        }
    }

    fn change_event(&mut self, event: Event, router: IpAddr) {
        let n = self.changes.entry(router).or_insert(0);
        *n += 1;
        if *n <= CHANGE_EVENTS_KEPT {
            self.events.push(event);
        }
    }

    /// Re-checks router `i`'s parameters against every other router's.
    fn check_mismatches(&mut self, i: usize, time_ns: u64) {
        let Some(mine) = self.routers[i].params.clone() else {
            return;
        };
        let me = self.routers[i].address;
        for j in 0..self.routers.len() {
            if j == i {
                continue;
            }
            let other = self.routers[j].address;
            let Some(theirs) = self.routers[j].params.clone() else {
                continue;
            };
            for (a, b) in compare(&mine, &theirs) {
                let field = a.field();
                let (lo, hi) = if me < other {
                    ((me, a), (other, b))
                } else {
                    ((other, b), (me, a))
                };
                let open = self.mismatches.iter_mut().find(|m| {
                    m.field() == field
                        && m.end_ns.is_none()
                        && m.sides[0].0 == lo.0
                        && m.sides[1].0 == hi.0
                });
                match (open, lo.1 != hi.1) {
                    (Some(m), false) => m.end_ns = Some(time_ns),
                    (Some(m), true) => m.sides = [lo, hi],
                    (None, true) => self.mismatches.push(Mismatch {
                        sides: [lo, hi],
                        start_ns: time_ns,
                        end_ns: None,
                    }),
                    (None, false) => {}
                }
            }
        }
    }
}

/// The value of each comparable field of two parameter sets (both sides, always listed so
/// open mismatches can close), in a fixed field order.
fn compare(a: &Params, b: &Params) -> Vec<(ParamValue, ParamValue)> {
    let mut out = vec![
        (
            ParamValue::Version(a.version),
            ParamValue::Version(b.version),
        ),
        (
            ParamValue::AdvertInt(a.interval_cs),
            ParamValue::AdvertInt(b.interval_cs),
        ),
        (
            ParamValue::Auth(a.authentication.clone()),
            ParamValue::Auth(b.authentication.clone()),
        ),
        (
            ParamValue::VirtualAddresses(a.addresses.clone()),
            ParamValue::VirtualAddresses(b.addresses.clone()),
        ),
    ];
    if a.version == Version::V3 && b.version == Version::V3 {
        out.push((
            ParamValue::Checksum(a.checksum),
            ParamValue::Checksum(b.checksum),
        ));
    }
    if a.destination.is_multicast() && b.destination.is_multicast() {
        out.push((
            ParamValue::Destination(a.destination),
            ParamValue::Destination(b.destination),
        ));
    }
    out
}

/// Streaming analyser. Feed every frame with [`Analyzer::feed`], then [`Analyzer::finish`].
#[derive(Debug, Clone)]
pub struct Analyzer {
    file: String,
    format: Format,
    links: Vec<LinkType>,
    counts: Counts,
    first_ns: Option<u64>,
    last_ns: Option<u64>,
    groups: Vec<Group>,
    index: BTreeMap<GroupKey, usize>,
    announcements: Announcements,
}

impl Analyzer {
    /// An analyser for a capture called `file` in `format`.
    pub fn new(file: &str, format: Format) -> Self {
        Analyzer {
            file: file.to_string(),
            format,
            links: Vec::new(),
            counts: Counts::default(),
            first_ns: None,
            last_ns: None,
            groups: Vec::new(),
            index: BTreeMap::new(),
            announcements: Announcements::default(),
        }
    }

    /// The groups seen so far (for conformance mode).
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// Takes one frame into account.
    pub fn feed(&mut self, frame: &Frame<'_>) {
        self.counts.packets += 1;
        let t = frame.time_ns;
        if self.first_ns.is_none() {
            self.first_ns = Some(t);
        }
        self.last_ns = Some(self.last_ns.map_or(t, |l| l.max(t)));
        if !self.links.contains(&frame.link) {
            self.links.push(frame.link);
        }
        match decode(frame.link, frame.interface, frame.data) {
            Decoded::Vrrp(v) => self.on_vrrp(frame.number, t, &v),
            Decoded::Announce(a) => {
                match a.kind {
                    super::decode::AnnounceKind::Garp => self.counts.garp += 1,
                    super::decode::AnnounceKind::UnsolicitedNa => self.counts.unsolicited_na += 1,
                }
                self.announcements.add(t, frame.number, &a);
            }
            Decoded::IcmpQuotedVrrp => self.counts.icmp_quoted_vrrp += 1,
            Decoded::Skipped(s) => match s {
                Skipped::Arp => self.counts.arp += 1,
                Skipped::OtherIp => self.counts.other_ip += 1,
                Skipped::OtherLink => self.counts.other_link += 1,
                Skipped::Malformed => self.counts.malformed += 1,
                Skipped::Fragment => self.counts.fragments += 1,
            },
        }
    }

    fn group_index(&mut self, key: GroupKey) -> usize {
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        self.groups.push(Group::new(key));
        self.index.insert(key, self.groups.len() - 1);
        self.groups.len() - 1
    }

    fn on_vrrp(&mut self, number: u64, t: u64, v: &VrrpFrame<'_>) {
        self.counts.vrrp += 1;
        let family = Family::of(&v.src);
        let vrid = v.payload.get(1).copied().unwrap_or(0);
        let gi = self.group_index(GroupKey {
            segment: v.segment,
            family,
            vrid,
        });
        let group = &mut self.groups[gi];
        let ri = group.router_index(v.src, t);
        let router = &mut group.routers[ri];
        let same = router.adverts > 0
            && router.last_payload == v.payload
            && router.last_hop_limit == v.hop_limit
            && router.last_dst == Some(v.dst)
            && router.last_ip_ok == v.ip_checksum_ok;
        if same && t.saturating_sub(router.last_ns) < router::DUPLICATE_WINDOW_NS {
            router.duplicates += 1;
            return;
        }
        router.adverts += 1;
        router.last_ns = t;
        if v.l2_src.is_some() {
            router.mac = v.l2_src;
        }
        let mut params_changed = false;
        let mut param_changes: Vec<ParamChange> = Vec::new();
        let mut priority_change = None;
        if !same {
            let checked = validate::check(v);
            router.last_payload.clear();
            router.last_payload.extend_from_slice(v.payload);
            router.last_hop_limit = v.hop_limit;
            router.last_dst = Some(v.dst);
            router.last_ip_ok = v.ip_checksum_ok;
            router.last_defects = checked.defects;
            RouterState::remember(&mut router.hop_limits, v.hop_limit, 8);
            if let Some(advert) = checked.advert {
                let params = Params {
                    version: advert.version,
                    interval_cs: advert.interval_cs,
                    authentication: advert.authentication.clone(),
                    addresses: advert.addresses.clone(),
                    checksum: checked.convention,
                    destination: v.dst,
                };
                if router.params.as_ref() != Some(&params) {
                    params_changed = true;
                    if let Some(old) = &router.params {
                        param_changes = compare(old, &params)
                            .into_iter()
                            .filter(|(a, b)| a != b)
                            .map(|(from, to)| ParamChange { from, to })
                            .collect();
                    }
                    router.params = Some(params);
                }
                if (router.priorities.is_empty() || router.last_priority != advert.priority)
                    && !router.priorities.is_empty()
                    && advert.priority != 0
                    && router.last_priority != 0
                {
                    priority_change = Some((router.last_priority, advert.priority));
                }
                RouterState::remember(&mut router.priorities, advert.priority, 16);
                router.last_priority = advert.priority;
                router.last_interval_cs = advert.interval_cs;
                router.last_version = advert.version;
            }
        }
        let defects = router.last_defects;
        let readable = defects.readable() && router.params.is_some();
        if readable {
            let (p, i, ver) = (
                router.last_priority,
                router.last_interval_cs,
                router.last_version,
            );
            router.advance_runs(t, number, p, i, ver);
            router.sample(!same, || receiver::Sample {
                src: v.src,
                dst: v.dst,
                hop_limit: v.hop_limit,
                payload: v.payload.to_vec(),
            });
        }
        let address = router.address;
        if !defects.is_empty() {
            record_invalid(group, address, defects, number, t);
        }
        if !param_changes.is_empty() || priority_change.is_some() {
            let event = Event {
                time_ns: t,
                frame: number,
                segment: v.segment,
                family,
                vrid: Some(vrid),
                source: EventSource::Router(address),
                what: EventKind::Changed {
                    params: param_changes,
                    priority: priority_change,
                    parameters: params_changed,
                },
            };
            group.change_event(event, address);
        }
        if params_changed {
            group.check_mismatches(ri, t);
        }
    }

    /// Ends the analysis: derives findings and the timeline. `error` is why reading stopped
    /// early, if it did.
    pub fn finish(self, error: Option<String>) -> Report {
        findings::build(self, error)
    }

    /// The report [`Analyzer::finish`] would give if the capture ended with the last frame fed
    /// (the analyser goes on; `vrrplab watch` calls this as frames arrive).
    pub fn snapshot(&self) -> Report {
        findings::build(self.clone(), None)
    }

    /// Time of the latest frame fed, ns since the epoch.
    pub fn last_ns(&self) -> Option<u64> {
        self.last_ns
    }
}

fn record_invalid(group: &mut Group, address: IpAddr, defects: Defects, number: u64, t: u64) {
    for d in defects.iter() {
        let entry = group
            .invalid
            .entry((address, d.kind()))
            .or_insert_with(|| InvalidAdverts {
                count: 0,
                frames: Vec::new(),
                first_ns: t,
                last_ns: t,
                example: d,
            });
        entry.count += 1;
        entry.last_ns = t;
        if entry.frames.len() < INVALID_FRAMES_KEPT {
            entry.frames.push(number);
        }
    }
}

/// Reads a whole capture from `reader` (named `file` in the report). A capture that cannot be
/// opened at all is an error; one that breaks later gives a report with `error` set.
pub fn replay_reader<R: Read>(file: &str, reader: R) -> Result<Report, CaptureError> {
    let mut capture = CaptureReader::new(reader)?;
    let mut analyzer = Analyzer::new(file, capture.format());
    let error = loop {
        match capture.next_frame() {
            Ok(Some(frame)) => analyzer.feed(&frame),
            Ok(None) => break None,
            Err(e) => break Some(e.to_string()),
        }
    };
    Ok(analyzer.finish(error))
}

/// Reads a capture file.
pub fn replay_file(path: &std::path::Path) -> Result<Report, CaptureError> {
    let file = std::fs::File::open(path).map_err(|e| CaptureError {
        frame: 0,
        offset: 0,
        kind: CaptureErrorKind::Io(e),
    })?;
    replay_reader(&path.display().to_string(), file)
}
