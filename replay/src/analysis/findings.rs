//! From the streamed state to findings and a timeline (run once, at the end of the capture).
//!
//! Rules (the observer sees only the wire):
//! - A router is master from the first to the last advert of each run of priority > 0 adverts
//!   at its interval (a gap over 3 intervals ends a run: every backup would have timed out).
//! - A new run classifies the transition by the previous master: none → first master; it sent
//!   priority 0 → `resign` (takeover time against the new master's Skew_Time); it went silent
//!   more than 1.5 of its intervals before → `failover` (gap against the new master's
//!   Master_Down_Interval); it was still advertising on time → preemption (timeline only); it
//!   kept advertising → `dual-master`.
//! - `dual-master`: runs of two or more routers overlap for at least the longest advert
//!   interval involved (one crossing advert during a preemption is not a split brain).
//! - `missing-garp`: a new master (not one already master when the capture began) with no
//!   gratuitous ARP / unsolicited NA for any of its addresses from its MAC (or the VRID's
//!   virtual MAC) within [`GARP_WINDOW_NS`] of its first advert. Not checked for IPv4 when the
//!   link type shows no link layer (raw IP), nor when the capture ends inside the window.
//! - `flapping`: [`FLAP_CHANGES`] or more master changes within [`FLAP_WINDOW_INTERVALS`]
//!   advert intervals (about five Master_Down_Intervals): masters changing faster than the
//!   failure detector can explain, unlike the kill/restart cycles of the corpus.

use super::router::{RUN_BREAK_INTERVALS, RouterState, Run, RunEnd, interval_ns};
use super::{Analyzer, Group, password_text};
use crate::report::{
    Event, Finding, FindingKind, JitterReport, MasterSpan, Report, RouterReport, dur, mac_text,
    signed_dur,
};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use vrrplab_core::wire::{Authentication, Family, Version, virtual_mac};

/// How long after (and before) a new master's first advert its announcements are looked for.
pub const GARP_WINDOW_NS: u64 = 1_000_000_000;
/// Master changes that make `flapping` …
pub const FLAP_CHANGES: usize = 5;
/// … within this many advert intervals.
pub const FLAP_WINDOW_INTERVALS: u64 = 20;

/// Skew_Time for a priority and interval: v2 (256 − p)/256 s, v3 (256 − p) × interval / 256.
pub fn skew_time_ns(version: Version, priority: u8, interval_ns: u64) -> u64 {
    let factor = 256 - u64::from(priority);
    match version {
        Version::V2 => factor * 1_000_000_000 / 256,
        Version::V3 => factor * interval_ns / 256,
    }
}

/// Master_Down_Interval = 3 × interval + Skew_Time (keepalived's default down_timer_adverts).
pub fn master_down_interval_ns(version: Version, priority: u8, interval_ns: u64) -> u64 {
    3 * interval_ns + skew_time_ns(version, priority, interval_ns)
}

fn ms(ns: i64) -> String {
    format!("{:+.1} ms", ns as f64 / 1e6)
}

fn s3(ns: u64) -> String {
    format!("{:.3} s", ns as f64 / 1e9)
}

/// A run with its router, for cross-router reasoning.
struct RunRef {
    router: IpAddr,
    run: Run,
}

impl RunRef {
    /// When the router stopped being master: its priority-0 advert or its last advert.
    fn end_ns(&self) -> u64 {
        match self.run.end {
            RunEnd::Resigned { time_ns, .. } => time_ns,
            _ => self.run.last_ns,
        }
    }

    fn interval_ns(&self) -> u64 {
        interval_ns(self.run.interval_cs)
    }
}

