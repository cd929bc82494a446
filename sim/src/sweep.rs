//! Many seeds of one scenario (`vrrplab sim --sweep N`): split-brain and failover statistics.
//!
//! A seed changes turmoil's latency draws (when min < max latency), the host order and the
//! loss RNG; with fixed latency and no loss every seed gives the same run.

use crate::analysis::analyse;
use crate::scenario::Scenario;
use crate::world::{SimError, run};
use serde::Serialize;

/// Statistics over a sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepSummary {
    /// First seed.
    pub first_seed: u64,
    /// Number of runs.
    pub runs: u64,
    /// Runs whose verdict was PASS.
    pub passed: u64,
    /// Runs with at least one split-brain interval.
    pub runs_with_split_brain: u64,
    /// Split-brain intervals over all runs.
    pub split_brain_intervals: u64,
    /// Mean length of a split-brain interval (s; open intervals count to the end of the run).
    pub split_brain_mean_s: f64,
    /// Longest split-brain interval (s).
    pub split_brain_max_s: f64,
    /// Failovers over all runs.
    pub failovers: u64,
    /// Shortest failover gap (s).
    pub failover_gap_min_s: f64,
    /// Mean failover gap (s).
    pub failover_gap_mean_s: f64,
    /// Longest failover gap (s).
    pub failover_gap_max_s: f64,
    /// Invariant violations over all runs.
    pub violations: u64,
    /// Seeds whose verdict was FAIL (at most 20).
    pub failing_seeds: Vec<u64>,
    /// Simulated seconds over all runs.
    pub simulated_s: f64,
}

/// Runs `runs` seeds starting at the scenario's seed; `progress` is called after each run.
pub fn sweep(
    scenario: &Scenario,
    runs: u64,
    mut progress: impl FnMut(u64),
) -> Result<SweepSummary, SimError> {
    let first = scenario.settings.seed;
    let mut s = SweepSummary {
        first_seed: first,
        runs,
        passed: 0,
        runs_with_split_brain: 0,
        split_brain_intervals: 0,
        split_brain_mean_s: 0.0,
        split_brain_max_s: 0.0,
        failovers: 0,
        failover_gap_min_s: f64::INFINITY,
        failover_gap_mean_s: 0.0,
        failover_gap_max_s: 0.0,
        violations: 0,
        failing_seeds: Vec::new(),
        simulated_s: 0.0,
    };
    let mut sb_total = 0.0;
    let mut gap_total = 0.0;
    for k in 0..runs {
        let mut sc = scenario.clone();
        sc.settings.seed = first.wrapping_add(k);
        sc.settings.record_packets = false;
        let record = run(&sc)?;
        let a = analyse(&sc, &record);
        s.simulated_s += record.simulated.as_secs_f64();
        if a.passed(&sc) {
            s.passed += 1;
        } else if s.failing_seeds.len() < 20 {
            s.failing_seeds.push(sc.settings.seed);
        }
        if !a.split_brain.is_empty() {
            s.runs_with_split_brain += 1;
        }
        for sb in &a.split_brain {
            let len = sb.end.unwrap_or(record.simulated.as_secs_f64()) - sb.start;
            s.split_brain_intervals += 1;
            sb_total += len;
            s.split_brain_max_s = s.split_brain_max_s.max(len);
        }
        for f in &a.failovers {
            s.failovers += 1;
            gap_total += f.gap_s;
            s.failover_gap_min_s = s.failover_gap_min_s.min(f.gap_s);
            s.failover_gap_max_s = s.failover_gap_max_s.max(f.gap_s);
        }
        s.violations += a.violations.len() as u64;
        progress(k + 1);
    }
    if s.split_brain_intervals > 0 {
        s.split_brain_mean_s = sb_total / s.split_brain_intervals as f64;
    }
    if s.failovers > 0 {
        s.failover_gap_mean_s = gap_total / s.failovers as f64;
    } else {
        s.failover_gap_min_s = 0.0;
    }
    Ok(s)
}

impl std::fmt::Display for SweepSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "sweep: {} runs, seeds {}–{}, {:.0} s simulated",
            self.runs,
            self.first_seed,
            self.first_seed.wrapping_add(self.runs.saturating_sub(1)),
            self.simulated_s
        )?;
        writeln!(f, "  verdict PASS in {}/{} runs", self.passed, self.runs)?;
        writeln!(
            f,
            "  split-brain: {} run(s), {} interval(s), mean {:.3}s, longest {:.3}s",
            self.runs_with_split_brain,
            self.split_brain_intervals,
            self.split_brain_mean_s,
            self.split_brain_max_s
        )?;
        writeln!(
            f,
            "  failovers: {}, gap min {:.3}s / mean {:.3}s / max {:.3}s",
            self.failovers,
            self.failover_gap_min_s,
            self.failover_gap_mean_s,
            self.failover_gap_max_s
        )?;
        writeln!(f, "  invariant violations: {}", self.violations)?;
        if !self.failing_seeds.is_empty() {
            let seeds: Vec<String> = self.failing_seeds.iter().map(u64::to_string).collect();
            writeln!(f, "  failing seeds: {}", seeds.join(", "))?;
        }
        Ok(())
    }
}
