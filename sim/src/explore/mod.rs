//! Exploration: many generated fault plans over the user's own configurations, each run in its
//! own turmoil world and judged by a property; failures are shrunk to a minimal plan printed as a
//! `vrrplab sim` command (and a scenario file) that reproduces the run byte for byte.
//!
//! Pieces, one file each: [`nemesis`] (what plans may do, its text form and defaults),
//! [`generate`] (plan `index` of seed `seed`, SplitMix64), [`plan`] (episodes → fault plan →
//! scenario), [`property`] (what must hold), [`outcome`] (one plan's run, reduced), [`shrink`],
//! [`summary`] (totals, merge of shards), [`text`] (the summary for people), [`reproduce`]
//! (command line, scenario file) and [`run`] (threads, shards, order).
//!
//! Contract: the summary depends on (scenario, nemesis, property, seed, plan count, shrink
//! budget) only — not on the number of jobs, not on the sharding once shards are merged.
//!
//! For a user's own `cargo test`:
//!
//! ```
//! use vrrplab_sim::explore::Explorer;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The pair in this repository's examples/ (paths relative to the crate running the test).
//! let report = Explorer::from_conf_files(&["../examples/a.conf", "../examples/b.conf"])?
//!     .nemesis("crash,stop,block,loss<=20%,faults=2,window=10s")?
//!     .seed(7)
//!     .run(3);
//! report.assert_holds(); // panics with the shrunk plan, seed and command on a failure
//! assert_eq!(report.summary.plans_run, 3);
//! # Ok(())
//! # }
//! ```
//!
//! A property of your own fails the test with the shrunk plan in the message:
//!
//! ```
//! use vrrplab_sim::explore::{Explorer, Property};
//!
//! let report = Explorer::from_conf_files(&["../examples/a.conf", "../examples/b.conf"])
//!     .unwrap()
//!     .nemesis("crash:a,faults=1,window=5s")
//!     .unwrap()
//!     .property(Property::healthy_network().and("a stays master", |_, _, analysis| {
//!         match analysis.failovers.first() {
//!             Some(f) => Err(format!("{} took over at {:.3}s", f.to, f.t)),
//!             None => Ok(()),
//!         }
//!     }))
//!     .run(1);
//! assert!(!report.passed());
//! // `report.assert_holds()` would panic with this text: the plan, the shrunk plan, the seed
//! // and the command that reruns it.
//! let message = report.to_string();
//! assert!(message.contains("a stays master: b took over"), "{message}");
//! assert!(message.contains("reproduce: vrrplab sim --node ../examples/a.conf"), "{message}");
//! ```

pub mod generate;
pub mod nemesis;
pub mod outcome;
pub mod plan;
pub mod property;
pub mod reproduce;
pub mod run;
pub mod shrink;
pub mod summary;
pub mod text;

pub use nemesis::{Cap, FAULT_KINDS, FaultKind, KindSpec, Nemesis, NemesisError, settle_time};
pub use plan::{Episode, Plan};
pub use property::Property;
pub use reproduce::Source;
pub use run::{Exploration, Explored, explore};
pub use summary::Summary;

use crate::scenario::{
    NodeSpec, Scenario, default_address, load_keepalived_conf, load_keepalived_health,
};
use std::path::Path;

/// Loads keepalived.conf files as `vrrplab sim --node` does: nodes `a`, `b`, `c`… at
/// 192.0.2.11, .12, …, with their `virtual_server` checks.
pub fn cluster_from_files(paths: &[impl AsRef<Path>]) -> Result<Scenario, String> {
    let mut nodes = Vec::new();
    for (k, path) in paths.iter().enumerate() {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {origin}: {e}"))?;
        let config = load_keepalived_conf(&text, &origin)?;
        let name = ((b'a' + (k % 26) as u8) as char).to_string();
        let health = load_keepalived_health(&text, &origin);
        nodes.push(NodeSpec::new(&name, default_address(k), config).with_health(health));
    }
    let s = Scenario::new("quick scenario (--node)", nodes);
    s.validate().map_err(|e| e.to_string())?;
    Ok(s)
}

