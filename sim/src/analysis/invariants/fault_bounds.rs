//! The invariants that bound what follows one fault: `takeover`, `preempt`, `heal`.

use super::{
    Context, States, master_down_interval, preempt_delay, secs, skew_time, states_before, violation,
};
use crate::analysis::Violation;
use crate::analysis::faults::FaultState;
use crate::fault::FaultAction;
use crate::observe::{Event, EventKind};
use std::time::Duration;
use vrrplab_core::vrrp::{Preempt, State};

/// The world around the `k`-th fault, for one VRID.
struct AtFault<'a> {
    t: Duration,
    action: &'a FaultAction,
    /// The faults applied before this one (same instant included, plan order).
    prior: FaultState,
    /// The next fault after `t` (or the end of the run).
    next: Duration,
    /// States strictly before `t`.
    before: States,
    /// Faults as of `t` (this one and its same-instant companions included).
    state: FaultState,
    /// Members that are neither crashed nor stopped as of `t`.
    alive: Vec<&'a str>,
}

/// Every fault whose action `wanted` accepts, with its surroundings for `vrid`.
fn faults_matching<'a>(
    cx: &Context<'a>,
    vrid: u8,
    wanted: impl Fn(&FaultAction) -> bool,
) -> Vec<(usize, AtFault<'a>)> {
    let events = cx.events();
    let nodes = cx.members(vrid);
    let mut out = Vec::new();
    for (k, (t, action)) in cx.faults.iter().enumerate() {
        if !wanted(action) {
            continue;
        }
        let t = *t;
        let mut prior = FaultState::default();
        for (_, a) in &cx.faults[..k] {
            prior.apply(a);
        }
        let state = FaultState::at(events, t);
        let alive = nodes
            .iter()
            .copied()
            .filter(|n| !state.is_down(n))
            .collect();
        out.push((
            k,
            AtFault {
                t,
                action,
                prior,
                next: cx.next_fault_after(t),
                before: states_before(events, t),
                state,
                alive,
            },
        ));
    }
    out
}

fn is_master(before: &States, node: &str, vrid: u8) -> bool {
    before
        .get(&(node.to_string(), vrid))
        .is_some_and(|(s, _)| *s == State::Master)
}

/// The first event after `t`, up to `until`, where a node `who` accepts becomes MASTER of `vrid`.
fn becomes_master<'e>(
    events: &'e [Event],
    vrid: u8,
    t: Duration,
    until: Duration,
    who: &dyn Fn(&str) -> bool,
) -> Option<&'e Event> {
    events.iter().find(|e| {
        e.t > t
            && e.t <= until
            && who(&e.node)
            && matches!(&e.kind, EventKind::Transition { vrid: ev, to: State::Master, .. } if *ev == vrid)
    })
}

/// The only master crashed ⇒ a backup takes over within Master_Down_Interval; stopped
/// (priority 0) ⇒ within Skew_Time.
pub(super) fn takeover(cx: &Context<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    for vrid in cx.vrids() {
        let wanted = |a: &FaultAction| matches!(a, FaultAction::Crash(_) | FaultAction::Stop(_));
        for (k, f) in faults_matching(cx, vrid, wanted) {
            let (FaultAction::Crash(x) | FaultAction::Stop(x)) = f.action else {
                continue;
            };
            let t = f.t;
            // A stop is carried out by the node's driver during the next step; a crash or
            // reboot at the same instant pre-empts it (no priority 0 is sent).
            let overtaken = cx.faults[k + 1..].iter().any(|(ft, a)| {
                *ft == t && matches!(a, FaultAction::Crash(n) | FaultAction::Restart(n) if n == x)
            });
            if f.prior.is_down(x) || overtaken {
                continue;
            }
            let was_master = is_master(&f.before, x, vrid);
            let other_master = f.alive.iter().any(|n| is_master(&f.before, n, vrid));
            // The resigning (or crashed) master must have been heard by the backups.
            let mut with_x = f.alive.clone();
            with_x.push(x.as_str());
            if !was_master || other_master || !cx.all_connected(&f.state, vrid, &with_x) {
                continue;
            }
            let crash = matches!(f.action, FaultAction::Crash(_));
            let bound = f
                .alive
                .iter()
                .filter_map(|n| {
                    let (s, p) = f.before.get(&(n.to_string(), vrid))?;
                    let i = cx.instance(n, vrid)?;
                    (*s == State::Backup).then(|| {
                        if crash {
                            master_down_interval(i, *p)
                        } else {
                            skew_time(i, *p)
                        }
                    })
                })
                .min();
            let Some(bound) = bound else { continue };
            let deadline = t + bound + cx.tolerance;
            if deadline > f.next {
                continue;
            }
            if becomes_master(cx.events(), vrid, t, deadline, &|n| n != x).is_none() {
                out.push(violation(
                    deadline,
                    "takeover",
                    format!(
                        "VRID {vrid}: master {x} {} at {}, but no backup became master within {} \
                     ({} + tolerance)",
                        if crash {
                            "crashed"
                        } else {
                            "stopped (priority 0)"
                        },
                        secs(t),
                        secs(bound + cx.tolerance),
                        if crash {
                            "Master_Down_Interval"
                        } else {
                            "Skew_Time"
                        }
                    ),
                ));
            }
        }
    }
    out
}

