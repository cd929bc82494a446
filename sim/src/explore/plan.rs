//! A generated plan: episodes (a fault and the action that undoes it), the run seed and the
//! quiet tail; turned into an ordinary [`Scenario`] to run.
//!
//! The run lasts until the last episode ends plus the quiet tail (whole seconds), so a plan
//! whose faults are earlier or shorter is also a shorter run.

use super::nemesis::FaultKind;
use crate::fault::{Fault, FaultAction, FaultPlan};
use crate::scenario::Scenario;
use std::time::Duration;

/// One fault of a plan: `begin` at `start`, then `end` (when the kind has an undo) at
/// `start + length`.
#[derive(Debug, Clone, PartialEq)]
pub struct Episode {
    /// The nemesis kind.
    pub kind: FaultKind,
    /// When the fault begins.
    pub start: Duration,
    /// How long it lasts.
    pub length: Duration,
    /// The fault.
    pub begin: FaultAction,
    /// The action that undoes it (`None` for a reload).
    pub end: Option<FaultAction>,
}

impl Episode {
    /// When the fault is undone.
    pub fn stop(&self) -> Duration {
        self.start + self.length
    }

    /// True while the fault is in force at `t` (seconds).
    pub fn active_at(&self, t: f64) -> bool {
        let s = self.start.as_secs_f64();
        t >= s && (self.end.is_none() || t < self.stop().as_secs_f64())
    }

    /// The episode's timed actions.
    pub fn faults(&self) -> Vec<Fault> {
        let mut out = vec![Fault {
            at: self.start,
            action: self.begin.clone(),
        }];
        if let Some(end) = &self.end {
            out.push(Fault {
                at: self.stop(),
                action: end.clone(),
            });
        }
        out
    }
}

/// A plan: what one exploration run does.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Index of the plan in the exploration (0-based).
    pub index: u64,
    /// The run's seed (turmoil and loss RNG).
    pub seed: u64,
    /// The faults, in start order.
    pub episodes: Vec<Episode>,
    /// Earliest start of the run's first fault (the run lasts at least this + `quiet`).
    pub warmup: Duration,
    /// Fault-free time after the last episode.
    pub quiet: Duration,
}

impl Plan {
    /// The simulated duration: the last episode's end (at least the warm-up) + the quiet tail,
    /// rounded up to a whole second.
    pub fn duration(&self) -> Duration {
        let last = self
            .episodes
            .iter()
            .map(Episode::stop)
            .max()
            .unwrap_or(self.warmup)
            .max(self.warmup);
        let d = last + self.quiet;
        Duration::from_secs(d.as_secs() + u64::from(d.subsec_nanos() > 0))
    }

    /// Every timed action, in time order (ties in episode order).
    pub fn fault_plan(&self) -> FaultPlan {
        self.episodes.iter().flat_map(Episode::faults).collect()
    }

    /// The fault lines (`12.3s partition a<->b`), in time order.
    pub fn fault_lines(&self) -> Vec<String> {
        self.fault_plan()
            .faults()
            .iter()
            .map(|f| f.to_string())
            .collect()
    }

    /// The kinds of the episodes in force at `t` (seconds), each once, in kind order.
    pub fn kinds_active_at(&self, t: f64) -> Vec<FaultKind> {
        let mut k: Vec<FaultKind> = self
            .episodes
            .iter()
            .filter(|e| e.active_at(t))
            .map(|e| e.kind)
            .collect();
        k.sort();
        k.dedup();
        k
    }

    /// `base` with this plan's faults, seed and duration (packets not recorded). With
    /// `split_brain_fails`, any split-brain fails the run (`expect.split_brain = false`); an
    /// expectation that a split-brain happens (`split_brain = true`, written for the scenario's
    /// own plan) is dropped: a random plan need not split the cluster.
    pub fn scenario(&self, base: &Scenario, split_brain_fails: bool) -> Scenario {
        let mut sc = base.clone();
        sc.faults = self.fault_plan();
        sc.settings.seed = self.seed;
        sc.settings.duration = self.duration();
        sc.settings.record_packets = false;
        if sc.expect.split_brain == Some(true) {
            sc.expect.split_brain = None;
        }
        if split_brain_fails {
            sc.expect.split_brain = Some(false);
        }
        sc
    }
}
