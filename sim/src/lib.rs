//! vrrplab-sim: runs vrrplab-core nodes in a deterministic turmoil network.
//!
//! Layers: [`scenario`] (nodes, fault plan, settings, expectations) → [`world::run`] (turmoil
//! hosts driving `Node`s, faults applied between steps) → [`observe`] (the event record) →
//! [`analysis`] (split-brain intervals, failovers, invariants, verdict) → [`report`] (text
//! timeline, JSON, pcap, SVG). Same scenario and seed ⇒ byte-identical output. [`explore`]
//! generates fault plans over a scenario, runs them in parallel and shrinks failures.

pub mod analysis;
pub mod backends;
pub mod explore;
pub mod fault;
pub mod observe;
pub mod report;
pub mod scenario;
pub mod sweep;
pub mod world;

pub use analysis::{Analysis, analyse};
pub use fault::{Fault, FaultAction, FaultPlan};
pub use scenario::{Expectations, NodeSpec, Scenario, SimSettings};
pub use world::{RunRecord, SimError, run};
