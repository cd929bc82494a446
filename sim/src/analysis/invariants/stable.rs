//! The invariants of connected, stable windows: `steady-state-flap`, `single-master`,
//! `expected-master`.

use super::{Context, master_down_interval, preempt_delay, secs, states_before, violation};
use crate::analysis::Violation;
use crate::analysis::faults::FaultState;
use crate::fault::FaultAction;
use crate::observe::EventKind;
use std::collections::BTreeSet;
use std::time::Duration;
use vrrplab_core::vrrp::{Preempt, State};

/// A window in which every live member of a VRID hears every other with compatible configs
/// and no fault happened for the settle time.
struct Window<'a> {
    /// The last fault before the window (or the start of the run).
    from: Duration,
    /// `from` + settle time.
    begin: Duration,
    /// The next fault (or the end of the run).
    end: Duration,
    /// Members that are neither crashed nor stopped.
    alive: Vec<&'a str>,
}

/// The stable windows of `vrid`.
fn windows<'a>(cx: &Context<'a>, vrid: u8) -> Vec<Window<'a>> {
    let events = cx.events();
    let nodes = cx.members(vrid);
    let reloaded: BTreeSet<&str> = cx
        .faults
        .iter()
        .filter_map(|(_, a)| match a {
            FaultAction::Reload { node, .. } => Some(node.as_str()),
            _ => None,
        })
        .collect();
    let settle = nodes
        .iter()
        .filter_map(|n| cx.instance(n, vrid))
        // Two elections can chain: a restarted master's peer times out first, then the
        // restarted node preempts after its own Master_Down_Interval (+ preempt_delay).
        .map(|i| (master_down_interval(i, 1) + i.advert_interval) * 2 + preempt_delay(i))
        .max()
        .unwrap_or_default()
        + cx.tolerance;
    let mut starts: Vec<Duration> = vec![Duration::ZERO];
    starts.extend(cx.faults.iter().map(|(t, _)| *t));
    starts.dedup();
    let mut out = Vec::new();
    for (k, from) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(cx.run.simulated);
        let begin = *from + settle;
        if begin >= end {
            continue;
        }
        let state = FaultState::at(events, *from);
        let alive: Vec<&str> = nodes
            .iter()
            .copied()
            .filter(|n| !state.is_down(n))
            .collect();
        if !cx.all_connected(&state, vrid, &alive) || alive.iter().any(|n| reloaded.contains(n)) {
            continue;
        }
        out.push(Window {
            from: *from,
            begin,
            end,
            alive,
        });
    }
    out
}

/// No transition of the VRID inside a stable window.
pub(super) fn steady_state_flap(cx: &Context<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    for vrid in cx.vrids() {
        for w in windows(cx, vrid) {
            for e in cx.events().iter().filter(|e| e.t >= w.begin && e.t < w.end) {
                if let EventKind::Transition {
                    vrid: ev,
                    from: f,
                    to,
                    instance,
                    reason,
                    ..
                } = &e.kind
                    && *ev == vrid
                {
                    out.push(violation(
                        e.t,
                        "steady-state-flap",
                        format!(
                            "{} {instance} {f} → {to} ({reason}) in a connected, stable period \
                             (no fault since {})",
                            e.node,
                            secs(w.from)
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// The eligible (BACKUP or MASTER) live members at the end of a window: (node, priority, state).
fn eligible<'a>(cx: &Context<'_>, vrid: u8, w: &Window<'a>) -> Vec<(&'a str, u8, State)> {
    let states = states_before(cx.events(), w.end);
    w.alive
        .iter()
        .filter_map(|n| {
            states
                .get(&(n.to_string(), vrid))
                .filter(|(s, _)| matches!(s, State::Backup | State::Master))
                .map(|(s, p)| (*n, *p, *s))
        })
        .collect()
}

fn masters<'a>(eligible: &[(&'a str, u8, State)]) -> Vec<&'a str> {
    eligible
        .iter()
        .filter(|(_, _, s)| *s == State::Master)
        .map(|(n, _, _)| *n)
        .collect()
}

/// Exactly one master at the end of every stable window.
pub(super) fn single_master(cx: &Context<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    for vrid in cx.vrids() {
        for w in windows(cx, vrid) {
            let eligible = eligible(cx, vrid, &w);
            if eligible.is_empty() {
                continue;
            }
            let masters = masters(&eligible);
            if masters.len() != 1 {
                out.push(violation(
                    w.end,
                    "single-master",
                    format!(
                        "VRID {vrid}: {} master(s) [{}] after a connected, stable period from {}",
                        masters.len(),
                        masters.join(", "),
                        secs(w.begin)
                    ),
                ));
            }
        }
    }
    out
}

/// The single master at the end of a stable window is the one the rules choose.
pub(super) fn expected_master(cx: &Context<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    let address = |node: &str| cx.scenario.node(node).map(|n| n.address);
    for vrid in cx.vrids() {
        for w in windows(cx, vrid) {
            let eligible = eligible(cx, vrid, &w);
            let masters = masters(&eligible);
            if masters.len() != 1 {
                continue;
            }
            let best = eligible
                .iter()
                .max_by_key(|(n, p, _)| (*p, address(n)))
                .copied();
            let actual = eligible.iter().find(|(n, _, _)| *n == masters[0]).copied();
            if let (Some((bn, bp, _)), Some((an, ap, _))) = (best, actual) {
                let incumbent_ok = bp == ap
                    || cx
                        .instance(bn, vrid)
                        .is_some_and(|i| i.preempt == Preempt::Disabled);
                if bn != an && !incumbent_ok {
                    out.push(violation(
                        w.end,
                        "expected-master",
                        format!(
                            "VRID {vrid}: {an} (priority {ap}) is master, but {bn} (priority {bp}) \
                         should be: it has the higher priority and preempts"
                        ),
                    ));
                }
            }
        }
    }
    out
}