/// Builder for an exploration from a test or a program.
#[derive(Debug, Clone)]
pub struct Explorer {
    base: Scenario,
    source: Source,
    nemesis: Nemesis,
    property: Property,
    seed: u64,
    jobs: usize,
    shrink_budget: u32,
}

/// The result of [`Explorer::run`].
#[derive(Debug, Clone)]
pub struct Report {
    /// The summary (as `vrrplab sim --explore` prints it).
    pub summary: Summary,
    /// The shrunk plans of `summary.failures`, in the same order.
    pub shrunk: Vec<Plan>,
}

impl Report {
    /// True when the property held in every plan.
    pub fn passed(&self) -> bool {
        self.summary.failed == 0
    }

    /// Panics when a plan failed; the message is the summary, with each failure's shrunk plan,
    /// seed and reproduction command.
    pub fn assert_holds(&self) {
        if !self.passed() {
            panic!(
                "exploration failed in {} of {} plans:\n{}",
                self.summary.failed,
                self.summary.plans_run,
                text::render(&self.summary)
            );
        }
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&text::render(&self.summary))
    }
}

/// Worker threads when none is asked for: every core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

impl Explorer {
    /// An explorer over `scenario` (its own fault plan is ignored) with the default nemesis and
    /// property, seed 1, every core, shrink budget 200 runs. Reproduction commands name the
    /// nodes `--node a.conf …` (set the real paths with [`Explorer::source`]).
    pub fn new(scenario: Scenario) -> Self {
        let source = Source::Nodes(
            scenario
                .nodes
                .iter()
                .map(|n| format!("{}.conf", n.name))
                .collect(),
        );
        Explorer {
            nemesis: Nemesis::defaults(&scenario),
            base: scenario,
            source,
            property: Property::default(),
            seed: 1,
            jobs: default_jobs(),
            shrink_budget: 200,
        }
    }

    /// An explorer over keepalived.conf files ([`cluster_from_files`]).
    pub fn from_conf_files(paths: &[impl AsRef<Path>]) -> Result<Self, String> {
        let sc = cluster_from_files(paths)?;
        let source = Source::Nodes(
            paths
                .iter()
                .map(|p| p.as_ref().display().to_string())
                .collect(),
        );
        Ok(Explorer::new(sc).source(source))
    }

    /// Applies a nemesis spec (`"crash,block,loss<=30%,faults=2"`) over the defaults.
    pub fn nemesis(mut self, spec: &str) -> Result<Self, NemesisError> {
        self.nemesis = Nemesis::parse(spec, &self.base)?;
        Ok(self)
    }

    /// Uses this nemesis.
    pub fn with_nemesis(mut self, nemesis: Nemesis) -> Self {
        self.nemesis = nemesis;
        self
    }

    /// Uses this property.
    pub fn property(mut self, property: Property) -> Self {
        self.property = property;
        self
    }

    /// Exploration seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Worker threads.
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }

    /// Runs allowed to shrink one failure.
    pub fn shrink_budget(mut self, runs: u32) -> Self {
        self.shrink_budget = runs;
        self
    }

    /// What reproduction commands name.
    pub fn source(mut self, source: Source) -> Self {
        self.source = source;
        self
    }

    /// Runs `plans` plans.
    pub fn run(&self, plans: u64) -> Report {
        let x = Exploration {
            base: &self.base,
            nemesis: &self.nemesis,
            property: &self.property,
            source: &self.source,
            seed: self.seed,
            plans,
            shard: None,
            jobs: self.jobs,
            shrink_budget: self.shrink_budget,
        };
        let e = explore(&x, &mut |_, _| {});
        Report {
            summary: e.summary,
            shrunk: e.shrunk,
        }
    }
}
