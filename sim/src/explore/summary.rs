//! The exploration summary (text and `--json`) and the merge of shard summaries.
//!
//! Contract: a summary is a function of the set of plan outcomes only — integer sums, maxima,
//! lists ordered by plan index and truncated to a fixed length — so the outcomes can be added in
//! any order, by any number of threads or shards, and [`Summary::merge`] of the shards of an
//! exploration equals the unsharded summary exactly (JSON byte for byte).

use super::outcome::PlanOutcome;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Failing plan indices listed.
pub const LISTED_FAILING_PLANS: usize = 100;
/// Failures shrunk and reported in full (the lowest plan indices).
pub const SHRUNK_FAILURES: usize = 10;
/// Plans listed as slowest to settle.
pub const SLOWEST: usize = 5;
/// Upper edges of the failover gap histogram (µs); the last bucket is everything above.
pub const GAP_BUCKETS_US: &[u64] = &[
    100_000, 500_000, 1_000_000, 2_000_000, 3_000_000, 4_000_000, 6_000_000, 10_000_000,
];

/// Which shards a summary covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shards {
    /// Number of shards the plans were split into.
    pub of: u64,
    /// The shards covered (0-based), ascending.
    pub covered: Vec<u64>,
}

/// A failing plan, shrunk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// Plan index.
    pub index: u64,
    /// Run seed of the plan.
    pub seed: u64,
    /// The plan as generated.
    pub faults: Vec<String>,
    /// Why it failed.
    pub reasons: Vec<String>,
    /// The smallest failing plan found from it.
    pub shrunk: ShrunkPlan,
}

/// A shrunk plan, ready to rerun.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShrunkPlan {
    /// Run seed (unchanged by shrinking).
    pub seed: u64,
    /// Simulated duration (`45s`).
    pub duration: String,
    /// Fault lines.
    pub faults: Vec<String>,
    /// Why it fails.
    pub reasons: Vec<String>,
    /// Runs spent shrinking.
    pub shrink_runs: u32,
    /// `vrrplab sim …` command line that reruns it.
    pub command: String,
}

/// Split-brain intervals that began while a fault kind was in force.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitStats {
    /// Plans with at least one such interval.
    pub plans: u64,
    /// Intervals.
    pub intervals: u64,
    /// Their total length (µs).
    pub total_us: u64,
    /// The longest (µs).
    pub max_us: u64,
}

/// Failover gaps (time without a master).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapStats {
    /// Failovers.
    pub count: u64,
    /// Sum of gaps (µs).
    pub total_us: u64,
    /// Shortest gap (µs).
    pub min_us: Option<u64>,
    /// Longest gap (µs).
    pub max_us: u64,
    /// Failovers per bucket of [`GAP_BUCKETS_US`] (one more for the rest).
    pub buckets: Vec<u64>,
}

/// A plan that took long to settle after its last fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slow {
    /// Plan index.
    pub index: u64,
    /// Time from the end of the last fault to the last master change (µs).
    pub settle_us: u64,
    /// The plan.
    pub faults: Vec<String>,
}

/// What an exploration (or a shard of one) found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Scenario title.
    pub scenario: String,
    /// Hash of the scenario and property settings (summaries merge only when equal).
    pub fingerprint: String,
    /// Exploration seed.
    pub seed: u64,
    /// Plans in the whole exploration.
    pub plans: u64,
    /// The nemesis, as a spec.
    pub nemesis: String,
    /// The shards covered; `None` when every plan is.
    pub shards: Option<Shards>,
    /// Plans run.
    pub plans_run: u64,
    /// Plans whose property held.
    pub passed: u64,
    /// Plans whose property failed.
    pub failed: u64,
    /// Simulated time over all plans (µs).
    pub simulated_us: u64,
    /// The lowest failing plan indices (at most [`LISTED_FAILING_PLANS`]).
    pub failing_plans: Vec<u64>,
    /// The lowest-index failures, shrunk (at most [`SHRUNK_FAILURES`]).
    pub failures: Vec<Failure>,
    /// Plans that used each fault kind.
    pub kind_plans: BTreeMap<String, u64>,
    /// Split-brain intervals by fault kind in force when they began (`none`: no fault was).
    pub split_brain: BTreeMap<String, SplitStats>,
    /// Failover gaps.
    pub failover_gaps: GapStats,
    /// Plans slowest to settle after their last fault (at most [`SLOWEST`]).
    pub slowest: Vec<Slow>,
}

impl Summary {
    /// An empty summary of an exploration.
    pub fn new(scenario: &str, fingerprint: &str, seed: u64, plans: u64, nemesis: &str) -> Self {
        Summary {
            scenario: scenario.to_string(),
            fingerprint: fingerprint.to_string(),
            seed,
            plans,
            nemesis: nemesis.to_string(),
            shards: None,
            plans_run: 0,
            passed: 0,
            failed: 0,
            simulated_us: 0,
            failing_plans: Vec::new(),
            failures: Vec::new(),
            kind_plans: BTreeMap::new(),
            split_brain: BTreeMap::new(),
            failover_gaps: GapStats {
                buckets: vec![0; GAP_BUCKETS_US.len() + 1],
                ..GapStats::default()
            },
            slowest: Vec::new(),
        }
    }

