//! The invariants of `docs/architecture.md` ("Simulator"), each checked over the whole history
//! by its own function, named so that callers can select them ([`INVARIANTS`], [`invariant`]).
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
//! - `vip-only-on-master`: a node holds a virtual address only while an instance owning it is
//!   MASTER (checked at every instant a node's events leave it consistent);
//! - `gateway`: a node cut off from the gateway stops holding the VIP once its script had time
//!   to fail, and does not take it again until the gateway is back.
//!
//! A stable window starts when the last fault is older than the settle time (twice the longest
//! Master_Down_Interval + one advert, + preempt_delay + tolerance: a restarted master's peer
//! may win first and be preempted after another Master_Down_Interval) and ends at the next
//! fault. Bounds carry the run's tolerance (two ticks + max latency + 1 ms). Skew_Time and
//! Master_Down_Interval are the core's (`vrrplab_core::vrrp::timing`).

mod fault_bounds;
mod gateway;
mod stable;
mod vip;

use super::Violation;
use super::causes::{config_mismatch, instance};
use super::faults::FaultState;
use super::mastership::Mastership;
use crate::fault::FaultAction;
use crate::observe::{Event, EventKind};
use crate::scenario::Scenario;
use crate::world::RunRecord;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use vrrplab_core::vrrp::{InstanceConfig, Preempt, State, timing};

/// One named rule checked over a run's history.
#[derive(Clone, Copy)]
pub struct Invariant {
    /// Short name, as in [`Violation::rule`] (`single-master`).
    pub name: &'static str,
    /// What it requires, in one line.
    pub summary: &'static str,
    check: fn(&Context<'_>) -> Vec<Violation>,
}

impl std::fmt::Debug for Invariant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every invariant, in report order.
pub const INVARIANTS: &[Invariant] = &[
    Invariant {
        name: "steady-state-flap",
        summary: "no transition in a connected, stable period",
        check: stable::steady_state_flap,
    },
    Invariant {
        name: "single-master",
        summary: "exactly one master per VRID when connected and stable",
        check: stable::single_master,
    },
    Invariant {
        name: "expected-master",
        summary: "the master is the one priority, address and preemption choose",
        check: stable::expected_master,
    },
    Invariant {
        name: "takeover",
        summary: "a backup takes over within Master_Down_Interval (crash) or Skew_Time (stop)",
        check: fault_bounds::takeover,
    },
    Invariant {
        name: "preempt",
        summary: "a returning higher-priority node preempts within its bounds, not before preempt_delay",
        check: fault_bounds::preempt,
    },
    Invariant {
        name: "heal",
        summary: "dual mastership ends within one advert interval once the masters hear each other",
        check: fault_bounds::heal,
    },
    Invariant {
        name: "gateway",
        summary: "a node cut off from the gateway gives up the VIP once its script had time to fail",
        check: gateway::gateway,
    },
    Invariant {
        name: "vip-only-on-master",
        summary: "a node holds a virtual address only while an instance owning it is MASTER",
        check: vip::vip_only_on_master,
    },
];

/// The invariant called `name`.
pub fn invariant(name: &str) -> Option<&'static Invariant> {
    INVARIANTS.iter().find(|i| i.name == name)
}

impl Invariant {
    pub(crate) fn check(&self, cx: &Context<'_>) -> Vec<Violation> {
        (self.check)(cx)
    }
}

/// What every invariant reads: the scenario, the run, who was master when, the tolerance.
pub(crate) struct Context<'a> {
    pub(crate) scenario: &'a Scenario,
    pub(crate) run: &'a RunRecord,
    pub(crate) mastership: &'a Mastership,
    pub(crate) tolerance: Duration,
    /// The fault plan as applied: (time, action), in order.
    pub(crate) faults: Vec<(Duration, &'a FaultAction)>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        scenario: &'a Scenario,
        run: &'a RunRecord,
        mastership: &'a Mastership,
        tolerance: Duration,
    ) -> Self {
        let faults = run
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Fault(a) => Some((e.t, a)),
                _ => None,
            })
            .collect();
        Context {
            scenario,
            run,
            mastership,
            tolerance,
            faults,
        }
    }

    pub(crate) fn events(&self) -> &'a [Event] {
        &self.run.events
    }

    /// Every VRID of the scenario.
    pub(crate) fn vrids(&self) -> BTreeSet<u8> {
        self.scenario
            .nodes
            .iter()
            .flat_map(|n| n.config.instances.iter().map(|i| i.vrid))
            .collect()
    }

    /// Nodes with an instance of `vrid`.
    pub(crate) fn members(&self, vrid: u8) -> Vec<&'a str> {
        self.scenario
            .nodes
            .iter()
            .filter(|n| n.config.instances.iter().any(|i| i.vrid == vrid))
            .map(|n| n.name.as_str())
            .collect()
    }

    /// The instance of `node` for `vrid`.
    pub(crate) fn instance(&self, node: &str, vrid: u8) -> Option<&'a InstanceConfig> {
        instance(self.scenario, node, vrid)
    }

    /// Every pair of `nodes` hears the other and runs compatible configurations.
    pub(crate) fn all_connected(&self, state: &FaultState, vrid: u8, nodes: &[&str]) -> bool {
        state.exact()
            && nodes.iter().enumerate().all(|(k, x)| {
                nodes[k + 1..].iter().all(|y| {
                    state.connected(x, y)
                        && state
                            .fault_latency(x, y)
                            .is_none_or(|l| l <= self.tolerance)
                        && match (self.instance(x, vrid), self.instance(y, vrid)) {
                            (Some(xi), Some(yi)) => config_mismatch((x, xi), (y, yi)).is_none(),
                            _ => true,
                        }
                })
            })
    }

    /// The first fault time after `t`, or the end of the run.
    pub(crate) fn next_fault_after(&self, t: Duration) -> Duration {
        self.faults
            .iter()
            .map(|(ft, _)| *ft)
            .find(|ft| *ft > t)
            .unwrap_or(self.run.simulated)
    }
}

/// (node, VRID) → (state, priority).
pub(crate) type States = BTreeMap<(String, u8), (State, u8)>;

/// Instance states and priorities from events strictly before `t`.
pub(crate) fn states_before(events: &[Event], t: Duration) -> States {
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

/// Skew_Time of `i` at `priority` (its configured interval).
pub(crate) fn skew_time(i: &InstanceConfig, priority: u8) -> Duration {
    timing::skew_time(i.version, priority, i.advert_interval)
}

/// Master_Down_Interval of `i` at `priority` (its configured interval).
pub(crate) fn master_down_interval(i: &InstanceConfig, priority: u8) -> Duration {
    timing::master_down_interval(i.version, priority, i.advert_interval, i.down_timer_adverts)
}

pub(crate) fn preempt_delay(i: &InstanceConfig) -> Duration {
    match i.preempt {
        Preempt::Delay(d) => d,
        _ => Duration::ZERO,
    }
}

pub(crate) fn secs(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

pub(crate) fn violation(t: Duration, rule: &'static str, message: String) -> Violation {
    Violation {
        t: t.as_secs_f64(),
        rule,
        message,
    }
}

/// Runs `invariants` over the run; violations in time order (ties in `invariants` order).
pub(crate) fn check(cx: &Context<'_>, invariants: &[Invariant]) -> Vec<Violation> {
    let mut out: Vec<Violation> = invariants.iter().flat_map(|i| i.check(cx)).collect();
    out.sort_by(|a, b| a.t.total_cmp(&b.t));
    out
}
