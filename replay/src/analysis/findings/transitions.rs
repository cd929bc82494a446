//! The walk over one virtual router's mastership runs in start order. Each run that advertises
//! is classified by the masters before it: it resumes a mastership a rejection held, starts
//! while masters reject its adverts, overlaps masters still advertising, takes over from a
//! master that resigned (`resign`), went silent (`failover`) or was still on time
//! (preemption), or is the first master. The walk writes those timeline events and findings
//! (and `missing-garp` for each new master); what the rules over the whole group need is
//! returned in a [`Walk`].

use super::hold::{self, Hold};
use super::{Ctx, RunEnd, RunRef, failover, missing_garp, resign};
use crate::analysis::Burst;
use crate::report::{EventKind, MasterEvent};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::time::Duration;

/// What the walk leaves for the rules over the whole group (runs by index).
#[derive(Default)]
pub(super) struct Walk {
    /// Resigned runs another router took over from.
    pub(super) takeovers: BTreeSet<usize>,
    /// Master changes: when, and the new master.
    pub(super) changes: Vec<(u64, IpAddr)>,
    /// Masters that stayed MASTER because they rejected the new master's adverts.
    pub(super) holds: Vec<Hold>,
    /// Resigned runs while a held master never left MASTER, with that master.
    pub(super) resigned_while_held: BTreeMap<usize, IpAddr>,
    /// Runs that ended silent (no priority 0).
    pub(super) silent: Vec<usize>,
}

/// Walks `runs` (sorted by start) of a capture from `start_ns` to `end_ns`.
pub(super) fn walk(
    ctx: &mut Ctx<'_>,
    runs: &[RunRef],
    start_ns: u64,
    end_ns: u64,
    bursts: &[Burst],
) -> Walk {
    let mut w = Walk::default();
    let mut latest: BTreeMap<IpAddr, usize> = BTreeMap::new();
    // Masters that stay MASTER while silent because they reject the new master's adverts.
    let mut holding: BTreeMap<IpAddr, Hold> = BTreeMap::new();
    for (i, r) in runs.iter().enumerate() {
        let run = &r.run;
        if let RunEnd::Resigned { time_ns, frame } = run.end {
            ctx.event(time_ns, frame, r.router, EventKind::Resign);
        }
        if run.end == RunEnd::Silent && run.adverts > 0 {
            w.silent.push(i);
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
            resumes(ctx, runs, r, &hold, &mut w.resigned_while_held);
            continue;
        }
        let new_holds = hold::holds_at_start(runs, i, &others, &holding);
        if !new_holds.is_empty() {
            w.changes.push((run.start_ns, r.router));
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
                w.holds.push(h);
            }
            if run.start_ns.saturating_sub(start_ns) >= r.interval_ns() {
                missing_garp::missing_garp(ctx, r, bursts, end_ns);
            }
            continue;
        }
        let at_capture_start = run.start_ns.saturating_sub(start_ns) < r.interval_ns();
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
            w.changes.push((run.start_ns, r.router));
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
            w.changes.push((run.start_ns, r.router));
            takes_over(ctx, runs, j, r, &mut w.takeovers);
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
            missing_garp::missing_garp(ctx, r, bursts, end_ns);
        }
    }
    w
}

/// Run `r` of a master `hold` kept in MASTER: it never left (it rejected the adverts of the
/// router that took over); a resignation of that router meanwhile is noted in `while_held`.
fn resumes(
    ctx: &mut Ctx<'_>,
    runs: &[RunRef],
    r: &RunRef,
    hold: &Hold,
    while_held: &mut BTreeMap<usize, IpAddr>,
) {
    let by = &runs[hold.by_run];
    if let RunEnd::Resigned { .. } = by.run.end
        && by.end_ns() <= r.run.start_ns
    {
        while_held.insert(hold.by_run, r.router);
    }
    ctx.event(
        r.run.start_ns,
        r.run.start_frame,
        r.router,
        EventKind::Master(MasterEvent::Resumes {
            priority: r.run.priority,
            rejected: by.router,
            reason: hold.reason,
        }),
    );
}

/// `r` became master after run `j` of the previous master ended: a takeover after its
/// resignation (noted in `takeovers`), a preemption when it was still advertising on time
/// (within 1.5 of its intervals), a failover otherwise.
fn takes_over(
    ctx: &mut Ctx<'_>,
    runs: &[RunRef],
    j: usize,
    r: &RunRef,
    takeovers: &mut BTreeSet<usize>,
) {
    let prev = &runs[j];
    let run = &r.run;
    match prev.run.end {
        RunEnd::Resigned { time_ns, frame } => {
            takeovers.insert(j);
            resign::resign_finding(ctx, prev, time_ns, frame, Some(r));
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
                failover::failover_finding(ctx, prev, r, gap);
            }
        }
    }
}