    /// Adds one plan's outcome (its failure, if any, is added with [`Summary::add_failure`]).
    pub fn add(&mut self, o: &PlanOutcome) {
        self.plans_run += 1;
        self.simulated_us += o.simulated_us;
        if o.failures.is_empty() {
            self.passed += 1;
        } else {
            self.failed += 1;
            self.failing_plans.push(o.index);
            self.failing_plans.sort_unstable();
            self.failing_plans.truncate(LISTED_FAILING_PLANS);
        }
        for k in &o.kinds {
            *self.kind_plans.entry(k.clone()).or_default() += 1;
        }
        let mut seen: Vec<&str> = Vec::new();
        for sb in &o.split_brain {
            for k in &sb.kinds {
                let s = self.split_brain.entry(k.clone()).or_default();
                s.intervals += 1;
                s.total_us += sb.us;
                s.max_us = s.max_us.max(sb.us);
                if !seen.contains(&k.as_str()) {
                    seen.push(k);
                    s.plans += 1;
                }
            }
        }
        let g = &mut self.failover_gaps;
        for &us in &o.gaps_us {
            g.count += 1;
            g.total_us += us;
            g.min_us = Some(g.min_us.map_or(us, |m| m.min(us)));
            g.max_us = g.max_us.max(us);
            let b = GAP_BUCKETS_US
                .iter()
                .position(|edge| us <= *edge)
                .unwrap_or(GAP_BUCKETS_US.len());
            g.buckets[b] += 1;
        }
        if o.settle_us > 0 {
            self.slowest.push(Slow {
                index: o.index,
                settle_us: o.settle_us,
                faults: o.faults.clone(),
            });
            self.sort_slowest();
        }
    }

    fn sort_slowest(&mut self) {
        self.slowest
            .sort_by(|a, b| b.settle_us.cmp(&a.settle_us).then(a.index.cmp(&b.index)));
        self.slowest.truncate(SLOWEST);
    }

    /// Adds a shrunk failure (kept when among the lowest [`SHRUNK_FAILURES`] indices).
    pub fn add_failure(&mut self, f: Failure) {
        self.failures.push(f);
        self.failures.sort_by_key(|f| f.index);
        self.failures.truncate(SHRUNK_FAILURES);
    }

    /// Combines shard summaries of one exploration (same scenario, seed, plan count, nemesis)
    /// into the summary of the shards together; with every shard, the unsharded summary.
    pub fn merge(parts: &[Summary]) -> Result<Summary, String> {
        let Some(first) = parts.first() else {
            return Err("nothing to merge".into());
        };
        let mut out = Summary::new(
            &first.scenario,
            &first.fingerprint,
            first.seed,
            first.plans,
            &first.nemesis,
        );
        let mut of = None;
        let mut covered: Vec<u64> = Vec::new();
        for (k, p) in parts.iter().enumerate() {
            if (&p.scenario, &p.fingerprint, p.seed, p.plans, &p.nemesis)
                != (
                    &first.scenario,
                    &first.fingerprint,
                    first.seed,
                    first.plans,
                    &first.nemesis,
                )
            {
                return Err(format!(
                    "summary {} is of another exploration (scenario, seed, plan count, nemesis \
                     or configuration differ from the first)",
                    k + 1
                ));
            }
            let Some(sh) = &p.shards else {
                return Err(format!(
                    "summary {} covers every plan already; merge takes shard summaries (--shard K/M)",
                    k + 1
                ));
            };
            if *of.get_or_insert(sh.of) != sh.of {
                return Err(format!(
                    "summary {} was split into {} shards, the first into {}",
                    k + 1,
                    sh.of,
                    of.unwrap_or(0)
                ));
            }
            for c in &sh.covered {
                if covered.contains(c) {
                    return Err(format!("shard {c}/{} is given twice", sh.of));
                }
                covered.push(*c);
            }
            out.plans_run += p.plans_run;
            out.passed += p.passed;
            out.failed += p.failed;
            out.simulated_us += p.simulated_us;
            out.failing_plans.extend(&p.failing_plans);
            out.failures.extend(p.failures.iter().cloned());
            for (k, n) in &p.kind_plans {
                *out.kind_plans.entry(k.clone()).or_default() += n;
            }
            for (k, s) in &p.split_brain {
                let o = out.split_brain.entry(k.clone()).or_default();
                o.plans += s.plans;
                o.intervals += s.intervals;
                o.total_us += s.total_us;
                o.max_us = o.max_us.max(s.max_us);
            }
            let (g, h) = (&mut out.failover_gaps, &p.failover_gaps);
            g.count += h.count;
            g.total_us += h.total_us;
            g.min_us = match (g.min_us, h.min_us) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            g.max_us = g.max_us.max(h.max_us);
            for (x, y) in g.buckets.iter_mut().zip(&h.buckets) {
                *x += y;
            }
            out.slowest.extend(p.slowest.iter().cloned());
        }
        out.failing_plans.sort_unstable();
        out.failing_plans.truncate(LISTED_FAILING_PLANS);
        out.failures.sort_by_key(|f| f.index);
        out.failures.truncate(SHRUNK_FAILURES);
        out.sort_slowest();
        covered.sort_unstable();
        let of = of.unwrap_or(1);
        out.shards = if covered.len() as u64 == of {
            None
        } else {
            Some(Shards { of, covered })
        };
        Ok(out)
    }
}
