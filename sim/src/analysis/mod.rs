//! Checks over a run's history: split-brain intervals with causes, failovers with gaps, the
//! invariants of `docs/architecture.md` ("Simulator"), the scenario's expectations, and the verdict.
//!
//! Everything here is a pure function of the [`Scenario`] and the [`RunRecord`].

mod causes;
mod faults;
pub mod invariants;
mod mastership;

pub use invariants::{INVARIANTS, Invariant, invariant};
pub use mastership::{Failover, SplitBrain};

use crate::observe::{EventKind, PacketCounters};
use crate::scenario::Scenario;
use crate::world::RunRecord;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// When (seconds).
    pub t: f64,
    /// Which rule (short name).
    pub rule: &'static str,
    /// What happened, with node names and times.
    pub message: String,
}

/// The result of analysing one run.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Intervals with two or more masters for one VRID, longer than one advert interval.
    pub split_brain: Vec<SplitBrain>,
    /// Overlaps shorter than one advert interval (normal handovers), counted.
    pub handover_overlaps: usize,
    /// Master changes between nodes.
    pub failovers: Vec<Failover>,
    /// Broken invariants.
    pub violations: Vec<Violation>,
    /// Expectations of the scenario that did not hold.
    pub expectation_failures: Vec<String>,
    /// Masters of each VRID at the end of the run.
    pub final_masters: BTreeMap<u8, Vec<String>>,
    /// Entries into MASTER per node (flap counting).
    pub master_entries: BTreeMap<String, usize>,
    /// Datagram counters.
    pub counters: PacketCounters,
    /// Simulated time.
    pub simulated: Duration,
    /// Timing tolerance used by the invariants: 2 ticks + max latency + 1 ms.
    pub tolerance: Duration,
}

impl Analysis {
    /// True when no invariant (unless allowed) and no expectation failed.
    pub fn passed(&self, scenario: &Scenario) -> bool {
        self.expectation_failures.is_empty()
            && (scenario.expect.allow_violations || self.violations.is_empty())
    }
}

/// Analyses a run of `scenario` against every invariant.
pub fn analyse(scenario: &Scenario, run: &RunRecord) -> Analysis {
    analyse_with(scenario, run, INVARIANTS)
}

/// Analyses a run of `scenario` against the `invariants` given (a selection of
/// [`INVARIANTS`]). Rules the drivers detect while running (`poll-timeout`: the core's deadline
/// stayed in the past) are always reported.
pub fn analyse_with(scenario: &Scenario, run: &RunRecord, invariants: &[Invariant]) -> Analysis {
    let s = &scenario.settings;
    let tolerance = s.tick * 2 + s.max_latency + Duration::from_millis(1);
    let m = mastership::mastership(scenario, run);
    let cx = invariants::Context::new(scenario, run, &m, tolerance);
    let mut violations = invariants::check(&cx, invariants);
    for e in &run.events {
        if let EventKind::Violation(message) = &e.kind {
            violations.push(Violation {
                t: e.t.as_secs_f64(),
                rule: "poll-timeout",
                message: message.clone(),
            });
        }
    }
    violations.sort_by(|a, b| a.t.total_cmp(&b.t));
    let mut analysis = Analysis {
        split_brain: m.split_brain,
        handover_overlaps: m.handover_overlaps,
        failovers: m.failovers,
        violations,
        expectation_failures: Vec::new(),
        final_masters: m.final_masters,
        master_entries: m.master_entries,
        counters: run.counters,
        simulated: run.simulated,
        tolerance,
    };
    analysis.expectation_failures = expectations(scenario, &analysis);
    analysis
}

fn expectations(scenario: &Scenario, a: &Analysis) -> Vec<String> {
    let e = &scenario.expect;
    let mut out = Vec::new();
    match e.split_brain {
        Some(true) if a.split_brain.is_empty() => {
            out.push("expected a split-brain, but there was none".to_string())
        }
        Some(false) if !a.split_brain.is_empty() => out.push(format!(
            "expected no split-brain, but there were {}",
            a.split_brain.len()
        )),
        _ => {}
    }
    if e.split_brain_heals == Some(true) {
        for sb in a.split_brain.iter().filter(|sb| sb.end.is_none()) {
            out.push(format!(
                "expected every split-brain to heal, but VRID {} ({}) was still split at the end",
                sb.vrid,
                sb.nodes.join("+")
            ));
        }
    }
    for (vrid, node) in &e.final_master {
        let masters = a.final_masters.get(vrid).cloned().unwrap_or_default();
        if masters != [node.clone()] {
            out.push(format!(
                "expected {node} to be the only master of VRID {vrid} at the end, found [{}]",
                masters.join(", ")
            ));
        }
    }
    if let Some(max) = e.max_failover_gap {
        for f in a.failovers.iter().filter(|f| f.gap_s > max.as_secs_f64()) {
            out.push(format!(
                "failover {}→{} of VRID {} at {:.3}s took {:.3}s, more than {:.3}s",
                f.from,
                f.to,
                f.vrid,
                f.t,
                f.gap_s,
                max.as_secs_f64()
            ));
        }
    }
    out
}
