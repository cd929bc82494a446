//! The invariants of `docs/architecture.md` ("Simulator"), checked over the whole history.
//!
//! - `single-master`: connected and stable ⇒ exactly one master per VRID;
//! - `expected-master`: … and it is the one the rules choose (priority, then address; an
//!   equal-priority or `nopreempt` incumbent keeps the role);
//! - `steady-state-flap`: no transition in a connected, stable window;
//! - `takeover`: the only master crashed ⇒ a backup takes over within Master_Down_Interval;
//!   stopped (priority 0) ⇒ within Skew_Time;
//! - `preempt`: a returning higher-priority node with preemption takes over within
//!   Master_Down_Interval + preempt_delay (+ one advert), and not before preempt_delay;
//! - `heal`: once the masters hear each other again, dual mastership ends within one advert
//!   interval;
//! - `gateway`: a node cut off from the gateway stops holding the VIP once its script had time
//!   to fail, and does not take it again until the gateway is back.
//!
//! A stable window starts when the last fault is older than the settle time (twice the longest
//! Master_Down_Interval + one advert, + preempt_delay + tolerance: a restarted master's peer
//! may win first and be preempted after another Master_Down_Interval) and ends at the next
//! fault.
//! Bounds carry the run's tolerance (two ticks + max latency + 1 ms).

use super::Violation;
use super::causes::{config_mismatch, instance};
use super::faults::FaultState;
use super::mastership::{Mastership, advert_interval};
use crate::fault::FaultAction;
use crate::observe::{Event, EventKind};
use crate::scenario::Scenario;
use crate::world::RunRecord;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use vrrplab_core::vrrp::{InstanceConfig, Preempt, State};
use vrrplab_core::wire::Version;

/// Skew_Time (keepalived `vrrp.h`): v2 (256−p)/256 s; v3 (256−p)·interval/256.
pub(crate) fn skew_time(i: &InstanceConfig, priority: u8) -> Duration {
    let p = 256 - u32::from(priority);
    match i.version {
        Version::V2 => Duration::from_secs(1) * p / 256,
        Version::V3 => i.advert_interval * p / 256,
    }
}

/// Master_Down_Interval = down_timer_adverts × interval + Skew_Time.
pub(crate) fn master_down_interval(i: &InstanceConfig, priority: u8) -> Duration {
    i.advert_interval * i.down_timer_adverts + skew_time(i, priority)
}

fn preempt_delay(i: &InstanceConfig) -> Duration {
    match i.preempt {
        Preempt::Delay(d) => d,
        _ => Duration::ZERO,
    }
}

type States = BTreeMap<(String, u8), (State, u8)>;

/// Instance states and priorities from events strictly before `t`.
fn states_before(events: &[Event], t: Duration) -> States {
    let mut s = States::new();
    for e in events.iter().take_while(|e| e.t < t) {
        match &e.kind {
            EventKind::Transition {
                vrid, to, priority, ..
            } => {
                s.insert((e.node.clone(), *vrid), (*to, *priority));
            }
            EventKind::Priority { vrid, priority, .. } => {
                if let Some(v) = s.get_mut(&(e.node.clone(), *vrid)) {
                    v.1 = *priority;
                }
            }
            _ => {}
        }
    }
    s
}

fn vrids(scenario: &Scenario) -> BTreeSet<u8> {
    scenario
        .nodes
        .iter()
        .flat_map(|n| n.config.instances.iter().map(|i| i.vrid))
        .collect()
}

/// Nodes with an instance of `vrid`.
fn members(scenario: &Scenario, vrid: u8) -> Vec<&str> {
    scenario
        .nodes
        .iter()
        .filter(|n| n.config.instances.iter().any(|i| i.vrid == vrid))
        .map(|n| n.name.as_str())
        .collect()
}

/// Every pair of `nodes` hears the other and runs compatible configurations.
fn all_connected(scenario: &Scenario, state: &FaultState, vrid: u8, nodes: &[&str]) -> bool {
    state.exact()
        && nodes.iter().enumerate().all(|(k, x)| {
            nodes[k + 1..].iter().all(|y| {
                state.connected(x, y)
                    && match (instance(scenario, x, vrid), instance(scenario, y, vrid)) {
                        (Some(xi), Some(yi)) => config_mismatch((x, xi), (y, yi)).is_none(),
                        _ => true,
                    }
            })
        })
}