pub(super) fn build(a: Analyzer, error: Option<String>) -> Report {
    let start_ns = a.first_ns.unwrap_or(0);
    let end_ns = a.last_ns.unwrap_or(0);
    let mut groups = a.groups;
    groups.sort_by_key(|g| g.key);
    let mut routers = Vec::new();
    let mut findings = Vec::new();
    let mut timeline = Vec::new();
    for group in &mut groups {
        close_runs(group, end_ns);
        routers.extend(group.routers.iter().map(|r| router_report(group, r)));
        analyse_group(
            group,
            start_ns,
            end_ns,
            &a.announcements.bursts,
            &mut findings,
            &mut timeline,
        );
        timeline.append(&mut group.events);
    }
    announcement_events(&groups, &a.announcements.bursts, &mut timeline);
    routers.sort_by(|x: &RouterReport, y| {
        (x.segment, x.family, x.vrid, x.address).cmp(&(y.segment, y.family, y.vrid, y.address))
    });
    findings.sort_by(|x: &Finding, y| {
        (x.start_ns, x.kind, x.vrid, &x.routers).cmp(&(y.start_ns, y.kind, y.vrid, &y.routers))
    });
    timeline
        .sort_by(|x: &Event, y| (x.time_ns, x.frame, x.event).cmp(&(y.time_ns, y.frame, y.event)));
    Report {
        file: a.file,
        format: a.format.name().to_string(),
        links: a.links.iter().map(|l| l.name()).collect(),
        counts: a.counts,
        first_ns: a.first_ns,
        last_ns: a.last_ns,
        routers,
        findings,
        timeline,
        error,
        conformance: None,
    }
}

/// Runs still open whose router fell silent long before the capture ended are silent.
fn close_runs(group: &mut Group, end_ns: u64) {
    for r in &mut group.routers {
        if let Some(run) = r.runs.last_mut()
            && run.end == RunEnd::Open
            && end_ns.saturating_sub(run.last_ns)
                > RUN_BREAK_INTERVALS * interval_ns(run.interval_cs)
        {
            run.end = RunEnd::Silent;
        }
    }
}

/// ns → seconds rounded to the microsecond (what captures resolve).
fn micros(ns: f64) -> f64 {
    (ns / 1e3).round() / 1e6
}

fn router_report(group: &Group, r: &RouterState) -> RouterReport {
    let p = r.params.as_ref();
    let j = &r.jitter;
    RouterReport {
        segment: group.key.segment,
        family: group.key.family,
        vrid: group.key.vrid,
        address: r.address,
        mac: r.mac,
        version: p.map(|p| p.version.to_string()),
        priorities: r.priorities.clone(),
        interval: p.map(|p| f64::from(p.interval_cs) / 100.0),
        addresses: p.map(|p| p.addresses.clone()).unwrap_or_default(),
        auth: p.map(|p| match &p.authentication {
            Authentication::None => "none".to_string(),
            Authentication::SimplePassword(_) => "pass".to_string(),
            Authentication::IpAh => "ah".to_string(),
            Authentication::CiscoMd5 => "cisco-md5".to_string(),
            Authentication::Unknown(t) => format!("unknown-{t}"),
        }),
        auth_pass: p.and_then(|p| match &p.authentication {
            Authentication::SimplePassword(pw) => Some(password_text(pw)),
            _ => None,
        }),
        checksum: p.and_then(|p| match (p.version, group.key.family) {
            (Version::V2, _) => Some("v2"),
            (Version::V3, Family::Ipv6) => Some("pseudo-header"),
            (Version::V3, Family::Ipv4) => match p.checksum {
                Some(vrrplab_core::wire::ChecksumConvention::PseudoHeader) => Some("pseudo-header"),
                Some(vrrplab_core::wire::ChecksumConvention::MessageOnly) => Some("message-only"),
                None => None,
            },
        }),
        destination: p.map(|p| p.destination),
        hop_limits: r.hop_limits.clone(),
        adverts: r.adverts,
        duplicates: r.duplicates,
        first_ns: r.first_ns,
        last_ns: r.last_ns,
        master: r
            .runs
            .iter()
            .filter(|run| run.adverts > 0)
            .map(|run| MasterSpan {
                start_ns: run.start_ns,
                end_ns: run.last_ns,
                adverts: run.adverts,
                end: match run.end {
                    RunEnd::Open => "open",
                    RunEnd::Silent => "silent",
                    RunEnd::Resigned { .. } => "resigned",
                },
                resigned_ns: match run.end {
                    RunEnd::Resigned { time_ns, .. } => Some(time_ns),
                    _ => None,
                },
                priority: run.priority,
                priority_changes: run.priority_changes.clone(),
            })
            .collect(),
        jitter: JitterReport {
            samples: j.count,
            mean: micros(j.mean_ns()),
            stddev: micros(j.stddev_ns()),
            min: micros(j.min_ns as f64),
            max: micros(j.max_ns as f64),
            max_deviation: micros(j.max_deviation_ns as f64),
            early: j.early,
            late: j.late,
        },
    }
}

