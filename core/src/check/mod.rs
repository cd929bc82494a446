//! Health checks, sans-IO: `vrrp_script` trackers (rise/fall) for VRRP, and real-server
//! checkers (TCP_CHECK, HTTP_GET, MISC_CHECK) with keepalived's retry semantics feeding
//! virtual-server pools (weights, `inhibit_on_failure`, quorum with hysteresis, sorry server).
//!
//! Contract: the same shape as the VRRP node. [`Health`] takes `handle_timeout(now)` and
//! `handle_probe_result(now, id, result)`; it emits [`Output`]s — probes to start or cancel,
//! script transitions for `Node::handle_script_result`, pool operations, quorum changes and
//! hooks to run — drained with `poll_output()`; it asks to be woken at `poll_timeout()`. The
//! core never performs a probe: the driver does ([`ProbeAction`]) and answers with a
//! [`ProbeResult`] tagged with the [`ProbeId`]. The check owns every timeout; a result that
//! arrives after its probe timed out is ignored. Timers expiring together are handled in a
//! fixed order; no randomness except the `warmup` jitter, derived from a configured seed.
//!
//! Behaviour follows keepalived (`docs/keepalived-behaviour.md`, sections "Tracking" and
//! "Health checkers"); each module lists its rules. [`from_keepalived`] builds a [`HealthConfig`]
//! from a parsed keepalived.conf, resolving keepalived's inheritance and defaults.
//!
//! For VRRP, the node feeds each [`Output::ScriptResult`] to `Node::handle_script_result`; the
//! weights, `reverse`, FAULT and sync-group rules are applied there.

pub mod checker;
pub mod config;
pub mod from_keepalived;
pub mod health;
pub mod http;
pub mod output;
pub mod probe;
mod run;
pub mod script;
pub mod virtual_server;

#[cfg(test)]
mod tests;

pub use config::{
    CheckKind, CheckerConfig, ConnectOptions, HealthConfig, HttpVersion, RealServerConfig,
    SorryServerConfig, StatusCodes, TlsOptions, UrlCheck, VirtualServerConfig, parse_digest,
};
pub use health::{Health, HealthStats};
pub use output::{
    CheckerChange, FailureReason, Hook, HookKind, Output, PoolAction, PoolChange, QuorumChange,
    ScriptResult,
};
pub use probe::{Probe, ProbeAction, ProbeId, ProbeResult};
pub use script::{ScriptStatus, ScriptTracker};
pub use virtual_server::{RealServerStatus, VirtualServerStatus};