fn fault_times(events: &[Event]) -> Vec<(Duration, &FaultAction)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Fault(a) => Some((e.t, a)),
            _ => None,
        })
        .collect()
}

fn secs(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

pub(crate) fn check(
    scenario: &Scenario,
    run: &RunRecord,
    m: &Mastership,
    tolerance: Duration,
) -> Vec<Violation> {
    let mut out = Vec::new();
    let events = &run.events;
    let faults = fault_times(events);
    let reloaded: BTreeSet<&str> = faults
        .iter()
        .filter_map(|(_, a)| match a {
            FaultAction::Reload { node, .. } => Some(node.as_str()),
            _ => None,
        })
        .collect();
    let mut v = |t: Duration, rule: &'static str, message: String| {
        out.push(Violation {
            t: t.as_secs_f64(),
            rule,
            message,
        })
    };
    let next_fault_after = |t: Duration| {
        faults
            .iter()
            .map(|(ft, _)| *ft)
            .find(|ft| *ft > t)
            .unwrap_or(run.simulated)
    };
    let address = |node: &str| scenario.node(node).map(|n| n.address);

    for vrid in vrids(scenario) {
        let nodes = members(scenario, vrid);
        let cfg = |n: &str| instance(scenario, n, vrid);
        let adv = advert_interval(scenario, vrid);
        let settle = nodes
            .iter()
            .filter_map(|n| cfg(n))
            // Two elections can chain: a restarted master's peer times out first, then the
            // restarted node preempts after its own Master_Down_Interval (+ preempt_delay).
            .map(|i| (master_down_interval(i, 1) + i.advert_interval) * 2 + preempt_delay(i))
            .max()
            .unwrap_or_default()
            + tolerance;

        // Stable, connected windows: single-master, expected-master, steady-state-flap.
        let mut starts: Vec<Duration> = vec![Duration::ZERO];
        starts.extend(faults.iter().map(|(t, _)| *t));
        starts.dedup();
        for (k, from) in starts.iter().enumerate() {
            let end = starts.get(k + 1).copied().unwrap_or(run.simulated);
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
            if !all_connected(scenario, &state, vrid, &alive)
                || alive.iter().any(|n| reloaded.contains(n))
            {
                continue;
            }
            for e in events.iter().filter(|e| e.t >= begin && e.t < end) {
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
                    v(
                        e.t,
                        "steady-state-flap",
                        format!(
                            "{} {instance} {f} → {to} ({reason}) in a connected, stable period \
                             (no fault since {})",
                            e.node,
                            secs(*from)
                        ),
                    );
                }
            }
            let states = states_before(events, end);
            let eligible: Vec<(&str, u8, State)> = alive
                .iter()
                .filter_map(|n| {
                    states
                        .get(&(n.to_string(), vrid))
                        .filter(|(s, _)| matches!(s, State::Backup | State::Master))
                        .map(|(s, p)| (*n, *p, *s))
                })
                .collect();
            if eligible.is_empty() {
                continue;
            }
            let masters: Vec<&str> = eligible
                .iter()
                .filter(|(_, _, s)| *s == State::Master)
                .map(|(n, _, _)| *n)
                .collect();
            if masters.len() != 1 {
                v(
                    end,
                    "single-master",
                    format!(
                        "VRID {vrid}: {} master(s) [{}] after a connected, stable period from {}",
                        masters.len(),
                        masters.join(", "),
                        secs(begin)
                    ),
                );
                continue;
            }
            let best = eligible
                .iter()
                .max_by_key(|(n, p, _)| (*p, address(n)))
                .copied();
            let actual = eligible.iter().find(|(n, _, _)| *n == masters[0]).copied();
            if let (Some((bn, bp, _)), Some((an, ap, _))) = (best, actual) {
                let incumbent_ok =
                    bp == ap || cfg(bn).is_some_and(|i| i.preempt == Preempt::Disabled);
                if bn != an && !incumbent_ok {
                    v(
                        end,
                        "expected-master",
                        format!(
                            "VRID {vrid}: {an} (priority {ap}) is master, but {bn} (priority {bp}) \
                         should be: it has the higher priority and preempts"
                        ),
                    );
                }
            }
        }

        // takeover, preempt, heal, gateway
        for (k, (t, action)) in faults.iter().enumerate() {
            let t = *t;
            // The faults applied before this one (same instant included, plan order).
            let mut prior = FaultState::default();
            for (_, a) in &faults[..k] {
                prior.apply(a);
            }
            let next = next_fault_after(t);
            let before = states_before(events, t);
            let state = FaultState::at(events, t);
            let alive: Vec<&str> = nodes
                .iter()
                .copied()
                .filter(|n| !state.is_down(n))
                .collect();
            let becomes_master = |who: &dyn Fn(&str) -> bool, until: Duration| {
                events.iter().find(|e| {
                    e.t > t
                        && e.t <= until
                        && who(&e.node)
                        && matches!(&e.kind, EventKind::Transition { vrid: ev, to: State::Master, .. } if *ev == vrid)
                })
            };
            match action {
                FaultAction::Crash(x) | FaultAction::Stop(x) => {
                    // A stop is carried out by the node's driver during the next step; a crash
                    // or reboot at the same instant pre-empts it (no priority 0 is sent).
                    let overtaken = faults[k + 1..].iter().any(|(ft, a)| {
                        *ft == t
                            && matches!(a, FaultAction::Crash(n) | FaultAction::Restart(n) if n == x)
                    });
                    if prior.is_down(x) || overtaken {
                        continue;
                    }
                    let was_master = before
                        .get(&(x.clone(), vrid))
                        .is_some_and(|(s, _)| *s == State::Master);
                    let other_master = alive.iter().any(|n| {
                        before
                            .get(&(n.to_string(), vrid))
                            .is_some_and(|(s, _)| *s == State::Master)
                    });
                    // The resigning (or crashed) master must have been heard by the backups.
                    let mut with_x = alive.clone();
                    with_x.push(x.as_str());
                    if !was_master
                        || other_master
                        || !all_connected(scenario, &state, vrid, &with_x)
                    {
                        continue;
                    }
                    let crash = matches!(action, FaultAction::Crash(_));
                    let bound = alive
                        .iter()
                        .filter_map(|n| {
                            let (s, p) = before.get(&(n.to_string(), vrid))?;
                            let i = cfg(n)?;
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
                    let deadline = t + bound + tolerance;
                    if deadline > next {
                        continue;
                    }
                    if becomes_master(&|n| n != x, deadline).is_none() {
                        v(
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
                                secs(bound + tolerance),
                                if crash {
                                    "Master_Down_Interval"
                                } else {
                                    "Skew_Time"
                                }
                            ),
                        );
                    }
                }
                FaultAction::Restart(x) | FaultAction::Start(x) => {
                    let Some(xi) = cfg(x) else { continue };
                    // `start` does nothing on a crashed host (still down) or on a running node
                    // (it never left).
                    let was_stopped = matches!(action, FaultAction::Restart(_))
                        || (prior.stopped.contains(x.as_str())
                            && !prior.crashed.contains(x.as_str()));
                    if state.is_down(x) || !was_stopped {
                        continue;
                    }
                    if xi.preempt == Preempt::Disabled
                        || !all_connected(scenario, &state, vrid, &alive)
                    {
                        continue;
                    }
                    let master = before
                        .iter()
                        .find(|((n, vr), (s, _))| *vr == vrid && *s == State::Master && n != x);
                    let Some(((_, _), (_, mp))) = master else {
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
                        + tolerance;
                    if deadline > next {
                        continue;
                    }
                    match becomes_master(&|n| n == x, deadline) {
                        None => v(
                            deadline,
                            "preempt",
                            format!(
                                "VRID {vrid}: {x} (priority {}) returned at {} but did not preempt within {}",
                                xi.priority,
                                secs(t),
                                secs(deadline - t)
                            ),
                        ),
                        Some(e) if e.t < t + delay => v(
                            e.t,
                            "preempt",
                            format!(
                                "VRID {vrid}: {x} preempted at {}, before its preempt_delay of {} had passed",
                                secs(e.t),
                                secs(delay)
                            ),
                        ),
                        Some(_) => {}
                    }
                }
                FaultAction::Heal(..)
                | FaultAction::HealAll
                | FaultAction::Unblock { .. }
                | FaultAction::Loss { percent: 0, .. } => {
                    let masters: Vec<&str> = alive
                        .iter()
                        .copied()
                        .filter(|n| {
                            before
                                .get(&(n.to_string(), vrid))
                                .is_some_and(|(s, _)| *s == State::Master)
                        })
                        .collect();
                    if masters.len() < 2 || !all_connected(scenario, &state, vrid, &alive) {
                        continue;
                    }
                    let deadline = t + adv + tolerance;
                    if deadline > next {
                        continue;
                    }
                    let healed = m.history.get(&vrid).is_some_and(|h| {
                        h.iter()
                            .any(|(ht, set)| *ht > t && *ht <= deadline && set.len() <= 1)
                    });
                    if !healed {
                        v(
                            deadline,
                            "heal",
                            format!(
                                "VRID {vrid}: [{}] still both master {} after `{action}` (one advert \
                             interval + tolerance)",
                                masters.join(", "),
                                secs(deadline - t)
                            ),
                        );
                    }
                }
                FaultAction::GatewayCut(x) | FaultAction::Isolate(x) => {
                    let Some(spec) = scenario.node(x) else {
                        continue;
                    };
                    let Some(script) = spec
                        .gateway_script
                        .as_ref()
                        .and_then(|g| spec.config.scripts.iter().find(|s| &s.name == g))
                    else {
                        continue;
                    };
                    if !scenario.gateway || script.weight != 0 {
                        continue;
                    }
                    let restored = faults
                        .iter()
                        .find(|(ft, a)| {
                            *ft > t
                                && (matches!(a, FaultAction::GatewayRestore(n) if n == x)
                                    || matches!(a, FaultAction::HealAll))
                        })
                        .map(|(ft, _)| *ft)
                        .unwrap_or(run.simulated);
                    // Each failing run may cost interval + timeout (a timed-out run makes the
                    // next start be skipped), and the first run may have just started.
                    let grace = (script.interval + script.timeout) * script.fall
                        + script.interval
                        + tolerance;
                    let check_from = t + grace;
                    if check_from >= restored {
                        continue;
                    }
                    let mut held: BTreeSet<std::net::IpAddr> = BTreeSet::new();
                    let mut reported = false;
                    for e in events.iter().filter(|e| e.node == *x && e.t < restored) {
                        match &e.kind {
                            EventKind::VipAdded { address } => {
                                held.insert(*address);
                            }
                            EventKind::VipRemoved { address } => {
                                held.remove(address);
                            }
                            _ => {}
                        }
                        if !reported && e.t >= check_from && !held.is_empty() {
                            reported = true;
                            v(
                                e.t,
                                "gateway",
                                format!(
                                    "{x} holds {:?} at {} although it cannot reach the gateway since {}",
                                    held,
                                    secs(e.t),
                                    secs(t)
                                ),
                            );
                        }
                    }
                    let still = events
                        .iter()
                        .filter(|e| e.node == *x && e.t < check_from)
                        .fold(BTreeSet::new(), |mut s, e| {
                            match &e.kind {
                                EventKind::VipAdded { address } => {
                                    s.insert(*address);
                                }
                                EventKind::VipRemoved { address } => {
                                    s.remove(address);
                                }
                                _ => {}
                            }
                            s
                        });
                    if !reported && !still.is_empty() && vrid == spec.config.instances[0].vrid {
                        v(
                            check_from,
                            "gateway",
                            format!(
                                "{x} still holds {:?} {} after losing the gateway at {}",
                                still,
                                secs(grace),
                                secs(t)
                            ),
                        );
                    }
                }
                _ => {}
            }
        }
    }
    out
}