struct Ctx<'a> {
    group: &'a Group,
    findings: &'a mut Vec<Finding>,
    timeline: &'a mut Vec<Event>,
}

impl Ctx<'_> {
    fn event(
        &mut self,
        time_ns: u64,
        frame: u64,
        router: IpAddr,
        event: &'static str,
        detail: String,
    ) {
        let k = self.group.key;
        self.timeline.push(Event {
            time_ns,
            frame,
            segment: k.segment,
            family: k.family,
            vrid: Some(k.vrid),
            router: router.to_string(),
            event,
            detail,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn finding(
        &mut self,
        kind: FindingKind,
        start_ns: u64,
        end_ns: u64,
        routers: Vec<IpAddr>,
        text: String,
        mut detail: serde_json::Value,
    ) {
        let k = self.group.key;
        if let Some(obj) = detail.as_object_mut() {
            obj.insert("segment".into(), json!(k.segment.to_string()));
            obj.insert("text".into(), json!(text));
        }
        self.findings.push(Finding {
            kind,
            segment: k.segment,
            family: k.family,
            vrid: k.vrid,
            start_ns,
            end_ns,
            routers,
            text,
            detail,
        });
    }
}

fn analyse_group(
    group: &Group,
    start_ns: u64,
    end_ns: u64,
    bursts: &[super::Burst],
    findings: &mut Vec<Finding>,
    timeline: &mut Vec<Event>,
) {
    let mut runs: Vec<RunRef> = group
        .routers
        .iter()
        .flat_map(|r| {
            r.runs.iter().map(|run| RunRef {
                router: r.address,
                run: run.clone(),
            })
        })
        .collect();
    runs.sort_by_key(|r| (r.run.start_ns, r.run.start_frame));
    let mut ctx = Ctx {
        group,
        findings,
        timeline,
    };
    let mut takeovers: BTreeSet<usize> = BTreeSet::new();
    let mut changes: Vec<(u64, IpAddr)> = Vec::new();
    let mut latest: BTreeMap<IpAddr, usize> = BTreeMap::new();
    for (i, r) in runs.iter().enumerate() {
        let run = &r.run;
        if let RunEnd::Resigned { time_ns, frame } = run.end {
            ctx.event(
                time_ns,
                frame,
                r.router,
                "resign",
                "sends priority 0 (resigns mastership)".into(),
            );
        }
        if run.end == RunEnd::Silent && run.adverts > 0 {
            ctx.event(
                run.last_ns,
                run.last_frame,
                r.router,
                "silent",
                format!("last advert (priority {}), then silent", run.last_priority),
            );
        }
        // A router's runs follow each other, so its latest run is the only one that can still
        // be advertising, and the one that ended last.
        let others: Vec<usize> = latest
            .iter()
            .filter(|(router, _)| **router != r.router)
            .map(|(_, &j)| j)
            .collect();
        latest.insert(r.router, i);
        if run.adverts == 0 {
            continue;
        }
        let interval = r.interval_ns();
        let at_capture_start = run.start_ns.saturating_sub(start_ns) < interval;
        let overlapping: Vec<IpAddr> = others
            .iter()
            .filter(|&&j| runs[j].run.adverts > 0 && runs[j].run.last_ns > run.start_ns)
            .map(|&j| runs[j].router)
            .collect();
        let previous = others
            .iter()
            .copied()
            .max_by_key(|&j| (runs[j].end_ns(), j));
        if !overlapping.is_empty() {
            changes.push((run.start_ns, r.router));
            let list: Vec<String> = overlapping.iter().map(|a| a.to_string()).collect();
            ctx.event(
                run.start_ns,
                run.start_frame,
                r.router,
                "master",
                format!(
                    "starts advertising as master (priority {}) while {} is still master",
                    run.priority,
                    list.join(", ")
                ),
            );
        } else if let Some(j) = previous {
            changes.push((run.start_ns, r.router));
            let prev = &runs[j];
            match prev.run.end {
                RunEnd::Resigned { time_ns, frame } => {
                    takeovers.insert(j);
                    resign_finding(&mut ctx, prev, time_ns, frame, Some(r));
                }
                _ => {
                    let gap = run.start_ns.saturating_sub(prev.run.last_ns);
                    if gap * 2 <= prev.interval_ns() * 3 {
                        ctx.event(
                            run.start_ns,
                            run.start_frame,
                            r.router,
                            "master",
                            format!(
                                "preempts {} (priority {} over {}), {} after its last advert",
                                prev.router,
                                run.priority,
                                prev.run.last_priority,
                                s3(gap)
                            ),
                        );
                    } else {
                        failover_finding(&mut ctx, prev, r, gap);
                    }
                }
            }
        } else {
            let text = if at_capture_start {
                format!("master when the capture starts (priority {})", run.priority)
            } else {
                format!("first master in the capture (priority {})", run.priority)
            };
            ctx.event(run.start_ns, run.start_frame, r.router, "master", text);
        }
        if !at_capture_start {
            missing_garp(&mut ctx, r, bursts, end_ns);
        }
    }
    for (j, r) in runs.iter().enumerate() {
        if let RunEnd::Resigned { time_ns, frame } = r.run.end
            && !takeovers.contains(&j)
        {
            resign_finding(&mut ctx, r, time_ns, frame, None);
        }
    }
    dual_masters(&mut ctx, &runs);
    flapping(&mut ctx, &changes);
    invalid_packets(&mut ctx);
    mismatches(&mut ctx);
}

fn resign_finding(
    ctx: &mut Ctx<'_>,
    prev: &RunRef,
    time_ns: u64,
    frame: u64,
    next: Option<&RunRef>,
) {
    match next {
        Some(n) => {
            let after = n.run.start_ns.saturating_sub(time_ns);
            let skew = skew_time_ns(n.run.version, n.run.priority, n.interval_ns());
            let diff = after as i64 - skew as i64;
            let text = format!(
                "{} resigned (priority 0); {} (priority {}) took over {} later (Skew_Time {}, {})",
                prev.router,
                n.router,
                n.run.priority,
                s3(after),
                s3(skew),
                ms(diff)
            );
            ctx.event(
                n.run.start_ns,
                n.run.start_frame,
                n.router,
                "master",
                format!("takes over {} after {} resigned", s3(after), prev.router),
            );
            ctx.finding(
                FindingKind::Resign,
                time_ns,
                n.run.start_ns,
                vec![prev.router, n.router],
                text,
                json!({
                    "from": prev.router.to_string(),
                    "to": n.router.to_string(),
                    "resign_frame": frame,
                    "takeover_frame": n.run.start_frame,
                    "takeover": dur(after),
                    "expected_skew_time": dur(skew),
                    "difference": signed_dur(diff),
                    "new_master_priority": n.run.priority,
                    "interval": dur(n.interval_ns()),
                }),
            );
        }
        None => {
            let text = format!(
                "{} resigned (priority 0); no router took over in the capture",
                prev.router
            );
            ctx.finding(
                FindingKind::Resign,
                time_ns,
                time_ns,
                vec![prev.router],
                text,
                json!({
                    "from": prev.router.to_string(),
                    "to": null,
                    "resign_frame": frame,
                    "takeover_frame": null,
                    "takeover": null,
                    "expected_skew_time": null,
                    "difference": null,
                }),
            );
        }
    }
}

fn failover_finding(ctx: &mut Ctx<'_>, prev: &RunRef, next: &RunRef, gap: u64) {
    let interval = next.interval_ns();
    let skew = skew_time_ns(next.run.version, next.run.priority, interval);
    let mdi = master_down_interval_ns(next.run.version, next.run.priority, interval);
    let diff = gap as i64 - mdi as i64;
    let text = format!(
        "{} went silent; {} (priority {}) took over {} after its last advert (Master_Down_Interval {}, {})",
        prev.router,
        next.router,
        next.run.priority,
        s3(gap),
        s3(mdi),
        ms(diff)
    );
    ctx.event(
        next.run.start_ns,
        next.run.start_frame,
        next.router,
        "master",
        format!(
            "takes over {} after {}'s last advert (failover)",
            s3(gap),
            prev.router
        ),
    );
    ctx.finding(
        FindingKind::Failover,
        prev.run.last_ns,
        next.run.start_ns,
        vec![prev.router, next.router],
        text,
        json!({
            "from": prev.router.to_string(),
            "to": next.router.to_string(),
            "last_advert_frame": prev.run.last_frame,
            "first_advert_frame": next.run.start_frame,
            "gap": dur(gap),
            "expected_master_down_interval": dur(mdi),
            "skew_time": dur(skew),
            "difference": signed_dur(diff),
            "new_master_priority": next.run.priority,
            "interval": dur(interval),
        }),
    );
}

fn missing_garp(ctx: &mut Ctx<'_>, r: &RunRef, bursts: &[super::Burst], end_ns: u64) {
    let key = ctx.group.key;
    let Some(router) = ctx.group.routers.iter().find(|x| x.address == r.router) else {
        return;
    };
    let Some(params) = &router.params else {
        return;
    };
    if params.addresses.is_empty() || (key.family == Family::Ipv4 && router.mac.is_none()) {
        return;
    }
    let start = r.run.start_ns;
    if end_ns < start + GARP_WINDOW_NS {
        return;
    }
    let vmac = virtual_mac(key.family, key.vrid);
    // Bursts are in order of their first announcement: look only inside the window.
    let from = bursts.partition_point(|b| b.first_ns + GARP_WINDOW_NS < start);
    let found = bursts[from..]
        .iter()
        .take_while(|b| b.first_ns <= start + GARP_WINDOW_NS)
        .any(|b| {
            b.segment == key.segment
                && params.addresses.contains(&b.address)
                && b.first_ns + GARP_WINDOW_NS >= start
                && b.first_ns <= start + GARP_WINDOW_NS
                && (router.mac.is_none_or(|m| b.from_mac(&m)) || b.from_mac(&vmac))
        });
    if found {
        return;
    }
    let what = if key.family == Family::Ipv4 {
        "gratuitous ARP"
    } else {
        "unsolicited neighbour advertisement"
    };
    let text = format!(
        "{} became master but sent no {} for {} within {} of its first advert",
        r.router,
        what,
        super::addresses_text(&params.addresses),
        s3(GARP_WINDOW_NS)
    );
    ctx.finding(
        FindingKind::MissingGarp,
        start,
        start + GARP_WINDOW_NS,
        vec![r.router],
        text,
        json!({
            "router": r.router.to_string(),
            "mac": router.mac.as_ref().map(mac_text),
            "virtual_addresses": params.addresses.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
            "first_advert_frame": r.run.start_frame,
            "window": dur(GARP_WINDOW_NS),
        }),
    );
}

fn dual_masters(ctx: &mut Ctx<'_>, runs: &[RunRef]) {
    // (time, is_start, run index); ends sort before starts at the same instant.
    let mut edges: Vec<(u64, bool, usize)> = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        if r.run.adverts > 0 && r.run.last_ns > r.run.start_ns {
            edges.push((r.run.start_ns, true, i));
            edges.push((r.run.last_ns, false, i));
        }
    }
    edges.sort();
    let mut active: BTreeSet<usize> = BTreeSet::new();
    let mut open: Option<(u64, BTreeSet<usize>)> = None;
    for (t, is_start, i) in edges {
        if is_start {
            active.insert(i);
        } else {
            active.remove(&i);
        }
        match (&mut open, active.len() >= 2) {
            (None, true) => open = Some((t, active.clone())),
            (Some((_, involved)), true) => involved.extend(active.iter().copied()),
            (Some(_), false) => {
                if let Some((start, involved)) = open.take() {
                    dual_master_finding(ctx, runs, start, t, &involved);
                }
            }
            (None, false) => {}
        }
    }
}

fn dual_master_finding(
    ctx: &mut Ctx<'_>,
    runs: &[RunRef],
    start: u64,
    end: u64,
    involved: &BTreeSet<usize>,
) {
    let longest = involved
        .iter()
        .map(|&i| runs[i].interval_ns())
        .max()
        .unwrap_or(0);
    if end - start < longest {
        return;
    }
    let mut routers: Vec<IpAddr> = involved.iter().map(|&i| runs[i].router).collect();
    routers.sort();
    routers.dedup();
    let masters: Vec<serde_json::Value> = involved
        .iter()
        .map(|&i| {
            let r = &runs[i];
            json!({
                "router": r.router.to_string(),
                "priority": r.run.priority,
                "master_from": dur(r.run.start_ns),
                "master_to": dur(r.run.last_ns),
            })
        })
        .collect();
    let names: Vec<String> = routers.iter().map(|r| r.to_string()).collect();
    let text = format!(
        "{} advertised as master at the same time for {} (split brain)",
        names.join(" and "),
        s3(end - start)
    );
    ctx.finding(
        FindingKind::DualMaster,
        start,
        end,
        routers,
        text,
        json!({ "duration": dur(end - start), "masters": masters }),
    );
}

fn flapping(ctx: &mut Ctx<'_>, changes: &[(u64, IpAddr)]) {
    let longest = ctx
        .group
        .routers
        .iter()
        .filter_map(|r| r.params.as_ref().map(|p| p.interval_ns()))
        .max()
        .unwrap_or(1_000_000_000);
    let window = FLAP_WINDOW_INTERVALS * longest;
    let mut flagged = vec![false; changes.len()];
    let mut j = 0;
    for i in 0..changes.len() {
        j = j.max(i);
        while j + 1 < changes.len() && changes[j + 1].0 - changes[i].0 <= window {
            j += 1;
        }
        if j + 1 - i >= FLAP_CHANGES {
            flagged[i..=j].iter_mut().for_each(|f| *f = true);
        }
    }
    let mut i = 0;
    while i < changes.len() {
        if !flagged[i] {
            i += 1;
            continue;
        }
        let mut k = i;
        while k + 1 < changes.len() && flagged[k + 1] {
            k += 1;
        }
        let slice = &changes[i..=k];
        let mut routers: Vec<IpAddr> = slice.iter().map(|c| c.1).collect();
        routers.sort();
        routers.dedup();
        let span = slice[slice.len() - 1].0 - slice[0].0;
        let text = format!(
            "master changed {} times in {} (threshold: {} changes within {} = {} advert intervals)",
            slice.len(),
            s3(span),
            FLAP_CHANGES,
            s3(window),
            FLAP_WINDOW_INTERVALS
        );
        ctx.finding(
            FindingKind::Flapping,
            slice[0].0,
            slice[slice.len() - 1].0,
            routers,
            text,
            json!({ "changes": slice.len(), "span": dur(span), "window": dur(window) }),
        );
        i = k + 1;
    }
}

fn invalid_packets(ctx: &mut Ctx<'_>) {
    let items: Vec<_> = ctx
        .group
        .invalid
        .iter()
        .map(|(k, v)| (*k, v.clone()))
        .collect();
    for ((router, defect), inv) in items {
        let frames: Vec<String> = inv.frames.iter().map(|f| f.to_string()).collect();
        let more = if inv.count as usize > inv.frames.len() {
            ", …"
        } else {
            ""
        };
        let text = format!(
            "{} invalid advert{} from {} ({}: {}), frame{} {}{}",
            inv.count,
            if inv.count == 1 { "" } else { "s" },
            router,
            defect.name(),
            inv.example,
            if inv.frames.len() == 1 { "" } else { "s" },
            frames.join(", "),
            more
        );
        ctx.finding(
            FindingKind::InvalidPacket,
            inv.first_ns,
            inv.last_ns,
            vec![router],
            text,
            json!({
                "router": router.to_string(),
                "reason": defect.name(),
                "example": inv.example,
                "count": inv.count,
                "frames": inv.frames,
            }),
        );
    }
}

fn mismatches(ctx: &mut Ctx<'_>) {
    let last_of = |a: IpAddr| {
        ctx.group
            .routers
            .iter()
            .find(|r| r.address == a)
            .map_or(0, |r| r.last_ns)
    };
    let items: Vec<_> = ctx
        .group
        .mismatches
        .iter()
        .map(|m| {
            let end = m
                .end_ns
                .unwrap_or_else(|| last_of(m.sides[0].0).min(last_of(m.sides[1].0)))
                .max(m.start_ns);
            (m.clone(), end)
        })
        .collect();
    for (m, end) in items {
        let [(a, va), (b, vb)] = &m.sides;
        let text = format!(
            "{} differs: {a} announces {va}, {b} announces {vb}",
            m.field
        );
        ctx.finding(
            FindingKind::ParameterMismatch,
            m.start_ns,
            end,
            vec![*a, *b],
            text,
            json!({
                "field": m.field,
                "values": { a.to_string(): va, b.to_string(): vb },
            }),
        );
    }
}

/// One timeline entry per announcement burst, tied to the router that sent it.
///
/// A burst whose source MAC belongs to one router only is that router's. A burst from the
/// VRID's virtual MAC, or from a MAC several routers of the VRID share (Cisco and FRR send
/// adverts and announcements from the virtual MAC; a raw-IP capture shows no MAC at all), is
/// the router's that was master when it was sent ([`master_at`]); when none was, the sender is
/// `unknown`. Never every router of the VRID.
fn announcement_events(groups: &[Group], bursts: &[super::Burst], timeline: &mut Vec<Event>) {
    for b in bursts {
        let mut matched = false;
        for g in groups.iter().filter(|g| g.key.segment == b.segment) {
            let vmac = virtual_mac(g.key.family, g.key.vrid);
            let claimants: Vec<&RouterState> = g
                .routers
                .iter()
                .filter(|r| {
                    r.params
                        .as_ref()
                        .is_some_and(|p| p.addresses.contains(&b.address))
                        && (r.mac.is_none_or(|m| b.from_mac(&m)) || b.from_mac(&vmac))
                })
                .collect();
            if claimants.is_empty() {
                continue;
            }
            matched = true;
            let own_mac = |r: &RouterState| {
                r.mac.is_some_and(|m| {
                    m != vmac
                        && b.from_mac(&m)
                        && g.routers.iter().filter(|o| o.mac == Some(m)).count() == 1
                })
            };
            let owners: Vec<&RouterState> =
                claimants.iter().copied().filter(|r| own_mac(r)).collect();
            let senders = if owners.is_empty() {
                master_at(&claimants, b.first_ns).into_iter().collect()
            } else {
                owners
            };
            if senders.is_empty() {
                let mut event = burst_event(b, Some(g.key.vrid), g.key.family, "unknown".into());
                event
                    .detail
                    .push_str(" (from a MAC several routers use, when none of them was master)");
                timeline.push(event);
            }
            for r in senders {
                timeline.push(burst_event(
                    b,
                    Some(g.key.vrid),
                    g.key.family,
                    r.address.to_string(),
                ));
            }
        }
        if !matched {
            let family = Family::of(&b.address);
            let who = b
                .mac
                .or(b.l2_src)
                .map_or_else(|| "?".to_string(), |m| mac_text(&m));
            timeline.push(burst_event(b, None, family, who));
        }
    }
}

/// Announcements this long before a master's first advert are taken as its own (the capture
/// may order a router's advert and its first GARP either way).
pub const ANNOUNCE_LEAD_NS: u64 = 100_000_000;

/// The router among `routers` that was master at `t`: the latest mastership run that started
/// at most [`ANNOUNCE_LEAD_NS`] after `t` and had not yet ended (its last advert, or its
/// priority 0, less than [`RUN_BREAK_INTERVALS`] intervals before `t`).
fn master_at<'a>(routers: &[&'a RouterState], t: u64) -> Option<&'a RouterState> {
    routers
        .iter()
        .flat_map(|r| r.runs.iter().map(move |run| (*r, run)))
        .filter(|(_, run)| {
            let end = match run.end {
                RunEnd::Resigned { time_ns, .. } => time_ns,
                _ => run.last_ns + RUN_BREAK_INTERVALS * interval_ns(run.interval_cs),
            };
            run.adverts > 0 && run.start_ns <= t + ANNOUNCE_LEAD_NS && t <= end
        })
        .max_by_key(|(_, run)| run.start_ns)
        .map(|(r, _)| r)
}

