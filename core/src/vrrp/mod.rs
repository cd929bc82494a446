//! One VRRP virtual router instance and the node-level pieces around it (sync groups, tracking,
//! priority computation). Behaviour follows keepalived (see `docs/keepalived-behaviour.md`)
//! and RFC 5798/9568 where keepalived does.
//!
//! Contract: an [`Instance`] is sans-IO. Inputs are `handle_packet(now, meta, bytes)`,
//! `handle_timeout(now)` and the commands its node issues (`start`, `set_fault`,
//! `set_effective_priority`, `promote`/`demote` for sync groups, `shutdown`); outputs are the
//! [`crate::io::Output`] values drained with `poll_output()`; the next deadline is
//! `poll_timeout()`, from a fixed [`TimerTable`]. Every discarded packet is a [`DiscardReason`]
//! counted in [`Counters`]; a packet wrong whatever the receiver is one of the [`Defect`]s that
//! [`inspect`] finds, the vocabulary `vrrplab replay` reports invalid adverts in. [`timing`]
//! holds Skew_Time / Master_Down_Interval, [`tracking`] the weight arithmetic.

pub mod config;
pub mod defect;
pub mod discard;
pub mod inspect;
pub mod instance;
pub mod state;
pub mod timer;
pub mod timing;
pub mod tracking;
pub mod validate;

pub use config::{
    GarpConfig, Hook, InstanceConfig, NotifyConfig, Preempt, SyncGroupConfig, TrackFileConfig,
    TrackRef, TrackScriptConfig, TrackedInterface, VirtualAddress, Vmac,
};
pub use defect::{Defect, DefectKind, Defects};
pub use discard::{Counters, DiscardReason};
pub use inspect::{Envelope, Inspection, inspect};
pub use instance::{Instance, MasterInfo};
pub use state::{State, TransitionReason};
pub use timer::{Timer, TimerTable};
