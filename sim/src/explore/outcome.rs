//! Running one plan and reducing its run to what the summary needs: failures, split-brain
//! intervals labelled with the fault kinds in force, failover gaps, settle time. Durations are
//! integer microseconds so that sums do not depend on the order plans are added in.

use super::plan::Plan;
use super::property::Property;
use crate::analysis::analyse;
use crate::observe::EventKind;
use crate::scenario::Scenario;
use crate::world::run;
use vrrplab_core::vrrp::State;

/// One split-brain interval of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitBrainSample {
    /// Fault kinds in force when it began (`none` when no fault was).
    pub kinds: Vec<String>,
    /// Its length (µs; an interval still open at the end counts to the end).
    pub us: u64,
}

/// What one plan's run showed.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOutcome {
    /// Plan index.
    pub index: u64,
    /// Run seed.
    pub seed: u64,
    /// The plan's fault lines.
    pub faults: Vec<String>,
    /// The fault kinds the plan uses, each once.
    pub kinds: Vec<String>,
    /// Simulated time (µs).
    pub simulated_us: u64,
    /// Why the property failed (empty: it held).
    pub failures: Vec<String>,
    /// Split-brain intervals.
    pub split_brain: Vec<SplitBrainSample>,
    /// Failover gaps (µs).
    pub gaps_us: Vec<u64>,
    /// Time from the end of the last fault to the last master change (µs; 0 when nothing
    /// changed after it).
    pub settle_us: u64,
}

pub(crate) fn micros(seconds: f64) -> u64 {
    (seconds * 1e6).round().max(0.0) as u64
}

/// Runs `plan` over `base` and judges it with `property`.
pub fn evaluate(
    base: &Scenario,
    plan: &Plan,
    split_brain_fails: bool,
    property: &Property,
) -> PlanOutcome {
    let sc = plan.scenario(base, split_brain_fails);
    let mut kinds: Vec<String> = plan
        .episodes
        .iter()
        .map(|e| e.kind.name().to_string())
        .collect();
    kinds.sort();
    kinds.dedup();
    let mut out = PlanOutcome {
        index: plan.index,
        seed: plan.seed,
        faults: plan.fault_lines(),
        kinds,
        simulated_us: 0,
        failures: Vec::new(),
        split_brain: Vec::new(),
        gaps_us: Vec::new(),
        settle_us: 0,
    };
    let record = match run(&sc) {
        Ok(r) => r,
        Err(e) => {
            out.failures.push(format!("simulation error: {e}"));
            return out;
        }
    };
    let analysis = analyse(&sc, &record);
    let end = record.simulated.as_secs_f64();
    out.simulated_us = micros(end);
    out.failures = property.failures(&sc, &record, &analysis);
    for sb in &analysis.split_brain {
        let mut kinds: Vec<String> = plan
            .kinds_active_at(sb.start)
            .iter()
            .map(|k| k.name().to_string())
            .collect();
        if kinds.is_empty() {
            kinds.push("none".into());
        }
        out.split_brain.push(SplitBrainSample {
            kinds,
            us: micros(sb.end.unwrap_or(end) - sb.start),
        });
    }
    out.gaps_us = analysis.failovers.iter().map(|f| micros(f.gap_s)).collect();
    let last_fault = plan
        .episodes
        .iter()
        .map(|e| e.stop())
        .max()
        .unwrap_or_default();
    let last_change = record
        .events
        .iter()
        .filter(|e| {
            matches!(&e.kind, EventKind::Transition { from, to, .. }
                if *from == State::Master || *to == State::Master)
        })
        .map(|e| e.t)
        .max()
        .unwrap_or_default();
    out.settle_us = last_change.saturating_sub(last_fault).as_micros() as u64;
    out
}