/// A returning higher-priority node with preemption takes over within Master_Down_Interval +
/// preempt_delay (+ one advert), and not before preempt_delay.
pub(super) fn preempt(cx: &Context<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    for vrid in cx.vrids() {
        let wanted = |a: &FaultAction| matches!(a, FaultAction::Restart(_) | FaultAction::Start(_));
        for (_, f) in faults_matching(cx, vrid, wanted) {
            let (FaultAction::Restart(x) | FaultAction::Start(x)) = f.action else {
                continue;
            };
            let t = f.t;
            let Some(xi) = cx.instance(x, vrid) else {
                continue;
            };
            // `start` does nothing on a crashed host (still down) or on a running node (it
            // never left).
            let was_stopped = matches!(f.action, FaultAction::Restart(_))
                || (f.prior.stopped.contains(x.as_str()) && !f.prior.crashed.contains(x.as_str()));
            if f.state.is_down(x) || !was_stopped {
                continue;
            }
            if xi.preempt == Preempt::Disabled || !cx.all_connected(&f.state, vrid, &f.alive) {
                continue;
            }
            let master = f
                .before
                .iter()
                .find(|((n, vr), (s, _))| *vr == vrid && *s == State::Master && n != x);
            let Some((_, (_, mp))) = master else {
                continue;
            };
            if xi.priority <= *mp {
                continue;
            }
            let delay = preempt_delay(xi);
            let deadline = t
                + master_down_interval(xi, xi.priority)
                + delay
                + xi.advert_interval
                + cx.tolerance;
            if deadline > f.next {
                continue;
            }
            match becomes_master(cx.events(), vrid, t, deadline, &|n| n == x) {
                None => out.push(violation(
                    deadline,
                    "preempt",
                    format!(
                        "VRID {vrid}: {x} (priority {}) returned at {} but did not preempt within {}",
                        xi.priority,
                        secs(t),
                        secs(deadline - t)
                    ),
                )),
                Some(e) if e.t < t + delay => out.push(violation(
                    e.t,
                    "preempt",
                    format!(
                        "VRID {vrid}: {x} preempted at {}, before its preempt_delay of {} had passed",
                        secs(e.t),
                        secs(delay)
                    ),
                )),
                Some(_) => {}
            }
        }
    }
    out
}

/// Once the masters hear each other again, dual mastership ends within one advert interval.
pub(super) fn heal(cx: &Context<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    for vrid in cx.vrids() {
        let adv = crate::analysis::mastership::advert_interval(cx.scenario, vrid);
        let wanted = |a: &FaultAction| {
            matches!(
                a,
                FaultAction::Heal(..)
                    | FaultAction::HealAll
                    | FaultAction::Unblock { .. }
                    | FaultAction::Loss { percent: 0, .. }
            )
        };
        for (_, f) in faults_matching(cx, vrid, wanted) {
            let t = f.t;
            let masters: Vec<&str> = f
                .alive
                .iter()
                .copied()
                .filter(|n| is_master(&f.before, n, vrid))
                .collect();
            if masters.len() < 2 || !cx.all_connected(&f.state, vrid, &f.alive) {
                continue;
            }
            let deadline = t + adv + cx.tolerance;
            if deadline > f.next {
                continue;
            }
            let healed = cx.mastership.history.get(&vrid).is_some_and(|h| {
                h.iter()
                    .any(|(ht, set)| *ht > t && *ht <= deadline && set.len() <= 1)
            });
            if !healed {
                out.push(violation(
                    deadline,
                    "heal",
                    format!(
                        "VRID {vrid}: [{}] still both master {} after `{}` (one advert \
                     interval + tolerance)",
                        masters.join(", "),
                        secs(deadline - t),
                        f.action
                    ),
                ));
            }
        }
    }
    out
}