fn burst_event(b: &super::Burst, vrid: Option<u8>, family: Family, router: String) -> Event {
    let mac = b.mac.as_ref().map(mac_text).unwrap_or_default();
    Event {
        time_ns: b.first_ns,
        frame: b.first_frame,
        segment: b.segment,
        family,
        vrid,
        router,
        event: match b.kind {
            crate::decode::AnnounceKind::Garp => "garp",
            crate::decode::AnnounceKind::UnsolicitedNa => "unsolicited-na",
        },
        detail: format!(
            "{} {} for {} at {} over {:.1} ms",
            b.count,
            if b.count == 1 {
                match b.kind {
                    crate::decode::AnnounceKind::Garp => "gratuitous ARP",
                    crate::decode::AnnounceKind::UnsolicitedNa => "unsolicited NA",
                }
            } else {
                b.kind.plural()
            },
            b.address,
            mac,
            (b.last_ns - b.first_ns) as f64 / 1e6
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_and_master_down_match_keepalived_for_the_corpus_priorities() {
        // v2, priority 99, 1 s: skew 157/256 s = 0.61328 s, MDI 3.61328 s (MANIFEST.md).
        assert_eq!(skew_time_ns(Version::V2, 99, 1_000_000_000), 613_281_250);
        assert_eq!(
            master_down_interval_ns(Version::V2, 99, 1_000_000_000),
            3_613_281_250
        );
        // v3, priority 100, 0.1 s: skew 156 × 0.1 / 256 = 0.0609 s, MDI 0.3609 s.
        assert_eq!(skew_time_ns(Version::V3, 100, 100_000_000), 60_937_500);
        assert_eq!(
            master_down_interval_ns(Version::V3, 100, 100_000_000),
            360_937_500
        );
    }
}
