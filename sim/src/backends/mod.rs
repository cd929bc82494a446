//! Simulated health-check backends and a health-check driver for turmoil hosts.
//!
//! - [`server`]: TCP and HTTP servers that run as turmoil host software and can be stopped,
//!   started, hung (connections never answered), slowed, or made to answer another status code,
//!   all through a [`BackendControl`] the test keeps.
//! - [`prober`]: performs the core's [`vrrplab_core::check::Probe`]s over turmoil TCP; scripts
//!   are simulated by [`ScriptOutcomes`] (exit status after a delay, hang, or "exit 0 if this
//!   address answers a TCP connect" for gateway arbitration).
//! - [`director`]: host software that runs a [`vrrplab_core::check::Health`] (scripts and
//!   virtual-server pools) against those backends and records every output with its simulated
//!   time in a [`HealthRecord`].
//!
//! Everything here is single-threaded turmoil software: `Rc`, no `Send`, `biased;` selects, time
//! from `turmoil::sim_elapsed()` only.

pub mod control;
pub mod director;
pub mod prober;
pub mod server;

pub use control::{BackendControl, BackendMode};
pub use director::{HealthRecord, run_health, run_health_with, sim_instant};
pub use prober::{Prober, ScriptBehaviour, ScriptOutcomes};
pub use server::{BackendKind, serve};
