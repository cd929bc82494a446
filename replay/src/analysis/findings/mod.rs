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

mod announcements;
mod dual_master;
mod failover;
mod flapping;
mod hold;
mod invalid;
mod missing_garp;
mod parameter_mismatch;
mod resign;
mod router_report;

use super::router::{RUN_BREAK_INTERVALS, RouterState, Run, RunEnd, interval_ns};
use super::{Analyzer, Group};
use crate::report::{
    Event, EventKind, EventSource, Finding, FindingDetail, MasterEvent, Report, RouterReport,
};
use hold::Hold;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::time::Duration;

/// How long after (and before) a new master's first advert its announcements are looked for.
pub const GARP_WINDOW_NS: u64 = 1_000_000_000;
/// Master changes that make `flapping` …
pub const FLAP_CHANGES: usize = 5;
/// … within this many advert intervals.
pub const FLAP_WINDOW_INTERVALS: u64 = 20;

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

    fn interval(&self) -> Duration {
        Duration::from_nanos(self.interval_ns())
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
        routers.extend(
            group
                .routers
                .iter()
                .map(|r| router_report::router_report(group, r)),
        );
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
    announcements::announcement_events(&groups, &a.announcements.bursts, &mut timeline);
    routers.sort_by(|x: &RouterReport, y| {
        (x.segment, x.family, x.vrid, x.address).cmp(&(y.segment, y.family, y.vrid, y.address))
    });
    findings.sort_by(|x: &Finding, y| {
        (x.start_ns, x.kind(), x.vrid, &x.routers).cmp(&(y.start_ns, y.kind(), y.vrid, &y.routers))
    });
    timeline.sort_by(|x: &Event, y| {
        (x.time_ns, x.frame, x.name()).cmp(&(y.time_ns, y.frame, y.name()))
    });
    Report {
        file: a.file,
        format: a.format,
        links: a.links.clone(),
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

struct Ctx<'a> {
    group: &'a Group,
    findings: &'a mut Vec<Finding>,
    timeline: &'a mut Vec<Event>,
}

impl Ctx<'_> {
    fn event(&mut self, time_ns: u64, frame: u64, router: IpAddr, what: EventKind) {
        let k = self.group.key;
        self.timeline.push(Event {
            time_ns,
            frame,
            segment: k.segment,
            family: k.family,
            vrid: Some(k.vrid),
            source: EventSource::Router(router),
            what,
        });
    }

    fn finding(&mut self, start_ns: u64, end_ns: u64, routers: Vec<IpAddr>, detail: FindingDetail) {
        let k = self.group.key;
        self.findings.push(Finding {
            segment: k.segment,
            family: k.family,
            vrid: k.vrid,
            start_ns,
            end_ns,
            routers,
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
    // Masters that stay MASTER while silent because they reject the new master's adverts.
    let mut holding: BTreeMap<IpAddr, Hold> = BTreeMap::new();
    let mut holds: Vec<Hold> = Vec::new();
    let mut resigned_while_held: BTreeMap<usize, IpAddr> = BTreeMap::new();
    let mut silent: Vec<usize> = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        let run = &r.run;
        if let RunEnd::Resigned { time_ns, frame } = run.end {
            ctx.event(time_ns, frame, r.router, EventKind::Resign);
        }
        if run.end == RunEnd::Silent && run.adverts > 0 {
            silent.push(i);
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
        if let Some(hold) = holding.remove(&r.router) {
            // It never left MASTER: it rejected the adverts of the router that took over.
            let by = &runs[hold.by_run];
            if let RunEnd::Resigned { .. } = by.run.end
                && by.end_ns() <= run.start_ns
            {
                resigned_while_held.insert(hold.by_run, r.router);
            }
            ctx.event(
                run.start_ns,
                run.start_frame,
                r.router,
                EventKind::Master(MasterEvent::Resumes {
                    priority: run.priority,
                    rejected: by.router,
                    reason: hold.reason,
                }),
            );
            continue;
        }
        let new_holds = hold::holds_at_start(&runs, i, &others, &holding);
        if !new_holds.is_empty() {
            changes.push((run.start_ns, r.router));
            let rejecters = new_holds
                .iter()
                .map(|h| (runs[h.run].router, h.reason))
                .collect();
            ctx.event(
                run.start_ns,
                run.start_frame,
                r.router,
                EventKind::Master(MasterEvent::StartsRejected {
                    priority: run.priority,
                    rejecters,
                }),
            );
            for h in new_holds {
                holding.insert(runs[h.run].router, h.clone());
                holds.push(h);
            }
            if run.start_ns.saturating_sub(start_ns) >= r.interval_ns() {
                missing_garp::missing_garp(&mut ctx, r, bursts, end_ns);
            }
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
            ctx.event(
                run.start_ns,
                run.start_frame,
                r.router,
                EventKind::Master(MasterEvent::StartsOverlapping {
                    priority: run.priority,
                    masters: overlapping,
                }),
            );
        } else if let Some(j) = previous {
            changes.push((run.start_ns, r.router));
            let prev = &runs[j];
            match prev.run.end {
                RunEnd::Resigned { time_ns, frame } => {
                    takeovers.insert(j);
                    resign::resign_finding(&mut ctx, prev, time_ns, frame, Some(r));
                }
                _ => {
                    let gap = run.start_ns.saturating_sub(prev.run.last_ns);
                    if gap * 2 <= prev.interval_ns() * 3 {
                        ctx.event(
                            run.start_ns,
                            run.start_frame,
                            r.router,
                            EventKind::Master(MasterEvent::Preempts {
                                old: prev.router,
                                priority: run.priority,
                                old_priority: prev.run.last_priority,
                                after: Duration::from_nanos(gap),
                            }),
                        );
                    } else {
                        failover::failover_finding(&mut ctx, prev, r, gap);
                    }
                }
            }
        } else {
            let priority = run.priority;
            let what = if at_capture_start {
                MasterEvent::AtCaptureStart { priority }
            } else {
                MasterEvent::First { priority }
            };
            ctx.event(
                run.start_ns,
                run.start_frame,
                r.router,
                EventKind::Master(what),
            );
        }
        if !at_capture_start {
            missing_garp::missing_garp(&mut ctx, r, bursts, end_ns);
        }
    }
    for (j, r) in runs.iter().enumerate() {
        if let RunEnd::Resigned { time_ns, frame } = r.run.end
            && !takeovers.contains(&j)
        {
            match resigned_while_held.get(&j) {
                Some(holder) => {
                    resign::resign_while_held_finding(&mut ctx, r, time_ns, frame, *holder)
                }
                None => resign::resign_finding(&mut ctx, r, time_ns, frame, None),
            }
        }
    }
    for i in silent {
        let r = &runs[i];
        // The hold explains the silence only if the other master was still advertising then.
        let rejecting = holds
            .iter()
            .find(|h| {
                let by = &runs[h.by_run];
                h.run == i && by.end_ns() + by.interval_ns() >= r.run.last_ns
            })
            .map(|h| (runs[h.by_run].router, h.reason));
        ctx.event(
            r.run.last_ns,
            r.run.last_frame,
            r.router,
            EventKind::Silent {
                priority: r.run.last_priority,
                rejecting,
            },
        );
    }
    dual_master::dual_masters(&mut ctx, &runs, &holds);
    flapping::flapping(&mut ctx, &changes);
    invalid::invalid_packets(&mut ctx);
    parameter_mismatch::mismatches(&mut ctx);
}
